"""Grading speed with every student module isolated in its own process (2-core CPU).

1. one submission of every non-Keras module (the reference solutions), graded in isolation;
2. hanging code in every function, with a 2 s limit per call;
3. a class of submissions (honest, stubs, one slip, one hanging function, a crash at
   import), graded with ``cnnzoo exercises grade``'s engine on 2 workers.

Usage: python benchmarks/grading_speed.py [--students 200]
       python benchmarks/grading_speed.py --students 35 --against OTHER_TREE [--rounds 2]

``--against`` measures this tree and another checkout (an earlier commit, say) side by side,
alternating, each in a fresh process with that tree first on ``PYTHONPATH``, and prints the
medians and their ratio: a loaded machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARITHMETIC = ["mlp_cost", "output_size", "convolution", "pooling", "parameters", "receptive_field",
              "store_activations", "local_features", "channels", "backward", "layer_cost"]
KERAS = ["keras_lenet", "train_lenet", "transfer_head", "visualise"]


def _questions(folder: Path) -> Path:
    folder.mkdir()
    for module in ARITHMETIC:
        shutil.copy(ROOT / "exercises" / f"test_{module}.py", folder)
    return folder


def _class(folder: Path, students: int) -> None:
    kinds = ["honest", "honest", "honest", "stubs", "slip", "hang", "crash"]
    for i in range(students):
        kind, student = kinds[i % len(kinds)], folder / f"s{i:03d}"
        shutil.copytree(ROOT / ("exercises" if kind == "stubs" else "solutions"), student,
                        ignore=shutil.ignore_patterns("hidden", *(f"{m}.py" for m in KERAS)))
        target = student / "output_size.py"
        text = target.read_text()
        if kind == "slip":
            text = text.replace("return n - f + 1", "return n - f")
        elif kind == "hang":
            text = text.replace("    return (f - 1) // 2", "    while True:\n        pass")
        elif kind == "crash":
            text = "import os\nos._exit(1)\n" + text
        target.write_text(text)


def _compare(tree: str, students: int, rounds: int) -> None:
    """This tree and ``tree``, alternating, each measured in a fresh process."""
    found: dict[str, dict[str, list[float]]] = {"this": {}, "other": {}}
    for _ in range(rounds):
        for name, path in (("this", str(ROOT)), ("other", tree)):
            env = {**os.environ, "PYTHONPATH": path}
            run = subprocess.run([sys.executable, __file__, "--students", str(students), "--json"], env=env,
                                 capture_output=True, text=True, check=True)
            for key, value in json.loads(run.stdout.splitlines()[-1]).items():
                found[name].setdefault(key, []).append(value)
    for key in found["this"]:
        mine, theirs = statistics.median(found["this"][key]), statistics.median(found["other"][key])
        print(f"{key}: this tree {mine:.2f} s, {tree} {theirs:.2f} s, ratio {mine / theirs:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--against", help="another checkout to measure side by side")
    parser.add_argument("--rounds", type=int, default=2, help="with --against: measurements of each (median)")
    parser.add_argument("--json", action="store_true", help="print the seconds as one JSON line")
    args = parser.parse_args()
    if args.against:
        return _compare(args.against, args.students, args.rounds)
    from cnnzoo.grading import course, engine

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        questions = _questions(Path(tmp, "questions"))
        suites = engine.load_suites(questions)
        sources = {m: (ROOT / "solutions" / f"{m}.py").read_text() for m in ARITHMETIC}

        start = time.perf_counter()
        results = engine.grade_submission(suites, sources, seed=1, timeout=2.0)
        one = time.perf_counter() - start
        score = engine.summary(results)
        print(f"one submission, {len(ARITHMETIC)} modules, {len(results)} questions isolated: "
              f"{one:.2f} s ({score['score']:g}/{score['max_score']:g})")

        hanging = {s.module: "\n".join(f"def {f}(*a):\n    while True:\n        pass\n"
                                       for f in {q.function for q in s.questions}) for s in suites}
        functions = sum(len({q.function for q in s.questions}) for s in suites)
        start = time.perf_counter()
        engine.grade_submission(suites, hanging, seed=1, timeout=2.0)
        hang = time.perf_counter() - start
        print(f"hanging code in all {functions} functions, --timeout 2: {hang:.1f} s "
              f"(functions x limit = {functions * 2} s)")

        subs = Path(tmp, "subs")
        subs.mkdir()
        _class(subs, args.students)
        start = time.perf_counter()
        course.grade_class(subs, Path(tmp, "out"), questions=questions, timeout=2.0, workers=2, seed="bench",
                           progress=False)
        whole = time.perf_counter() - start
        print(f"a class of {args.students} submissions (3/7 honest, stubs, a slip, a hanging function, "
              f"a crash), 2 workers: {whole:.0f} s ({whole / args.students:.2f} s per student)")
        if args.json:
            print(json.dumps({"one submission": one, "all functions hanging": hang, "class": whole}))


if __name__ == "__main__":
    main()
