"""``cnnzoo exercises release``: what students get, and the grader's bundle for Gradescope.

``OUT/student/`` holds the stubs and/or the notebooks (``--notebooks``), the public test modules, the conftest that loads the
grader, the wheel of the cnnzoo that grades (:mod:`cnnzoo.grading.wheel`) and a README whose
install lines use it; no solution, no hidden question. ``OUT/autograder.zip`` holds
Gradescope's ``setup.sh`` and ``run_autograder`` (:mod:`cnnzoo.grading.gradescope`), the same
wheel, the questions (hidden ones included) and the course secret that draws each student's
cases (kept in ``OUT/.secret``, so a new release of the same course draws the same ones).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import zipfile
from pathlib import Path

from cnnzoo.files import write_atomic
from cnnzoo.grading import engine
from cnnzoo.grading.coursefolder import find_course
from cnnzoo.grading.stubs import build_stubs
from cnnzoo.grading.studentnb import build_notebooks

__all__ = ["release", "student_readme", "KINDS"]

KINDS = ("modules", "notebooks", "both")  # what students get for each exercise

_STUDENT_README = """# Exercises

## Install the checker (once)

In a terminal, in this folder (best inside a virtual environment: `python3 -m venv .venv`,
then `source .venv/bin/activate`, or `.venv\\Scripts\\activate` on Windows), run the first
line for the NumPy modules, or the second for every module ({keras_modules} need Keras):

```bash
pip install "./{wheel}"
pip install "./{wheel}[keras]"
```

The first installs the checker with NumPy and pytest; the second adds TensorFlow and Keras
(about 2 GB). The wheel is the very cnnzoo that grades your work.

## Check your answers

Open each module, replace every `raise NotImplementedError(...)` with your answer, then run,
in this folder:

```bash
pytest .
```

It prints your score, question by question, with hints (untouched modules score 0 at once).
{notebooks}
Your functions are called on fresh random inputs each run, in a separate process with a
time limit of a few seconds per call: return plain values (numbers, tuples, lists, NumPy
arrays, and in the Keras modules a keras.Model). NumPy is allowed everywhere; cnnzoo's own
answers are not.
"""


_NOTEBOOKS = """
## In a notebook (Jupyter, Colab)

Each exercise is also a notebook (`output_size.ipynb`, ...): a cell per function, then a
check cell, `check("output_size")`, which grades what the notebook defines exactly as
`pytest .` does and shows the table below it. Open the notebook from this folder (its
questions, `test_<module>.py`, are read from here). In Colab, upload this folder's files,
`%cd` to them, and run `%pip install {wheel}` in a cell first. Submit the notebook itself
(`<module>.ipynb`) or the modules: a notebook's code cells are graded as a module (lines
starting with `%` or `!` are removed, never run); with both, the one that answers more.
"""


def student_readme(wheel: str, keras_modules: list[str], notebooks: bool = False) -> str:
    """The student folder's README: the install lines for ``wheel``, then the check (and,
    with ``notebooks``, how to work in the notebooks)."""
    named = ", ".join(keras_modules) if keras_modules else "no module here"
    return _STUDENT_README.format(wheel=wheel, keras_modules=named,
                                  notebooks=_NOTEBOOKS.format(wheel=wheel) if notebooks else "")


def _course_secret(out: Path, secret: str | None) -> str:
    secret = secret or os.environ.get("CNNZOO_COURSE_SECRET")
    if secret is not None:
        if not isinstance(secret, str) or not secret.strip():
            raise ValueError(f"the course secret must be a non-empty string; got {secret!r}")
        return secret.strip()
    path = out / ".secret"
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(16)
    write_atomic(path, value + "\n")
    return value


def release(out: str | Path, *, course: str | Path | None = None, exercises: str | Path | None = None,
            solutions: str | Path | None = None, timeout: float = 5.0, submission_timeout: float = 600.0,
            secret: str | None = None, notebooks: str = "both") -> dict[str, Path]:
    """Write ``OUT/student/`` and ``OUT/autograder.zip`` for the course in ``course`` (default:
    the current folder); return their paths and the wheel's. ``notebooks`` says what students
    get for each exercise: ``"modules"`` (``<m>.py``), ``"notebooks"`` (``<m>.ipynb``) or
    ``"both"``."""
    from cnnzoo.grading import gradescope
    from cnnzoo.grading.wheel import student_wheel

    if notebooks not in KINDS:
        raise ValueError(f"notebooks must be one of {', '.join(KINDS)}; got {notebooks!r}")
    found = find_course(course, exercises=exercises, solutions=solutions)
    stale = build_stubs(found.solutions, found.exercises, check_only=True)
    if notebooks != "modules":
        stale += build_notebooks(found.solutions, found.exercises, check_only=True)
    if stale:
        raise ValueError(f"stubs or notebooks are out of date with {found.solutions}: {', '.join(stale)} "
                         "(run: cnnzoo exercises build)")
    suites = engine.load_suites(found.exercises)
    keras_modules = [s.module for s in suites if "keras" in s.allow]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    course_secret = _course_secret(out, secret)
    with tempfile.TemporaryDirectory(prefix=".release-", dir=out) as tmp:
        wheel = student_wheel(tmp)
        staged = Path(tmp, "student")
        for suite in suites:
            for kind in (".py",) * (notebooks != "notebooks") + (".ipynb",) * (notebooks != "modules"):
                _copy(found.exercises / f"{suite.module}{kind}", staged / f"{suite.module}{kind}")
            _copy(Path(suite.path), staged / Path(suite.path).name)
        _copy(found.exercises / "conftest.py", staged / "conftest.py")
        _copy(wheel, staged / wheel.name)
        (staged / "README.md").write_text(student_readme(wheel.name, keras_modules, notebooks != "modules"), encoding="utf-8")
        student = out / "student"
        if student.exists():
            shutil.rmtree(student)
        os.replace(staged, student)

        bundle = out / "autograder.zip"
        packing = Path(tmp, "autograder.zip")
        with zipfile.ZipFile(packing, "w", zipfile.ZIP_DEFLATED) as zf:
            _add(zf, "setup.sh", gradescope.setup_script(wheel.name, bool(keras_modules)), executable=True)
            _add(zf, "run_autograder", gradescope.run_script(timeout, submission_timeout), executable=True)
            _add(zf, gradescope.SECRET, course_secret + "\n")
            zf.write(wheel, wheel.name)
            for suite in suites:
                zf.write(suite.path, f"questions/{Path(suite.path).name}")
            for hidden in sorted(found.hidden.glob("test_*.py")) if found.hidden else []:
                zf.write(hidden, f"questions/hidden/{hidden.name}")
        os.replace(packing, bundle)
    return {"student": student, "autograder": bundle, "wheel": student / wheel.name}


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _add(zf: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o755 if executable else 0o600) << 16  # scripts executable, as Gradescope expects
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)
