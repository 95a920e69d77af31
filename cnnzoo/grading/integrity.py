"""What a class grading checks of itself before and while it runs student code.

- :func:`require_confinement`: a class is graded only where the kernel confines student
  code (Landlock and seccomp); elsewhere the grader refuses with one line that says what
  is missing and how to get it, unless the instructor accepts the risk explicitly.
- :class:`Manifest`: the grader's own files (the cnnzoo package, the course's tests),
  hashed before the first student process starts and compared before any report is
  written: a change stops the run, whatever made it.
- :func:`preload`: every grader module a grading needs, imported before student code
  runs, so nothing the grader imports later can have been planted.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
from pathlib import Path

__all__ = ["Manifest", "GraderTampered", "require_confinement", "preload", "UNCONFINED_NOTE"]

UNCONFINED_NOTE = "graded WITHOUT kernel confinement (--allow-unconfined): student code could change this grade"

_HOW = ("Landlock needs Linux 5.13 or newer with Landlock among the kernel's security modules; "
        "in Docker, version 23 or newer (older default seccomp profiles refuse it); "
        "the seccomp filter needs Linux on x86_64. macOS and Windows cannot confine student code: "
        "grade on such a Linux machine, or pass --allow-unconfined to accept the risk")


class GraderTampered(RuntimeError):
    """The grader's own files changed while it graded."""


class Manifest:
    """SHA-256 of every file under ``roots`` (bytecode caches left out), taken now.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.py").write_text("x = 1")
    >>> m = Manifest([folder]); m.verify()
    >>> _ = (folder / "a.py").write_text("x = 2")
    >>> m.verify()
    Traceback (most recent call last):
    ...
    cnnzoo.grading.integrity.GraderTampered: the grader's files changed during the run (a.py changed): no report was written after it; grade again from a clean install
    """

    def __init__(self, roots: list[str | os.PathLike[str]]) -> None:
        self.roots = [Path(r).resolve() for r in roots if Path(r).exists()]
        self.expected = self._take()

    def _take(self) -> dict[str, str]:
        out = {}
        for root in self.roots:
            files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if "__pycache__" not in p.parts)
            for path in files:
                if path.is_file() or path.is_symlink():
                    try:
                        digest = hashlib.sha256(path.read_bytes()).hexdigest()
                    except OSError as err:
                        digest = f"unreadable: {err.strerror}"
                    out[str(path)] = ("link:" + os.readlink(path)) if path.is_symlink() else digest
        return out

    def verify(self) -> None:
        """Raise :class:`GraderTampered` naming what changed since the manifest was taken."""
        now = self._take()
        if now != self.expected:
            changed = sorted(set(now) ^ set(self.expected) | {p for p in now if now[p] != self.expected.get(p)})
            names = ", ".join(self._short(p) for p in changed[:5])
            raise GraderTampered(f"the grader's files changed during the run ({names} changed): "
                                 "no report was written after it; grade again from a clean install")

    def _short(self, path: str) -> str:
        for root in self.roots:
            if path.startswith(str(root)):
                return os.path.relpath(path, root) if path != str(root) else root.name
        return path


def preload(keras: bool) -> None:
    """Import every module of :mod:`cnnzoo.grading` (and, for Keras exercises, Keras and
    the model rebuilder) now, before any student process starts."""
    import cnnzoo.grading as grading

    names = [m.name for m in pkgutil.iter_modules(grading.__path__, "cnnzoo.grading.")]
    for name in names + ["tqdm.auto", "cnnzoo.arithmetic", "cnnzoo.count", "cnnzoo.summary", "cnnzoo.ops"]:
        importlib.import_module(name)
    if keras:
        importlib.import_module("keras")


def require_confinement(allow_unconfined: bool) -> str:
    """What confines a student's process here. Raises ``RuntimeError`` with what is missing
    and how to get it, unless ``allow_unconfined``; then it returns
    :data:`UNCONFINED_NOTE`, which every report of the run carries."""
    from cnnzoo.grading.runner import StudentProcess, confined

    with StudentProcess("cnnzoo_probe", "def ok():\n    return 1\n", allow=("numpy",), timeout=60) as child:
        reply = child.call("ok")
        sandbox = child.sandbox
    if reply.status == "value" and confined(sandbox):
        return sandbox
    if allow_unconfined:
        return UNCONFINED_NOTE
    held = sandbox or reply.message or "no report from the student process"
    raise RuntimeError(f"refusing to grade: student code cannot be confined on this machine ({held}). {_HOW}")
