"""A measured child process's own peak memory.

getrusage's ru_maxrss will not do for a child: Linux keeps it across execve, so a child
started by a large parent (the benches' parent holds moto, the emulator and its sessions)
reports the parent's peak whenever that is the larger. VmHWM is the peak of this process's
own address space, which execve starts afresh.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_rss_kib() -> int:
    """This process's peak RSS in KiB: VmHWM where /proc has it (Linux, Lambda), else
    ru_maxrss (KiB, but bytes on macOS)."""
    if STATUS.exists():
        for line in STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak
