"""A course outside the checkout, the student folder that installs itself, Gradescope's bundle."""

import time
from pathlib import Path

from cnnzoo.grading import engine
from cnnzoo.grading.runner import StudentProcess

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ untouched stubs

def test_untouched_stubs_start_no_process_and_score_zero(monkeypatch):
    def refuse(self):
        raise AssertionError(f"a process was started for {self.module}")

    monkeypatch.setattr(StudentProcess, "_start", refuse)
    suites = engine.load_suites(ROOT / "exercises")
    sources = {s.module: (ROOT / "exercises" / f"{s.module}.py").read_text() for s in suites}
    start = time.monotonic()
    results = engine.grade_submission(suites, sources, seed=1)
    assert time.monotonic() - start < 2
    assert engine.summary(results)["score"] == 0 and len(results) > 60
    assert {tuple(r.hints) for r in results} == {("not answered yet",)}


def test_a_stub_beside_an_answer_costs_only_its_own_questions():
    suite = engine.load_suite(ROOT / "exercises" / "test_mlp_cost.py")
    source = (ROOT / "solutions" / "mlp_cost.py").read_text()
    stubbed = source.replace("def weight_bytes(", "def weight_bytes(*a):\n    raise NotImplementedError\n\n\ndef _old(")
    got = {r.question: r for r in engine.grade_module(suite, stubbed, seed=3)}
    assert got["mlp_params"].score == got["mlp_params"].max_score
    assert got["weight_bytes"].score == 0 and got["weight_bytes"].hints == ["not answered yet"]


def test_a_stub_rebound_later_is_graded_as_written():
    suite = engine.load_suite(ROOT / "exercises" / "test_mlp_cost.py")
    source = (ROOT / "solutions" / "mlp_cost.py").read_text()
    rebound = "def mlp_params(*a):\n    raise NotImplementedError\n\n\n" + source  # the solution's def rebinds it
    got = {r.question: r for r in engine.grade_module(suite, rebound, seed=3)}
    assert got["mlp_params"].score == got["mlp_params"].max_score
