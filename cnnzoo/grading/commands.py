"""``cnnzoo exercises ...``: start a course, build its stubs, release it, grade a class or one
Gradescope submission. A course is the instructor's folder (``--course``, default the current
folder) holding ``exercises/`` and ``solutions/``; ``init`` starts one from the stock course."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["add_parser"]


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds; got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive; got {text}")
    return value


def _run(args: argparse.Namespace) -> int:
    from cnnzoo.grading import course
    from cnnzoo.grading.coursefolder import find_course, init_course
    from cnnzoo.grading.stubs import build_stubs
    from cnnzoo.grading.studentnb import build_notebooks

    if args.action == "init":
        if args.path is None:
            raise ValueError("exercises init needs the COURSE folder to create (e.g. cnnzoo exercises init mycourse)")
        made = init_course(args.path)
        print(f"course started in {os.path.abspath(args.path)}: edit {made.solutions}/ (the answers, the single "
              f"source), then `cnnzoo exercises build` and `cnnzoo exercises release OUT` there")
        return 0
    if args.action == "autograde":  # one Gradescope submission: the bundle's questions, no course folder
        if args.path is None:
            raise ValueError("exercises autograde needs the SUBMISSION folder")
        data = course.autograde(args.path, args.results, questions=args.questions, timeout=args.timeout,
                                submission_timeout=args.submission_timeout or 300.0, seed=args.seed,
                                secret_file=args.secret_file, metadata=args.metadata,
                                allow_unconfined=args.allow_unconfined)
        print(f"{data['score']:g} / {data['max_score']:g} written to {args.results}")
        return 0
    found = find_course(args.course, exercises=args.exercises, solutions=args.solutions)
    if args.action == "build":
        changed = build_stubs(found.solutions, found.exercises, check_only=args.check) + \
            build_notebooks(found.solutions, found.exercises, check_only=args.check)
        if args.check and changed:
            print("out of date: " + ", ".join(changed) + " (run: cnnzoo exercises build)", file=sys.stderr)
            return 1
        print(("would write " if args.check else "wrote ") + (", ".join(changed) or "nothing: stubs are current"))
    elif args.path is None:
        raise ValueError(f"exercises {args.action} needs a PATH (see cnnzoo exercises --help)")
    elif args.action == "release":
        paths = course.release(args.path, exercises=found.exercises, solutions=found.solutions,
                               timeout=args.timeout, submission_timeout=args.submission_timeout or 600.0,
                               secret=args.seed, notebooks=args.notebooks)
        print(f"students get {paths['student']}/ (with {paths['wheel'].name}); "
              f"upload {paths['autograder']} to Gradescope")
    else:  # grade a class
        csv_path = course.grade_class(args.path, args.out, questions=found.exercises, hidden=found.hidden,
                                      timeout=args.timeout, submission_timeout=args.submission_timeout or 300.0,
                                      workers=args.workers, seed=args.seed, force=args.force,
                                      allow_unconfined=args.allow_unconfined)
        print(f"grades written to {csv_path}")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("exercises", help="start a course, build stubs, release to students, grade a class",
                       description="init COURSE: a course folder from the stock exercises; build: stubs and "
                       "notebooks from solutions/; release OUT: student folder (with cnnzoo's wheel) and Gradescope "
                       "autograder.zip; grade SUBMISSIONS --out OUT: a class into grades.csv; autograde "
                       "SUBMISSION --results PATH: one submission (Gradescope's run_autograder). build, release "
                       "and grade work on --course (default: the current folder).")
    p.add_argument("action", choices=["init", "build", "release", "grade", "autograde"])
    p.add_argument("path", nargs="?", help="init: the new course folder; release: output folder; grade: "
                   "submissions folder; autograde: one submission folder")
    p.add_argument("--course", default=None, help="the course folder, holding exercises/ and solutions/ "
                   "(default: the current folder)")
    p.add_argument("--solutions", default=None, help="default: COURSE/solutions")
    p.add_argument("--exercises", default=None, help="the stubs and their graded test modules "
                   "(default: COURSE/exercises)")
    p.add_argument("--check", action="store_true", help="build: only report stubs that are out of date")
    p.add_argument("--notebooks", choices=["modules", "notebooks", "both"], default="both",
                   help="release: what students get per exercise, <module>.py, <module>.ipynb or both (default)")
    p.add_argument("--out", default="grades", help="grade: output folder (default: grades)")
    p.add_argument("--questions", default="questions", help="autograde: folder of graded test modules")
    p.add_argument("--results", default="results.json", help="autograde: where results.json goes")
    p.add_argument("--secret-file", default=None, help="autograde: the course secret (in the bundle)")
    p.add_argument("--metadata", default=None, help="autograde: Gradescope's submission_metadata.json")
    p.add_argument("--timeout", type=_positive_float, default=5.0, help="seconds per call (default 5)")
    p.add_argument("--submission-timeout", type=_positive_float, default=None,
                   help="seconds per submission (default 300; in a Gradescope release 600)")
    p.add_argument("--workers", type=int, default=2, help="grade: submissions graded at once (default 2)")
    p.add_argument("--seed", default=None, help="course secret for the cases (default: "
                   "$CNNZOO_COURSE_SECRET, else one kept in the output folder)")
    p.add_argument("--force", action="store_true", help="grade: regrade students already graded")
    p.add_argument("--allow-unconfined", action="store_true", help="grade, autograde: grade even where the kernel "
                   "cannot confine student code (every report then says so)")
    p.set_defaults(func=_run)
