"""A small class with every module (Keras ones included), graded as ``cnnzoo exercises grade``
grades it, and the time a class of 200 would take on this machine.

The class mixes what a real one holds: students who answered everything (the reference
solutions), one slip, the NumPy modules only, and untouched stubs. Each student's time
is measured around their grading (reading, every module's process, the reports); the
extrapolation is the class's wall time per student times 200 (the same number of
workers; the grader's own set-up, done once, is counted once).

Do not run it with 200 students on a shared machine: 6 to 10 tell the figure.

Usage: python benchmarks/class_speed.py [--students 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERAS = ("keras_lenet", "train_lenet", "transfer_head", "visualise")
KINDS = ("honest", "slip", "numpy-only", "honest", "stubs", "honest", "slip", "numpy-only", "honest", "stubs")


def make_class(folder: Path, students: int) -> dict[str, str]:
    kinds = {}
    for i in range(students):
        kind, student = KINDS[i % len(KINDS)], folder / f"s{i:03d}"
        kinds[student.name] = kind
        ignore = shutil.ignore_patterns("hidden", "__pycache__", *[f"{m}.py" for m in KERAS if kind == "numpy-only"])
        shutil.copytree(ROOT / ("exercises" if kind == "stubs" else "solutions"), student, ignore=ignore)
        for extra in student.glob("test_*.py"):
            extra.unlink()
        if kind == "slip":
            target = student / "output_size.py"
            target.write_text(target.read_text().replace("return n - f + 1", "return n - f"))
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from cnnzoo.grading import course, integrity

    times: dict[str, float] = {}
    real = course._grade_one
    lock = threading.Lock()

    def timed(entry, run):
        start = time.monotonic()
        try:
            return real(entry, run)
        finally:
            with lock:
                times[entry.student] = time.monotonic() - start

    course._grade_one = timed
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp, "subs")
        subs.mkdir()
        kinds = make_class(subs, args.students)
        start = time.monotonic()
        integrity.preload(keras=True)  # the grader's one-time set-up, timed apart
        setup = time.monotonic() - start
        start = time.monotonic()
        course.grade_class(subs, Path(tmp, "out"), questions=ROOT / "exercises", hidden=ROOT / "solutions" / "hidden",
                           workers=args.workers, seed="benchmark", progress=False)
        wall = time.monotonic() - start
    print(f"{'student':8s} {'kind':11s} seconds")
    for student in sorted(times):
        print(f"{student:8s} {kinds[student]:11s} {times[student]:7.1f}")
    per = wall / args.students
    print(f"grader set-up (once): {setup:.1f} s; class of {args.students} on {args.workers} workers: {wall:.1f} s, "
          f"{per:.1f} s per student")
    print(f"a class of 200 on this machine: about {(setup + per * 200) / 60:.1f} minutes (target: 40)")


if __name__ == "__main__":
    main()
