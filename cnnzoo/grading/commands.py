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

    paths, args.path = args.path, (args.path[0] if args.path else None)
    if len(paths) > 1 and args.action != "merge":
        raise ValueError(f"exercises {args.action} takes one PATH; got {len(paths)}: {' '.join(paths)}")
    if args.action in ("report", "merge"):
        return _report(args, paths)

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
                                      allow_unconfined=args.allow_unconfined, shard=args.shard, lms_name=args.lms,
                                      roster=args.roster, assignment=args.assignment)
        if args.shard is None:
            from cnnzoo.grading.reteach import write_report

            print(f"what to reteach: {write_report(csv_path.parent)[0]} (cnnzoo exercises report {args.out})")
    return 0


def _report(args: argparse.Namespace, paths: list[str]) -> int:
    """``report GRADES``: the page and its text; ``merge SHARD... --out OUT``: shards joined, then the page."""
    from cnnzoo.grading import gradebook
    from cnnzoo.grading.reteach import write_report

    if not paths:
        raise ValueError(f"exercises {args.action} needs {'GRADES' if args.action == 'report' else 'SHARD folders'}")
    folder = paths[0] if args.action == "report" else args.out
    if args.action == "merge":
        header, rows = gradebook.merge(paths, args.out)
        print(f"{len(rows)} students from {len(paths)} shards: {os.path.join(args.out, 'grades.csv')}")
        if args.lms:
            roster = None if args.roster is None else gradebook.read_roster(args.roster)
            path, unplaced = gradebook.write_lms(args.out, args.lms, header, rows, roster, args.assignment)
            print(f"{args.lms} gradebook: {path}" + (f"; not on the roster: {', '.join(unplaced[:20])}" if unplaced else ""))
    page, plain = write_report(folder)
    print(plain + f"\nthe page: {page}")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("exercises", help="start a course, build stubs, release to students, grade a class",
                       description="init COURSE: a course folder from the stock exercises; build: stubs and "
                       "notebooks from solutions/; release OUT: student folder (with cnnzoo's wheel) and Gradescope "
                       "autograder.zip; grade SUBMISSIONS --out OUT: a class into grades.csv (and --lms's gradebook file, "
                       "the report); autograde SUBMISSION --results PATH: one submission (Gradescope's run_autograder); "
                       "report GRADES: what to reteach (report.html, report.txt); merge SHARD... --out OUT: graded "
                       "shards into one grades.csv and report. build, release "
                       "and grade work on --course (default: the current folder).")
    p.add_argument("action", choices=["init", "build", "release", "grade", "autograde", "report", "merge"])
    p.add_argument("path", nargs="*", help="init: the new course folder; release: output folder; grade: "
                   "submissions folder (a folder or .zip per student, or a Canvas or Moodle download); autograde: "
                   "one submission folder; report: a graded class folder; merge: the shards' output folders")
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
    p.add_argument("--shard", default=None, help="grade: only slice K of N (K/N, 0 <= K < N), for a batch "
                   "system's array job; join the slices with merge (needs --seed or $CNNZOO_COURSE_SECRET)")
    p.add_argument("--lms", choices=["canvas", "moodle"], default=None, help="grade, merge: also write "
                   "grades-<lms>.csv, the file that LMS's gradebook import reads")
    p.add_argument("--roster", default=None, help="grade, merge: the LMS's roster (Canvas's gradebook export, "
                   "Moodle's grading worksheet or participants) linking students to its rows")
    p.add_argument("--assignment", default="cnnzoo exercises", help="grade, merge: the gradebook column "
                   "(Canvas: an existing assignment's name from the roster keeps its id)")
    p.add_argument("--allow-unconfined", action="store_true", help="grade, autograde: grade even where the kernel "
                   "cannot confine student code (every report then says so)")
    p.set_defaults(func=_run)
