"""What the grader and a student's process agree on, and how a call can end: the limits
the grader holds the child to, a call's :class:`Reply`, and the grader's own failures
(:class:`GraderError`), which are never a student's score.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnzoo.grading.roots import HELD_BACK_MODULES, HELD_BACK_PREFIXES, library_names, read_roots

__all__ = ["Reply", "GraderError", "Unconfined", "confined", "child_setup", "DISK_BUDGET", "DISK_WATCH",
           "PRELOAD_TIMEOUT", "MAX_ANSWER", "ADDRESS_SPACE", "RESIDENT"]

PRELOAD_TIMEOUT = 180.0  # seconds to start Python and import the allowed libraries
MAX_ANSWER = 16 << 20  # bytes of one encoded answer
ADDRESS_SPACE = {"numpy": 2 << 30, "keras": 16 << 30}  # RLIMIT_AS: TensorFlow maps a lot of address space
RESIDENT = {"numpy": 2 << 30, "keras": 6 << 30}  # the memory cgroup's limit, the work folder's tmpfs besides
DISK_BUDGET = 256 << 20  # bytes a student's process may keep in its work folder
THREADS = 512  # threads (and processes) of one student's process: its pids cgroup, or the grader's watch
DISK_WATCH = 0.25  # seconds between two looks at a work folder the child could not mount


class GraderError(RuntimeError):
    """The grader could not set up or watch a student's process (a full disk, a missing
    interpreter): not the student's doing, so never recorded as their score."""


class Unconfined(GraderError):
    """The kernel confinement a class grading requires did not hold in a student's process."""


def confined(sandbox: str) -> bool:
    """Whether a child's report of its sandbox says Landlock and seccomp both hold.

    >>> confined("no capabilities, Landlock ABI 6, seccomp"), confined("Landlock ABI 6, no seccomp (x)")
    (True, False)
    """
    parts = [p.strip() for p in sandbox.split(",")]
    return any(p.startswith("Landlock ABI") for p in parts) and "seccomp" in parts


@dataclass(frozen=True)
class Reply:
    """One call's outcome: ``status`` is value, error, timeout or crash."""

    status: str
    value: Any = None
    message: str = ""
    output: str = ""


def child_setup(module: str, allow: tuple[str, ...], siblings: list[str], blocked: tuple[str, ...],
                work: str) -> tuple[dict[str, Any], int]:
    """The first message a student's process reads (what it may read, import and write, its
    limits), and the memory its cgroup may hold."""
    libraries = [lib for lib in allow if lib in ADDRESS_SPACE] or ["numpy"]
    hidden = [os.path.realpath(p) for p in sys.path if p and Path(p, "cnnzoo", "__init__.py").is_file()
              and not Path(p, "numpy").is_dir()]
    roots = read_roots(hidden, list(blocked), allow)
    # the hook refuses the blocked folders by name, except one that holds the interpreter or its
    # libraries (a grader writing to /tmp with its venv in /tmp); Landlock carves those precisely
    hook_blocked = [b for b in blocked if not any(path.startswith(b.rstrip(os.sep) + os.sep)
                                                  for path, how in roots if how == "read")]
    setup = {"module": module, "preload": list(allow), "blocked_roots": hook_blocked,
             "blocked_modules": list(HELD_BACK_MODULES), "blocked_prefixes": list(HELD_BACK_PREFIXES),
             "allow": list(allow), "own_modules": [module, *siblings], "libraries": sorted(library_names(allow)),
             "hidden_paths": hidden, "read_roots": roots, "work": work, "disk": DISK_BUDGET,
             "rlimits": {"RLIMIT_AS": max(ADDRESS_SPACE[lib] for lib in libraries), "RLIMIT_FSIZE": 64 << 20,
                         "RLIMIT_CORE": 0, "RLIMIT_NOFILE": 1024}}  # descriptors: pipes hold kernel memory
    return setup, max(RESIDENT[lib] for lib in libraries) + DISK_BUDGET
