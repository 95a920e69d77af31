"""Limits the grader enforces from outside a student's process, and cleanup that cannot fail.

- :class:`MemoryCgroup`: the child in a memory cgroup of its own, where the grader may
  make one (cgroup v2 with the memory controller delegated, or v1's memory hierarchy):
  everything it holds is counted, page cache, tmpfs and kernel memory included, and the
  kernel kills the child, never the grader, past the limit.
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

__all__ = ["MemoryCgroup", "disk_usage", "remove_tree", "DiskBudgetExceeded", "cpu_seconds", "DiskWatch"]

_COUNTER = itertools.count()


class DiskBudgetExceeded(Exception):
    """The child's work folder grew past its budget (or past the entries the watch will count)."""


class MemoryCgroup:
    """A memory cgroup for one child; ``path`` is ``None`` where none can be made here.

    >>> group = MemoryCgroup(1 << 30)
    >>> group.path is None or group.path.is_dir()
    True
    >>> group.close()
    """

    def __init__(self, limit: int) -> None:
        self.path: Path | None = None
        for parent, files in self._parents():
            path = parent / f"cnnzoo-{os.getpid()}-{next(_COUNTER)}"
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                for name in files:
                    (path / name).write_text(str(limit))
                self.path = path
                return
            except OSError:
                path.rmdir()

    @staticmethod
    def _parents() -> list[tuple[Path, tuple[str, ...]]]:
        """Where this process may make a memory cgroup: beside itself (v2, memory delegated to
        its children) or under its own group in v1's memory hierarchy."""
        out = []
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return out
        for line in lines:
            _, controllers, where = line.split(":", 2)
            if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").is_file():
                parent = Path("/sys/fs/cgroup") / where.lstrip("/")
                try:
                    if "memory" in (parent / "cgroup.subtree_control").read_text().split():
                        out.append((parent, ("memory.max", "memory.swap.max")))
                except OSError:
                    pass
            elif "memory" in controllers.split(","):
                parent = Path("/sys/fs/cgroup/memory") / where.lstrip("/")
                out.append((parent, ("memory.limit_in_bytes",)))
        return out

    def add(self, pid: int) -> bool:
        """Move process ``pid`` into the group; whether it is there."""
        if self.path is None:
            return False
        try:
            (self.path / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def close(self) -> None:
        """Remove the group (its processes must have ended)."""
        if self.path is not None:
            try:
                self.path.rmdir()
            except OSError:
                pass
            self.path = None


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
