"""The portable runner (Windows, macOS): standard pipes, reader threads and ``Popen.kill``,
forced here with ``CNNZOO_PORTABLE_RUNNER=1``. The same answers get the same scores as
under the kernel's confinement; a class grading refuses to run on it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnzoo.grading import course, engine, transport

ROOT = Path(__file__).resolve().parents[2]
SUITES = {s.module: s for s in engine.load_suites(ROOT / "exercises")}
SOLUTION = (ROOT / "solutions" / "output_size.py").read_text()
CASES = {
    "solution": SOLUTION,
    "printing": SOLUTION.replace("    return n - f + 1", "    print('thinking', n)\n    return n - f + 1"),
    "slip": SOLUTION.replace("return n - f + 1", "return n - f"),
    "hanging": SOLUTION.replace("return n - f + 1", "while True:\n        pass"),
    "exiting": "import os\nos._exit(3)\n",
    "matplotlib": "import matplotlib\n" + SOLUTION,
    "forging": SOLUTION + "\nimport os\nos.write(1, b'{\"op\": \"value\"}\\n')\n",
}


def _grade(source):
    results = engine.grade_module(SUITES["output_size"], source, seed="portable", timeout=2)
    return [(r.question, r.score) for r in results], "".join(r.output for r in results), results[0].sandbox


@pytest.mark.slow
def test_the_same_answers_get_the_same_scores(monkeypatch):
    kernel = {name: _grade(source) for name, source in CASES.items()}
    monkeypatch.setenv("CNNZOO_PORTABLE_RUNNER", "1")
    assert transport.portable()
    for name, source in CASES.items():
        scores, output, sandbox = _grade(source)
        assert scores == kernel[name][0], name
        assert output == kernel[name][1], name
        assert sandbox.startswith("off")
    assert dict(kernel["solution"][0]) != dict(kernel["slip"][0])


def test_a_class_is_not_graded_on_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNZOO_PORTABLE_RUNNER", "1")
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "output_size.py").write_text(SOLUTION)
    with pytest.raises(RuntimeError, match="refusing to grade"):
        course.grade_class(tmp_path / "subs", tmp_path / "out", questions=ROOT / "exercises", progress=False)


@pytest.mark.slow
def test_the_whole_student_suite_passes_on_it(tmp_path):
    report = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "exercises",
                          "--grade-against", "solutions", "--grade-instructor", "--grade-json", str(report)],
                         capture_output=True, text=True, cwd=ROOT, timeout=1200,
                         env={**os.environ, "CNNZOO_PORTABLE_RUNNER": "1"})
    data = json.loads(report.read_text())
    assert data["score"] == data["max_score"] > 100, run.stdout[-3000:]
    assert "student code confined by: off" in data["output"]
