"""The course workflow: grade a class, grade one Gradescope submission (and, from
:mod:`cnnzoo.grading.release`, :func:`release` the exercises).

- :func:`grade_class` grades a folder of submissions (one folder or ``.zip`` per student)
  in parallel into ``grades.csv`` and ``students/<id>/results.json`` + ``feedback.txt``.
  Only files named like an exercise module are read from a submission; nothing else in it
  is imported, extracted or executed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnzoo.grading import engine, report
from cnnzoo.grading.release import release

__all__ = ["release", "grade_class", "autograde", "read_submission", "student_seed"]

_MAX_SOURCE = 1 << 20  # a module larger than 1 MiB is not read
_PACKAGE = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------ reading submissions

def read_submission(path: str | Path, modules: list[str]) -> dict[str, str]:
    """The exercise modules found by file name anywhere in a folder or ``.zip``.

    Nothing is extracted or imported; a file over 1 MiB, a link, or any other file is
    ignored. A broken zip raises ``ValueError``.
    """
    path, wanted = Path(path), {f"{m}.py": m for m in modules}
    found: dict[str, tuple[int, str]] = {}

    def offer(name: str, depth: int, read: Any, size: int) -> None:
        module = wanted.get(name)
        if module and size <= _MAX_SOURCE and (module not in found or depth < found[module][0]):
            found[module] = (depth, read().decode("utf-8", "replace"))

    if path.is_file():
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
                    if info.is_dir() or not parts or "__MACOSX" in parts:
                        continue
                    offer(parts[-1], len(parts), lambda info=info: zf.read(info), info.file_size)
        except Exception as err:  # noqa: BLE001  (encrypted, corrupt, unknown compression: a broken zip)
            raise ValueError(f"not a readable zip file ({type(err).__name__}: {err}): {path.name!r}") from None
    elif path.is_dir():
        for folder, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("__MACOSX"))
            depth = len(Path(folder).relative_to(path).parts)
            for name in files:
                file = Path(folder, name)
                if not file.is_symlink() and file.is_file():
                    offer(name, depth, file.read_bytes, file.stat().st_size)
    else:
        raise ValueError(f"{path} is neither a folder nor a .zip file")
    return {module: text for module, (_, text) in found.items()}


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: no formula (``= + - @``), no control characters."""
    text = "".join(c if c.isprintable() else " " for c in str(text))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def student_seed(secret: str, student: str, sources: dict[str, str] | None = None) -> str:
    """Each student's cases come from the course secret, their id and what they submitted:
    reproducible for the same files, not guessable, and new when the files change (a table of
    last time's cases earns nothing)."""
    digest = hashlib.sha256(json.dumps(sorted((sources or {}).items())).encode()).hexdigest()
    return hashlib.sha256(f"{secret}:{student}:{digest}".encode()).hexdigest()[:16]


def _student_id(path: Path) -> str:
    name = path.name[:-4] if path.name.lower().endswith(".zip") else path.name
    return re.sub(r"[^A-Za-z0-9._@-]", "_", name) or "_"


# --------------------------------------------------------------------------- grading

@dataclass
class _Row:
    student: str
    score: float
    max_score: float
    modules: dict[str, float]
    problem: str = ""


def _grade_one(entry: Path, student: str, suites: list[engine.Suite], secret: str, out: Path,
               timeout: float, submission_timeout: float | None, blocked: tuple[str, ...]) -> _Row:
    problem = ""
    try:
        sources: dict[str, str] = read_submission(entry, [s.module for s in suites])
        if not sources:
            problem = "no exercise modules found"
    except ValueError as err:
        sources, problem = {}, str(err)
    seed = student_seed(secret, student, sources)
    results = engine.grade_submission(suites, dict(sources), seed=seed, timeout=timeout,
                                      submission_timeout=submission_timeout, blocked=blocked)
    folder = out / "students" / student
    report.write_json(folder / "results.json", report.gradescope(results, seed, problem))
    feedback = report.table(results, seed, verbose=True)
    report.write_atomic(folder / "feedback.txt", (f"{problem}\n\n" if problem else "") + feedback + "\n")
    totals = engine.summary(results)
    return _Row(student, totals["score"], totals["max_score"],
                {m: v[0] for m, v in totals["modules"].items()}, problem)


def _row_from_report(student: str, path: Path, modules: list[str]) -> _Row | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        per = dict.fromkeys(modules, 0.0)
        for test in data["tests"]:
            per[test["name"].split(":")[0]] = per.get(test["name"].split(":")[0], 0.0) + float(test["score"])
        problem = next((line[len("problem: "):] for line in str(data.get("output", "")).splitlines()
                        if line.startswith("problem: ")), "")
        return _Row(student, float(data["score"]), float(data["max_score"]), per, problem)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def grade_class(submissions: str | Path, out: str | Path, *, questions: str | Path = "exercises",
                hidden: str | Path | None = None, timeout: float = 5.0, submission_timeout: float | None = 300.0,
                workers: int = 2, seed: str | None = None, force: bool = False,
                progress: bool = True) -> Path:
    """Grade every submission in ``submissions`` into ``out``; return ``out/grades.csv``."""
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of student folders or .zip files; got {submissions}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    suites = engine.load_suites(questions, hidden)
    modules = [s.module for s in suites]
    out.mkdir(parents=True, exist_ok=True)
    secret = seed or os.environ.get("CNNZOO_COURSE_SECRET") or _stored_secret(out)
    blocked = (str(Path(questions).resolve()), str(out.resolve()), str(submissions.resolve()),
               *([str(Path(hidden).resolve())] if hidden else []))
    entries = sorted(p for p in submissions.iterdir() if not p.name.startswith("."))
    rows: dict[str, _Row] = {}
    todo = []
    ids: dict[str, list[Path]] = {}
    for entry in entries:
        ids.setdefault(_student_id(entry), []).append(entry)
    for student, same in ids.items():  # two submissions with one id (alice/ and alice.zip): neither graded
        if len(same) > 1:
            names = ", ".join(p.name for p in same)
            rows[student] = _Row(student, 0.0, sum(q.points for s in suites for q in s.questions),
                                 dict.fromkeys(modules, 0.0), f"not graded: several submissions share this id ({names})")
    for entry in entries:
        student = _student_id(entry)
        if len(ids[student]) > 1:
            continue
        done = out / "students" / student / "results.json"
        previous = None if force or not done.exists() else _row_from_report(student, done, modules)
        if previous is not None:
            rows[student] = previous
        else:
            todo.append((entry, student))
    from tqdm.auto import tqdm

    with ThreadPoolExecutor(max_workers=workers) as pool, \
            tqdm(total=len(todo), desc="grading", unit="student", disable=not progress) as bar:
        futures = {pool.submit(_grade_one, entry, student, suites, secret, out, timeout,
                               submission_timeout, blocked): student for entry, student in todo}
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as err:  # noqa: BLE001  (one submission never stops the class)
                student = futures[future]
                row = _Row(student, 0.0, sum(q.points for s in suites for q in s.questions),
                           dict.fromkeys(modules, 0.0), f"not graded: {type(err).__name__}: {err}"[:300])
            rows[row.student] = row
            bar.update(1)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "score", "max_score", *modules, "problem"])
    for student in sorted(rows):
        row = rows[student]
        writer.writerow([_cell(student), round(row.score, 4), round(row.max_score, 4),
                         *[round(row.modules.get(m, 0.0), 4) for m in modules], _cell(row.problem)])
    path = out / "grades.csv"
    report.write_atomic(path, buffer.getvalue())
    return path


def _stored_secret(out: Path) -> str:
    """A course secret kept with the grades, so a resumed run draws the same cases."""
    path = out / ".secret"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(16)
    report.write_atomic(path, value + "\n")
    return value


def autograde(submission: str | Path, results: str | Path, *, questions: str | Path,
              timeout: float = 5.0, submission_timeout: float | None = 600.0, seed: str | None = None) -> dict:
    """Grade one submission folder (Gradescope's ``/autograder/submission``) into ``results``."""
    questions = Path(questions)
    hidden = questions / "hidden" if (questions / "hidden").is_dir() else None
    suites = engine.load_suites(questions, hidden)
    run_seed = seed or secrets.token_hex(8)
    try:
        sources = read_submission(submission, [s.module for s in suites])
    except ValueError:
        sources = {}
    blocked = (str(questions.resolve()), str(Path(results).resolve().parent))
    graded = engine.grade_submission(suites, dict(sources), seed=run_seed, timeout=timeout,
                                     submission_timeout=submission_timeout, blocked=blocked)
    data = report.gradescope(graded, run_seed)
    report.write_json(results, data)
    return data
