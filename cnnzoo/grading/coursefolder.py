"""Where a course lives: an instructor's folder holding ``exercises/`` (stubs and graded test
modules) and ``solutions/`` (answers, ``hidden/`` questions), started from the stock course
by ``cnnzoo exercises init COURSE``.

The stock course ships inside the wheel as ``cnnzoo/course_template/`` (``setup.py`` copies
the repository's ``exercises/`` and ``solutions/`` at build time); from a checkout it is
those folders themselves. A student's wheel (:mod:`cnnzoo.grading.wheel`) carries none.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Course", "find_course", "init_course", "stock_course"]

FOLDERS = ("exercises", "solutions")
_PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATE = _PACKAGE / "course_template"


@dataclass(frozen=True)
class Course:
    """A course's folders; ``hidden`` is ``solutions/hidden`` when it exists."""

    exercises: Path
    solutions: Path

    @property
    def hidden(self) -> Path | None:
        folder = self.solutions / "hidden"
        return folder if folder.is_dir() else None


def _path(value: object, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {type(value).__name__}")
    return Path(value)


def stock_course() -> Path:
    """The folder holding the stock ``exercises/`` and ``solutions/``."""
    checkout = _PACKAGE.parent
    for root in (TEMPLATE, checkout):
        if all((root / f).is_dir() for f in FOLDERS) and (root is TEMPLATE or (root / "setup.cfg").is_file()):
            return root
    raise ValueError(f"this cnnzoo holds no stock course (looked in {TEMPLATE} and {checkout}); a student's "
                     "wheel carries none: install cnnzoo itself to start a course")


def init_course(dest: str | os.PathLike[str]) -> Course:
    """Copy the stock course into ``dest`` (created if needed); refuse to overwrite a course."""
    dest = _path(dest, "COURSE")
    there = [f"{f}/" for f in FOLDERS if (dest / f).exists()]
    if there:
        raise ValueError(f"{dest} already holds {' and '.join(there)}: init starts a course in a folder "
                         "without them (edit that course, or choose another folder)")
    source = stock_course()
    dest.mkdir(parents=True, exist_ok=True)
    for folder in FOLDERS:
        tmp = dest / f".{folder}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(source / folder, tmp, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", ".*"))
        os.replace(tmp, dest / folder)
    return Course(dest / "exercises", dest / "solutions")


def find_course(course: str | os.PathLike[str] | None = None, *, exercises: str | os.PathLike[str] | None = None,
                solutions: str | os.PathLike[str] | None = None) -> Course:
    """The course in ``course`` (default: the current folder); ``exercises``/``solutions``
    name other folders. A folder that is missing is an error that says where it looked."""
    base = _path(course, "course") if course is not None else Path.cwd()
    found = Course(_path(exercises, "exercises") if exercises is not None else base / "exercises",
                   _path(solutions, "solutions") if solutions is not None else base / "solutions")
    missing = [str(p.resolve()) for p in (found.exercises, found.solutions) if not p.is_dir()]
    if missing:
        where = "the current folder" if course is None else str(base)
        raise ValueError(f"no course in {where}: {' and '.join(missing)} not found (a course holds exercises/ "
                         "and solutions/; pass --course COURSE, or start one with: cnnzoo exercises init COURSE)")
    return found
