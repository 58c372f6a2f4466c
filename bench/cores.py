"""Where the inbound benchmark's processes run: the bot's processes on cores of their own, the load generator
and PostgreSQL on the others (taskset, from util-linux), so that a second bot process has a core to add; or, on
a machine without the cores for that, a note saying why its figures cannot show what a second process adds."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOT_CORES = 2  # kept for the bot whether it runs one process or two, so that both runs see the same rest
OTHERS = 2  # at least one core for the load generator and one for PostgreSQL


def cpu_list(cores: set[int] | tuple[int, ...]) -> str:
    return ",".join(str(c) for c in sorted(cores))


@dataclass(frozen=True)
class Placement:
    """The bot's cores and the generator's and PostgreSQL's (None: nothing is pinned), and what that means."""

    cores: int
    bots: tuple[int, ...] | None
    rest: tuple[int, ...] | None
    note: str

    def fields(self) -> dict:
        """What a result line says of it."""
        return {"cores": self.cores, "bot_cores": list(self.bots or ()), "generator_db_cores": list(self.rest or ()),
                "note": self.note}

    def bot_command(self, command: list[str]) -> list[str]:
        """`command` started on the bot's cores."""
        return ["taskset", "-c", cpu_list(self.bots), *command] if self.bots else command

    @contextlib.contextmanager
    def others(self, pids: list[int]) -> Iterator[None]:
        """The processes `pids` (every thread of each) on the other cores for the block, then back on their own."""
        if not self.rest:
            yield
            return
        before = {}
        for pid in pids:
            with contextlib.suppress(OSError):  # gone already, or not ours to read
                before[pid] = os.sched_getaffinity(pid)
        for pid in before:
            _taskset(pid, self.rest)
        try:
            yield
        finally:
            for pid, cores in before.items():
                _taskset(pid, cores)


def _taskset(pid: int, cores: set[int] | tuple[int, ...]) -> None:
    subprocess.run(["taskset", "-a", "-p", "-c", cpu_list(cores), str(pid)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def plan(processes: int) -> Placement:
    """The placement for a target of `processes` bot processes on the cores this benchmark may use."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < BOT_CORES + OTHERS:
        return Placement(len(cores), None, None, (
            f"{len(cores)} cores: the bot's processes, the load generator and PostgreSQL share them, so these figures"
            f" cannot show what a second bot process adds; that needs {BOT_CORES + OTHERS} or more cores"
            f" ({BOT_CORES} for the bot, the rest for the generator and PostgreSQL)"))
    if shutil.which("taskset") is None:
        return Placement(len(cores), None, None, "taskset (util-linux) is not installed: nothing pinned")
    bots, rest = tuple(cores[:processes]), tuple(cores[BOT_CORES:])
    return Placement(len(cores), bots, rest,
                     f"bot on cores {cpu_list(bots)}; load generator and PostgreSQL on cores {cpu_list(rest)}")


def postgres_pids(backend_pid: int) -> list[int]:
    """PostgreSQL's processes on this machine, found from one of its backends: the postmaster (whose later
    backends inherit its cores) and its children; none when PostgreSQL runs elsewhere."""
    try:
        if Path(f"/proc/{backend_pid}/comm").read_text().strip() != "postgres":
            return []  # another machine's (or container's) process id
        postmaster = int(Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return []
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(stat.parent.name))
    return [postmaster, *children]
