"""CPU time from /proc (Linux), for `make bench`: a server's, with every process it started,
and the database server's, so that a design's cost per request counts the database too."""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(command, parent pid, user + system seconds) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return command, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _all() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)) is not None:
            found[int(entry)] = stat
    return found


def tree_seconds(root: int) -> float:
    """CPU seconds used so far by ``root`` and its descendants (gunicorn and its workers)."""
    processes = _all()
    family, total, grown = {root}, 0.0, True
    while grown:
        grown = False
        for pid, (_command, parent, _seconds) in processes.items():
            if parent in family and pid not in family:
                family.add(pid)
                grown = True
    for pid in family:
        if pid in processes:
            total += processes[pid][2]
    return total


def named_seconds(command: str) -> float:
    """CPU seconds used so far by every process called ``command`` (the database server's)."""
    return sum(seconds for name, _parent, seconds in _all().values() if name == command)
