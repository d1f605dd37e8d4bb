"""Text that other people chose (session names, messages, errors), made safe for a terminal.

A session name or an error message can carry terminal escapes (ESC [ ... moves the cursor,
rewrites earlier lines, sets the window title), line breaks that forge table rows, or bidi
controls that make `forgotten-debug` display as something else. Each such character is shown as
a visible ASCII escape instead (`\\x1b`, `\\u202e`), so the row keeps its width and the reader
sees that something was there.
"""

from __future__ import annotations

import json
from typing import Any

# Unicode's bidi embeddings and overrides (LRE..RLO), isolates (LRI..PDI), and the marks
# (LRM, RLM, ALM): each one reorders how the rest of the line displays.
_BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
# Line and paragraph separators: some terminals and viewers break the line there.
_LINE_SEPARATORS = frozenset([0x2028, 0x2029])


def is_unsafe(character: str) -> bool:
    """C0 controls, DEL, C1 controls, bidi controls and Unicode line separators."""
    code = ord(character)
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _BIDI_CONTROLS or code in _LINE_SEPARATORS


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def sanitize(text: str) -> str:
    """`text` with every unsafe character replaced by its visible escape; safe text unchanged."""
    if not any(is_unsafe(character) for character in text):
        return text
    return "".join(_escape(c) if is_unsafe(c) else c for c in text)


def safe_lines(text: str) -> str:
    """Several lines of output: each line sanitized, the line breaks between them kept."""
    return "\n".join(sanitize(line) for line in text.split("\n"))


def safe_json(value: Any) -> str:
    """JSON for a terminal: ensure_ascii escapes every non-ASCII character (C1, bidi) and
    json escapes C0; DEL is ASCII, so it is escaped here (it can only occur inside a string)."""
    return json.dumps(value, indent=2, ensure_ascii=True).replace("\x7f", "\\u007f")


def safe_json_line(value: Any) -> str:
    """The same, on one line (a stream of records, one a line)."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True).replace("\x7f", "\\u007f")
