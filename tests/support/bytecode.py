"""What a directory Lambda runs from (the layer, the function's asset) must hold to import
without compiling: every module's CPython 3.13 bytecode, valid without source timestamps."""

from __future__ import annotations

from pathlib import Path

# importlib.util.MAGIC_NUMBER of CPython 3.13, and PEP 552's flags for unchecked-hash bytecode
# (hash-based, source not checked).
CPYTHON_313_MAGIC = bytes.fromhex("f30d0d0a")
UNCHECKED_HASH = 0b01


def assert_every_module_has_unchecked_313_bytecode(tree: Path) -> None:
    """Each module under `tree` has __pycache__/<name>.cpython-313.pyc, unchecked-hash, and no
    other bytecode is there (none from another Python, none without its module)."""
    modules = sorted(tree.rglob("*.py"))
    expected = {path.parent / "__pycache__" / f"{path.stem}.cpython-313.pyc" for path in modules}
    found = set(tree.rglob("*.pyc"))
    assert sorted(expected - found) == [], "modules without bytecode"
    assert sorted(found - expected) == [], "bytecode without its module, or another Python's"
    for path in found:
        header = path.read_bytes()[:8]
        assert header[:4] == CPYTHON_313_MAGIC, path
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH, path


def bytecode_in(tree: Path) -> list[Path]:
    return sorted([*tree.rglob("*.pyc"), *tree.rglob("__pycache__")])
