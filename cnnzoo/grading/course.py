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

import hashlib
import json
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from cnnzoo.files import SHARED, write_atomic, write_json
from cnnzoo.grading import engine, gradebook, integrity, lms, report, reteach
from cnnzoo.grading.release import release
from cnnzoo.grading.runner import GraderError
from cnnzoo.grading.submissions import read_files, read_submission

__all__ = ["release", "grade_class", "autograde", "read_submission", "student_seed", "GraderError"]

_PACKAGE = Path(__file__).resolve().parents[1]


def student_seed(secret: str, student: str, sources: dict[str, str] | None = None) -> str:
    """Each student's cases come from the course secret, their id and what they submitted:
    reproducible for the same files, not guessable, and new when the files change (a table of
    last time's cases earns nothing)."""
    digest = hashlib.sha256(json.dumps(sorted((sources or {}).items())).encode()).hexdigest()
    return hashlib.sha256(f"{secret}:{student}:{digest}".encode()).hexdigest()[:16]


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


def _read(entry: lms.Entry, modules: list[str], deadline: float | None) -> tuple[dict[str, str], str]:
    notes: list[str] = []
    sources: dict[str, str] = {}
    try:
        files = [(p, n) for p, n in entry.paths if entry.lms and not p.is_dir() and not n.lower().endswith(".zip")]
        if files:  # an LMS's renamed uploads, each standing for the file the student named
            sources.update(read_files(files, modules, deadline=deadline, notes=notes))
        for path, _ in (p for p in entry.paths if p not in files):
            for module, text in read_submission(path, modules, deadline=deadline, notes=notes).items():
                sources.setdefault(module, text)
    except Exception as err:  # noqa: BLE001  (whatever a submission holds, it is the student's to fix)
        return {}, report.plain(str(err) if isinstance(err, ValueError) else f"not readable ({type(err).__name__})")
    return sources, report.plain("; ".join(notes + ([] if sources else ["no exercise modules found"])), 2000)


def _start(submission_timeout: float | None) -> float | None:
    return time.monotonic() + submission_timeout if submission_timeout else None


def _grade_one(entry: lms.Entry, run: _Run) -> gradebook.Row:
    deadline = _start(run.submission_timeout)  # reading the submission counts against its time
    sources, problem = _read(entry, [s.module for s in run.suites], deadline)
    problem = "; ".join(p for p in (entry.note, problem) if p)
    if not run.confined:
        problem = "; ".join(p for p in (integrity.UNCONFINED_NOTE, problem) if p)
    seed = student_seed(run.secret, entry.student, sources)
    results = engine.grade_submission(run.suites, dict(sources), seed=seed, timeout=run.timeout,
                                      deadline=deadline, blocked=run.blocked, require_confinement=run.confined)
    run.manifest.verify()  # before anything of this student's is written
    folder = run.out / "students" / entry.student
    write_json(folder / "cases.json", reteach.cases(results), SHARED)
    write_json(folder / "results.json", report.gradescope(results, seed, problem), SHARED)
    write_atomic(folder / "feedback.txt", report.feedback(results, seed, problem), SHARED)
    totals = engine.summary(results)
    return gradebook.Row(entry.student, totals["score"], totals["max_score"],
                {m: v[0] for m, v in totals["modules"].items()}, problem, entry.key if entry.lms else "", entry.late)


def _grade_retrying(entry: lms.Entry, run: _Run) -> gradebook.Row:
    """A student's grading, tried twice when the grader itself fails (never their zero)."""
    try:
        return _grade_one(entry, run)
    except integrity.GraderTampered:
        raise
    except Exception:  # noqa: BLE001  (a grader error: once more, after what it held was freed)
        return _grade_one(entry, run)


def grade_class(submissions: str | Path, out: str | Path, *, questions: str | Path = "exercises",
                hidden: str | Path | None = None, timeout: float = 5.0, submission_timeout: float | None = 300.0,
                workers: int = 2, seed: str | None = None, force: bool = False, progress: bool = True,
                allow_unconfined: bool = False, shard: str | None = None, lms_name: str | None = None,
                roster: str | Path | None = None, assignment: str = "cnnzoo exercises") -> Path:
    """Grade every submission in ``submissions`` (a folder per student, ``.zip`` files, or a
    Canvas or Moodle bulk download: :mod:`cnnzoo.grading.lms`) into ``out``; return
    ``out/grades.csv``. ``shard`` (``"K/N"``) grades only slice K of N (needs ``seed`` or
    ``$CNNZOO_COURSE_SECRET``: every shard draws the same cases); ``lms_name`` (``canvas``,
    ``moodle``) also writes that LMS's import file from ``roster``
    (:mod:`cnnzoo.grading.gradebook`).

    Raises ``RuntimeError`` before grading anyone where student code cannot be confined
    (unless ``allow_unconfined``), :class:`~cnnzoo.grading.integrity.GraderTampered` if the
    grader's files change, and :class:`GraderError` after writing ``grades.csv`` when some
    students could not be graded for the grader's own reasons (they have no row; run again)."""
    submissions, out = Path(submissions), Path(out)
    part, secret = _check(submissions, workers, shard, seed)
    people = None if roster is None else gradebook.read_roster(roster)
    run = _prepare(submissions, out, questions, hidden, secret, timeout, submission_timeout, allow_unconfined)
    found = [e for e in lms.entries([p.name for p in submissions.iterdir() if not p.name.startswith(".")],
                                    submissions) if gradebook.in_shard(e.student, part)]
    rows, todo, skipped = _sort(found, run, force)
    failed = _grade_all(todo, run, rows, workers, progress)
    modules = [s.module for s in run.suites]
    header = ["student", "score", "max_score", *modules, "lms_id", "late", "problem"]
    table = {s: r.cells(modules) for s, r in rows.items()}
    path = out / "grades.csv"
    write_atomic(path, gradebook.grades_csv(header, table), SHARED)
    if progress:
        print(f"{len(todo) - len(failed)} graded, {skipped} skipped (graded before; --force grades them again)"
              + (f", {len(failed)} failed" if failed else "") + f": {path}")
    if lms_name:
        lms_path, unplaced = gradebook.write_lms(out, lms_name, header, table, people, assignment)
        if progress:
            print(f"{lms_name} gradebook: {lms_path}" + (f"; not in it (not on the roster): {', '.join(unplaced[:20])}"
                                                          if unplaced else ""))
    if failed:
        named = "; ".join(f"{k} ({v})" for k, v in sorted(failed.items())[:5])
        raise GraderError(f"{len(failed)} submission(s) could not be graded for the grader's own reasons and "
                          f"have no row in {path}: {named}; free what they need (disk space?) and run again")
    return path


def _check(submissions: Path, workers: int, shard: str | None, seed: str | None) -> tuple[tuple[int, int] | None, str | None]:
    """The arguments checked before anything is read: the shard's slice and the course secret."""
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of student folders or .zip files; got {submissions}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    part = None if shard is None else gradebook.parse_shard(shard)
    secret = seed or os.environ.get("CNNZOO_COURSE_SECRET")
    if part is not None and not secret:
        raise ValueError(f"--shard {shard} needs the course secret (--seed or $CNNZOO_COURSE_SECRET): "
                         "every shard must draw the cases one run would")
    return part, secret


def _prepare(submissions: Path, out: Path, questions: str | Path, hidden: str | Path | None, secret: str | None,
             timeout: float, submission_timeout: float | None, allow_unconfined: bool) -> _Run:
    """What the run shares (suites, confinement, manifest, secret, folders no student reads)."""
    suites = engine.load_suites(questions, hidden)
    note = integrity.require_confinement(allow_unconfined)
    integrity.preload(keras=any("keras" in s.allow for s in suites))
    manifest = integrity.Manifest([_PACKAGE, questions, *([hidden] if hidden else [])])
    out.mkdir(parents=True, exist_ok=True)
    (out / "students").mkdir(mode=0o750, exist_ok=True)  # their names: the instructor's group only
    secret = secret or _stored_secret(out)
    answers = Path(questions).resolve().parent / "solutions"  # a course folder's answer key, beside its tests
    blocked = (str(Path(questions).resolve()), str(out.resolve()), str(submissions.resolve()),
               *([str(Path(hidden).resolve())] if hidden else []), *([str(answers)] if answers.is_dir() else []))
    write_json(out / "course.json", reteach.describe(suites), SHARED)
    return _Run(suites, secret, out, timeout, submission_timeout, blocked, manifest, note)


def _sort(found: list[lms.Entry], run: _Run, force: bool) -> tuple[dict[str, gradebook.Row], list[lms.Entry], int]:
    """The rows known without grading (links; graded before, unless ``force``), their count and the rest."""
    modules = [s.module for s in run.suites]
    rows: dict[str, gradebook.Row] = {}
    todo = []
    skipped = 0
    for entry in found:
        link = next((p.name for p, _ in entry.paths if p.is_symlink()), None)
        if link is not None:  # a link is not a submission: it may point at anything, the answers included
            rows[entry.student] = gradebook.Row(entry.student, 0.0, sum(q.points for s in run.suites for q in s.questions),
                                                dict.fromkeys(modules, 0.0), f"not graded: {link} is a link, not a submission")
            continue
        done = run.out / "students" / entry.student / "results.json"
        previous = None if force or not done.exists() else gradebook.row_from_report(
            entry.student, done, modules, entry.key if entry.lms else "", entry.late)
        if previous is not None:
            rows[entry.student], skipped = previous, skipped + 1
        else:
            todo.append(entry)
    return rows, todo, skipped


def _grade_all(todo: list[lms.Entry], run: _Run, rows: dict[str, gradebook.Row], workers: int,
               progress: bool) -> dict[str, str]:
    """Grade ``todo`` in ``workers`` threads into ``rows``; return whom the grader failed on, and why."""
    from tqdm.auto import tqdm

    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            tqdm(total=len(todo), desc="grading", unit=" students", disable=not progress or not todo) as bar:
        futures = {pool.submit(_grade_retrying, entry, run): entry.student for entry in todo}
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
    return failed


def _stored_secret(out: Path) -> str:
    """A course secret kept with the grades, so a resumed run draws the same cases."""
    path = out / ".secret"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(16)
    write_atomic(path, value + "\n")
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
    write_json(results, data)
    return data
