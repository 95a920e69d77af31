"""Gradescope's side of a release: the bundle's scripts, and what ``autograde`` needs to read
an upload and to draw each student's cases.

Gradescope unzips the bundle into ``/autograder/source`` and runs ``setup.sh`` once (here:
a virtual environment in ``/autograder/venv``, since Python images marked externally managed
refuse ``pip`` outside one, and the bundle's cnnzoo wheel installed in it), then
``run_autograder`` per submission, which grades ``/autograder/submission`` into
``/autograder/results/results.json``. Both scripts take the root from ``$AUTOGRADER_ROOT``
(default ``/autograder``), so the protocol can be run anywhere.

A student's cases come from the course secret kept in the bundle, their Gradescope id and
their files (:func:`cnnzoo.grading.course.student_seed`): a regrade draws the same cases.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cnnzoo.grading.report import plain
from cnnzoo.grading.submissions import list_files, read_submission

__all__ = ["setup_script", "run_script", "read_upload", "student_id", "read_secret"]

SECRET = "course_secret"

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image. cnnzoo goes into its own
# virtual environment: Python images marked externally managed (PEP 668) refuse pip outside one.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
if ! python3 -c "import ensurepip, venv" 2>/dev/null; then  # Debian and Ubuntu ship venv apart
    apt-get update -qq && apt-get install -y -qq python3-venv
fi
python3 -m venv ${{CNNZOO_VENV_OPTIONS:-}} "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT/source/{wheel}{extras}"
"$ROOT/venv/bin/cnnzoo" exercises autograde --help >/dev/null  # a broken install fails here, not at a student
"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; the grade goes to results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
mkdir -p "$ROOT/results"
"$ROOT/venv/bin/cnnzoo" exercises autograde "$ROOT/submission" --questions "$ROOT/source/questions" \\
    --results "$ROOT/results/results.json" --secret-file "$ROOT/source/{secret}" \\
    --metadata "$ROOT/submission_metadata.json" --timeout {timeout:g} --submission-timeout {total:g}
"""


def setup_script(wheel: str, keras: bool) -> str:
    """``setup.sh``: installs ``wheel`` (with the ``keras`` extra when a module needs Keras)."""
    return _SETUP.format(wheel=wheel, extras="[keras]" if keras else "")


def run_script(timeout: float, submission_timeout: float) -> str:
    return _RUN.format(secret=SECRET, timeout=timeout, total=submission_timeout)


def read_secret(path: str | os.PathLike[str]) -> str:
    """The course secret kept in the bundle; an empty or missing file is an error."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ValueError(f"cannot read the course secret at {path}: {err.strerror}") from None
    if not text:
        raise ValueError(f"the course secret file {path} is empty")
    return text


def student_id(metadata: str | os.PathLike[str] | None) -> str:
    """Who submitted, from Gradescope's ``submission_metadata.json`` (every user of a group
    submission, sorted); ``""`` when there is no such file."""
    if metadata is None:
        return ""
    try:
        users = json.loads(Path(metadata).read_text(encoding="utf-8")).get("users") or []
        return ",".join(sorted(str(u.get("id") or u.get("email") or "") for u in users if isinstance(u, dict)))
    except (OSError, ValueError, AttributeError):
        return ""


def read_upload(submission: str | os.PathLike[str], modules: list[str],
                deadline: float | None = None) -> tuple[dict[str, str], list[str]]:
    """The exercise modules in an upload, and notes for the student that explain what is
    missing: a ``.zip`` left packed (its modules are read from it, never extracted), a
    notebook graded in place of a module (:mod:`cnnzoo.grading.notebooks`) and what was removed
    from it, a notebook whose name is no exercise's, a module not found, a folder with none of them. Reading is
    bounded as :func:`~cnnzoo.grading.submissions.read_submission` bounds it, ``deadline`` included."""
    folder, notes = Path(submission), []
    try:
        sources = read_submission(folder, modules, deadline=deadline, notes=notes)
    except Exception as err:  # noqa: BLE001  (whatever an upload holds, it is the student's to fix)
        return {}, [plain(f"your upload could not be read: {err}", 1000)]
    files = list_files(folder) if folder.is_dir() else []
    for packed in (p for p in files if p.suffix.lower() == ".zip"):
        if all(m in sources for m in modules):
            break
        try:
            inside = read_submission(packed, modules, deadline=deadline, notes=notes)
        except Exception as err:  # noqa: BLE001
            notes.append(f"your upload holds {plain(packed.name, 80)}, which could not be read: {err}")
            continue
        new = {m: text for m, text in inside.items() if m not in sources}
        sources.update(new)
        if new:
            notes.append(f"{plain(packed.name, 80)} was not unpacked: read {', '.join(f'{m}.py' for m in sorted(new))} "
                         "from inside it (next time, upload the .py files themselves)")
    books = sorted(plain(p.name, 60) for p in files if p.suffix.lower() == ".ipynb" and p.stem not in modules)
    if books and not all(m in sources for m in modules):
        notes.append(f"notebooks are graded by their name ({', '.join(f'{m}.ipynb' for m in modules[:3])}, ...); "
                     f"not graded: {', '.join(books[:5])}: rename a notebook after the exercise it answers")
    missing = [m for m in modules if m not in sources]
    if not sources:
        held = ", ".join(plain(p.name, 60) for p in files[:10]) or "nothing"
        notes.append(f"no exercise module found (your upload holds: {held}{', ...' if len(files) > 10 else ''}): "
                     f"upload the modules or notebooks named as in the student folder ({', '.join(f'{m}.py' for m in modules)}, "
                     "or .ipynb)")
    elif missing:
        notes.append(f"not in your upload, so 0 points each: {', '.join(f'{m}.py' for m in missing)} "
                     "(or the notebook of the same name)")
    return sources, [plain(note, 1000) for note in notes]
