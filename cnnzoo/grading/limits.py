"""Limits the grader enforces from outside a student's process, and cleanup that cannot fail.

- :class:`ChildCgroups`: the child in memory and pids cgroups of its own, where the grader
  may make them (cgroup v2 with the controllers delegated, or v1's hierarchies): everything
  it holds is counted, page cache, tmpfs and kernel memory included, the kernel kills the
  child, never the grader, past the memory limit, and it cannot start more threads than
  its pids limit (a thread bomb would leave the machine unable to start processes).
- :func:`disk_usage`: what a child's work folder holds, open-but-deleted files included,
  read from outside for the grader's watch where the child could not mount its own tmpfs.
- :func:`remove_tree`: removes a folder however deep or hostile, without recursion.
"""

from __future__ import annotations

import itertools
import os
import stat
import time
from pathlib import Path

__all__ = ["ChildCgroups", "disk_usage", "remove_tree", "DiskBudgetExceeded", "cpu_seconds", "DiskWatch", "threads"]

_COUNTER = itertools.count()


class DiskBudgetExceeded(Exception):
    """The child's work folder grew past its budget (or past the entries the watch will count)."""


class ChildCgroups:
    """Cgroups for one child where the grader may make them: ``limits`` maps a controller
    (``memory``: bytes, ``pids``: processes and threads, ``cpu``: an equal share) to its limit; ``held`` names those
    made. In cgroup v2 one group beside the grader carries every delegated controller; in
    v1 each controller's hierarchy gets a group under the grader's own.

    >>> groups = ChildCgroups({"memory": 1 << 30, "pids": 256, "cpu": 1})
    >>> set(groups.held) <= {"memory", "pids", "cpu"} and all(p.is_dir() for p in groups.paths)
    True
    >>> groups.close(); groups.paths
    []
    """

    _FILES = {2: {"memory": ("memory.max", "memory.swap.max"), "pids": ("pids.max",), "cpu": ("cpu.weight",)},
              1: {"memory": ("memory.limit_in_bytes",), "pids": ("pids.max",), "cpu": ("cpu.shares",)}}
    _EQUAL = {2: 100, 1: 1024}  # "cpu": the default weight, so each child gets an equal share, threads or not

    def __init__(self, limits: dict[str, int]) -> None:
        self.paths: list[Path] = []
        self.held: list[str] = []
        for parent, version, controllers in self.parents():
            wanted = [c for c in controllers if c in limits and c not in self.held]
            if not wanted:
                continue
            path = parent / f"cnnzoo-{os.getpid()}-{next(_COUNTER)}"
            try:
                path.mkdir()
                for controller in wanted:
                    for name in self._FILES[version][controller]:
                        value = self._EQUAL[version] if controller == "cpu" else limits[controller]
                        (path / name).write_text(str(value))
            except OSError:
                try:
                    path.rmdir()
                except OSError:
                    pass
                continue
            self.paths.append(path)
            self.held += wanted

    @staticmethod
    def parents() -> list[tuple[Path, int, list[str]]]:
        """Where this process may make cgroups: (parent folder, cgroup version, controllers)."""
        out: list[tuple[Path, int, list[str]]] = []
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return out
        for line in lines:
            _, controllers, where = line.split(":", 2)
            if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").is_file():
                parent = Path("/sys/fs/cgroup") / where.lstrip("/")
                try:
                    delegated = (parent / "cgroup.subtree_control").read_text().split()
                except OSError:
                    continue
                out.append((parent, 2, [c for c in ("memory", "pids", "cpu") if c in delegated]))
            else:
                for controller in ("memory", "pids", "cpu"):
                    if controller in controllers.split(",") and Path("/sys/fs/cgroup", controller).is_dir():
                        out.append((Path("/sys/fs/cgroup", controller) / where.lstrip("/"), 1, [controller]))
        return out

    def add(self, pid: int) -> list[str]:
        """Move process ``pid`` into every group; the controllers that now hold it."""
        held = []
        for path in self.paths:
            try:
                (path / "cgroup.procs").write_text(str(pid))
                held += [c for c in self.held if self._owns(path, c)]
            except OSError:
                continue
        return held

    def _owns(self, path: Path, controller: str) -> bool:
        return any((path / name).exists() for version in (1, 2) for name in self._FILES[version][controller])

    def close(self) -> None:
        """Remove the groups (their processes must have ended)."""
        for path in self.paths:
            try:
                path.rmdir()
            except OSError:
                pass
        self.paths, self.held = [], []


def threads(pid: int) -> int:
    """Threads of process ``pid`` (0 where /proc does not say)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cpu_seconds(pid: int | None) -> float:
    """The CPU time process ``pid`` used so far (all its threads), from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return 0.0


def disk_usage(pid: int | None, work: str, max_entries: int = 20_000) -> int:
    """Bytes held by ``work`` (every file, walked without recursion) and by files process
    ``pid`` holds open after deleting them. :class:`DiskBudgetExceeded` past ``max_entries``
    files and folders, or where a path grows too long to read."""
    total, count, stack = 0, 0, [work]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    count += 1
                    if count > max_entries:
                        raise DiskBudgetExceeded(f"more than {max_entries} files and folders")
                    info = entry.stat(follow_symlinks=False)
                    total += max(info.st_size, info.st_blocks * 512)
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(entry.path)
        except FileNotFoundError:
            continue
        except OSError as err:
            raise DiskBudgetExceeded(f"folders the grader cannot read ({err.strerror})") from None
    if pid is not None:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            fds = []
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").endswith(" (deleted)"):
                    info = os.stat(f"/proc/{pid}/fd/{fd}")
                    total += max(info.st_size, info.st_blocks * 512) if stat.S_ISREG(info.st_mode) else 0
            except OSError:
                continue
    return total


class DiskWatch:
    """The grader's look at a work folder every ``every`` seconds, where the child could not
    mount its own tmpfs: :meth:`over` says why it is past ``budget`` bytes, or ``""``."""

    def __init__(self, work: str, budget: int, every: float) -> None:
        self.work, self.budget, self.every, self.last = work, budget, every, 0.0

    def over(self, pid: int) -> str:
        now = time.monotonic()
        if now - self.last < self.every:
            return ""
        self.last = now
        try:
            used = disk_usage(pid, self.work)
        except DiskBudgetExceeded as err:
            return f"your code filled its folder with {err}"
        return f"your code wrote more than {self.budget >> 20} MiB in its folder" if used > self.budget else ""


def remove_tree(root: str | os.PathLike[str]) -> None:
    """Remove ``root`` and everything in it, however deep: every folder found is first moved
    up to sit directly in ``root`` (a rename costs nothing and keeps every path short), so
    nothing recurses and no path outgrows the system's limit. Links are removed, never
    followed. Errors are ignored; what could not be removed stays.

    >>> import tempfile
    >>> top = tempfile.mkdtemp()
    >>> deep = os.path.join(top, *["d"] * 50)
    >>> os.makedirs(deep)
    >>> _ = open(os.path.join(deep, "f"), "w").write("x")
    >>> remove_tree(top); os.path.exists(top)
    False
    """
    root = os.fspath(root)
    if not os.path.lexists(root):
        return
    if not os.path.isdir(root) or os.path.islink(root):
        _unlink(root)
        return
    _own(root)
    pending, failed = [root], set()
    while pending:
        folder = pending[-1]
        found = []
        try:
            with os.scandir(folder) as entries:
                for entry in list(entries):
                    if not entry.is_dir(follow_symlinks=False):
                        _unlink(entry.path)
                    elif entry.path not in failed:
                        found.append(entry.path)
        except OSError:
            pass
        for path in found:
            _own(path)
            if folder == root:
                pending.append(path)
                continue
            target = os.path.join(root, f".rm{next(_COUNTER)}")  # lift it into root
            try:
                os.rename(path, target)
                pending.append(target)
            except OSError:
                failed.add(path)
        if len(pending) > 1 and pending[-1] != folder:
            continue
        pending.pop()
        try:
            os.rmdir(folder)
        except OSError:
            failed.add(folder)


def _own(path: str) -> None:
    """Make a folder the grader owns writable and searchable again (a student may have locked it)."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode) and (mode & 0o700) != 0o700:
            os.chmod(path, mode | 0o700)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
