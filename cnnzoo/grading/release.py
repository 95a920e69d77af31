"""``cnnzoo exercises release``: what students get, and the grader's bundle for Gradescope.

``OUT/student/`` holds the stubs, the public test modules, the conftest that loads the
grader, and a README; no solution, no hidden question. ``OUT/autograder.zip`` holds
Gradescope's ``setup.sh`` and ``run_autograder``, the questions (hidden ones included) and
cnnzoo's source to install; it grades ``/autograder/submission`` with the same engine.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from cnnzoo.grading import engine
from cnnzoo.grading.stubs import build_stubs

__all__ = ["release"]

_PACKAGE = Path(__file__).resolve().parents[1]

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
cd /autograder/source
python3 -m pip install --quiet ./cnnzoo-src
"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; the grade goes to results/results.json.
set -uo pipefail
mkdir -p /autograder/results
cnnzoo exercises autograde /autograder/submission --questions /autograder/source/questions \\
    --results /autograder/results/results.json --timeout {timeout:g} --submission-timeout {total:g}
"""

_STUDENT_README = """# Exercises

Open each module, replace every `raise NotImplementedError(...)` with your answer, then run

    pytest .

from this folder to see your score, question by question, with hints. Your functions are
called on fresh random inputs each run, in a separate process with a time limit of a few
seconds per call: return plain values (numbers, tuples, lists, NumPy arrays, and in
keras_lenet a keras.Model). NumPy is allowed everywhere; cnnzoo's own answers are not.
"""


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def release(out: str | Path, *, exercises: str | Path = "exercises", solutions: str | Path = "solutions",
            timeout: float = 5.0, submission_timeout: float = 600.0) -> dict[str, Path]:
    """Write ``OUT/student/`` and ``OUT/autograder.zip``; return their paths."""
    exercises, solutions, out = Path(exercises), Path(solutions), Path(out)
    stale = build_stubs(solutions, exercises, check_only=True)
    if stale:
        raise ValueError(f"stubs are out of date with {solutions}: {', '.join(stale)} "
                         "(run: cnnzoo exercises build)")
    suites = engine.load_suites(exercises)
    student = out / "student"
    if student.exists():
        shutil.rmtree(student)
    for suite in suites:
        _copy(exercises / f"{suite.module}.py", student / f"{suite.module}.py")
        _copy(Path(suite.path), student / Path(suite.path).name)
    _copy(exercises / "conftest.py", student / "conftest.py")
    (student / "README.md").write_text(_STUDENT_README, encoding="utf-8")

    bundle = out / "autograder.zip"
    tmp = bundle.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        _add(zf, "setup.sh", _SETUP)
        _add(zf, "run_autograder", _RUN.format(timeout=timeout, total=submission_timeout))
        for suite in suites:
            zf.write(suite.path, f"questions/{Path(suite.path).name}")
        for hidden in sorted((solutions / "hidden").glob("test_*.py")):
            zf.write(hidden, f"questions/hidden/{hidden.name}")
        root = _PACKAGE.parent
        for name in ("setup.cfg", "pyproject.toml", "README.md"):
            if (root / name).is_file():
                zf.write(root / name, f"cnnzoo-src/{name}")
        for path in sorted(_PACKAGE.rglob("*.py")):
            zf.write(path, f"cnnzoo-src/cnnzoo/{path.relative_to(_PACKAGE)}")
    os.replace(tmp, bundle)
    return {"student": student, "autograder": bundle}


def _add(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16  # executable, as Gradescope expects
    zf.writestr(info, text)
