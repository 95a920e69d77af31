"""The course workflow: grade a class, grade one Gradescope submission (and, from
:mod:`cnnzoo.grading.release`, :func:`release` the exercises).

- :func:`grade_class` grades a folder of submissions (one folder or ``.zip`` per student)
  in parallel into ``grades.csv`` and ``students/<id>/results.json`` + ``feedback.txt``.
  Only files named like an exercise module are read from a submission
  (:mod:`cnnzoo.grading.submissions`); nothing else in it is imported, extracted or executed.

Both refuse to grade where the kernel cannot confine student code
(:func:`cnnzoo.grading.integrity.require_confinement`), unless the instructor passes
``allow_unconfined``, and then every report says so; both stop, with no report written
after it, if the grader's own files change (:class:`~cnnzoo.grading.integrity.Manifest`).
A student whose grading failed for the grader's own reasons (a full disk) is tried again,
and if it fails again, left ungraded and named in the error the run ends with: never
recorded as a zero.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from cnnzoo.grading import engine, integrity, report
from cnnzoo.grading.release import release
from cnnzoo.grading.runner import GraderError
from cnnzoo.grading.submissions import read_submission

__all__ = ["release", "grade_class", "autograde", "read_submission", "student_seed", "GraderError"]

_PACKAGE = Path(__file__).resolve().parents[1]

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


@dataclass
class _Run:
    """What every student's grading in one run shares."""

    suites: list[engine.Suite]
    secret: str
    out: Path
    timeout: float
    submission_timeout: float | None
    blocked: tuple[str, ...]
    manifest: integrity.Manifest
    note: str  # what confines student code, or the unconfined warning

    @property
    def confined(self) -> bool:
        return self.note != integrity.UNCONFINED_NOTE


def _read(entry: Path, modules: list[str], deadline: float | None) -> tuple[dict[str, str], str]:
    notes: list[str] = []
    try:
        sources = read_submission(entry, modules, deadline=deadline, notes=notes)
    except ValueError as err:
        return {}, str(err)
    return sources, "; ".join(notes + ([] if sources else ["no exercise modules found"]))


def _start(submission_timeout: float | None) -> float | None:
    return time.monotonic() + submission_timeout if submission_timeout else None


def _grade_one(entry: Path, student: str, run: _Run, note: str = "") -> _Row:
    deadline = _start(run.submission_timeout)  # reading the submission counts against its time
    sources, problem = _read(entry, [s.module for s in run.suites], deadline)
    problem = "; ".join(p for p in (note, problem) if p)
    if not run.confined:
        problem = "; ".join(p for p in (integrity.UNCONFINED_NOTE, problem) if p)
    seed = student_seed(run.secret, student, sources)
    results = engine.grade_submission(run.suites, dict(sources), seed=seed, timeout=run.timeout,
                                      deadline=deadline, blocked=run.blocked, require_confinement=run.confined)
    run.manifest.verify()  # before anything of this student's is written
    folder = run.out / "students" / student
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


def _grade_retrying(entry: Path, student: str, run: _Run, note: str = "") -> _Row:
    """A student's grading, tried twice when the grader itself fails (never their zero)."""
    try:
        return _grade_one(entry, student, run, note)
    except integrity.GraderTampered:
        raise
    except Exception:  # noqa: BLE001  (a grader error: once more, after what it held was freed)
        return _grade_one(entry, student, run, note)


def grade_class(submissions: str | Path, out: str | Path, *, questions: str | Path = "exercises",
                hidden: str | Path | None = None, timeout: float = 5.0, submission_timeout: float | None = 300.0,
                workers: int = 2, seed: str | None = None, force: bool = False,
                progress: bool = True, allow_unconfined: bool = False) -> Path:
    """Grade every submission in ``submissions`` into ``out``; return ``out/grades.csv``.

    Raises ``RuntimeError`` before grading anyone where student code cannot be confined
    (unless ``allow_unconfined``), :class:`~cnnzoo.grading.integrity.GraderTampered` if the
    grader's files change, and :class:`GraderError` after writing ``grades.csv`` when some
    students could not be graded for the grader's own reasons (they have no row; run again)."""
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of student folders or .zip files; got {submissions}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    suites = engine.load_suites(questions, hidden)
    modules = [s.module for s in suites]
    note = integrity.require_confinement(allow_unconfined)
    integrity.preload(keras=any("keras" in s.allow for s in suites))
    manifest = integrity.Manifest([_PACKAGE, questions, *([hidden] if hidden else [])])
    out.mkdir(parents=True, exist_ok=True)
    secret = seed or os.environ.get("CNNZOO_COURSE_SECRET") or _stored_secret(out)
    answers = Path(questions).resolve().parent / "solutions"  # a course folder's answer key, beside its tests
    blocked = (str(Path(questions).resolve()), str(out.resolve()), str(submissions.resolve()),
               *([str(Path(hidden).resolve())] if hidden else []), *([str(answers)] if answers.is_dir() else []))
    entries = sorted(p for p in submissions.iterdir() if not p.name.startswith("."))
    rows: dict[str, _Row] = {}
    todo, notes = [], {}
    ids: dict[str, list[Path]] = {}
    for entry in entries:
        ids.setdefault(_student_id(entry), []).append(entry)
    for student, same in ids.items():  # one id, several submissions (alice/ and alice.zip): each graded apart
        for entry in same if len(same) > 1 else []:
            unique = f"{student}~{hashlib.sha256(entry.name.encode()).hexdigest()[:6]}"
            notes[entry] = unique, (f"several submissions share the id {student} "
                                    f"({', '.join(p.name for p in same)}): graded apart; check which is the student's")
    for entry in entries:
        student, flag = notes.get(entry, (_student_id(entry), ""))
        if entry.is_symlink():  # a link is not a submission: it may point at anything, the answers included
            rows[student] = _Row(student, 0.0, sum(q.points for s in suites for q in s.questions),
                                 dict.fromkeys(modules, 0.0), f"not graded: {entry.name} is a link, not a submission")
            continue
        done = out / "students" / student / "results.json"
        previous = None if force or not done.exists() else _row_from_report(student, done, modules)
        if previous is not None:
            rows[student] = previous
        else:
            todo.append((entry, student, flag))
    from tqdm.auto import tqdm

    run = _Run(suites, secret, out, timeout, submission_timeout, blocked, manifest, note)
    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            tqdm(total=len(todo), desc="grading", unit="student", disable=not progress) as bar:
        futures = {pool.submit(_grade_retrying, entry, student, run, flag): student for entry, student, flag in todo}
        for future in as_completed(futures):
            try:
                row = future.result()
                rows[row.student] = row
            except integrity.GraderTampered:
                for other in futures:
                    other.cancel()
                raise
            except Exception as err:  # noqa: BLE001  (the grader's failure: no row, said at the end)
                failed[futures[future]] = f"{type(err).__name__}: {err}"[:300]
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
    if failed:
        named = "; ".join(f"{k} ({v})" for k, v in sorted(failed.items())[:5])
        raise GraderError(f"{len(failed)} submission(s) could not be graded for the grader's own reasons and "
                          f"have no row in {path}: {named}; free what they need (disk space?) and run again")
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
              timeout: float = 5.0, submission_timeout: float | None = 600.0, seed: str | None = None,
              secret_file: str | Path | None = None, metadata: str | Path | None = None,
              allow_unconfined: bool = False) -> dict:
    """Grade one submission folder (Gradescope's ``/autograder/submission``) into ``results``.

    With ``secret_file`` (the bundle's course secret) the cases come from it, the submitters'
    ids in ``metadata`` and their files: a regrade draws the same ones. The top-level output
    explains an upload the grader could not use (see :func:`cnnzoo.grading.gradescope.read_upload`).
    Refuses (``RuntimeError``) where student code cannot be confined, unless ``allow_unconfined``.
    """
    from cnnzoo.grading import gradescope

    start = time.monotonic()
    questions = Path(questions)
    hidden = questions / "hidden" if (questions / "hidden").is_dir() else None
    suites = engine.load_suites(questions, hidden)
    note = integrity.require_confinement(allow_unconfined)
    integrity.preload(keras=any("keras" in s.allow for s in suites))
    manifest = integrity.Manifest([_PACKAGE, questions])
    deadline = _start(submission_timeout)  # reading the upload counts against its time
    sources, notes = gradescope.read_upload(submission, [s.module for s in suites], deadline=deadline)
    if seed is None and secret_file is not None:
        seed = student_seed(gradescope.read_secret(secret_file), gradescope.student_id(metadata), sources)
    run_seed = seed or secrets.token_hex(8)
    if note == integrity.UNCONFINED_NOTE:
        notes.insert(0, note)
    blocked = (str(questions.resolve()), str(Path(results).resolve().parent),
               *([str(Path(secret_file).resolve())] if secret_file is not None else []))
    graded = engine.grade_submission(suites, dict(sources), seed=run_seed, timeout=timeout, deadline=deadline,
                                     blocked=blocked, require_confinement=note != integrity.UNCONFINED_NOTE)
    manifest.verify()  # before the report is written
    data = report.gradescope(graded, run_seed)
    data["output"] = "\n".join([*notes, data["output"]])
    data["execution_time"] = max(1, round(time.monotonic() - start))
    report.write_json(results, data)
    return data
