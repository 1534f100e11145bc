"""What a run ran on, and what a process cost it: read from /proc, so nothing to install.

Absolute figures on a shared machine are noise; the description lets a reader judge the ratios.
"""

import os
import platform
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def describe(database_versions: dict[str, str]) -> dict:
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "kernel": platform.release(),
        "databases": database_versions,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its waited-for children so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # Fields 14-17 of stat (utime, stime, cutime, cstime), counted after the command name.
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def rss_megabytes(pid: int) -> float:
    resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return resident_pages * PAGE_SIZE / 1_000_000
