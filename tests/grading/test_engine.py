"""The grading engine on the stock course: stubs 0, solutions full, the release made from
the solutions, cases drawn from the seed, alternatives full, mutants named, hints that never
give the answer away."""

import ast
import json
from pathlib import Path

import pytest

from cnnzoo.grading import build_stubs, engine, stub_source

ROOT = Path(__file__).resolve().parents[2]
ARITHMETIC = ["mlp_cost", "output_size", "convolution", "pooling", "parameters", "receptive_field",
              "store_activations", "local_features", "channels", "backward", "layer_cost"]
KERAS = ["keras_lenet", "train_lenet", "transfer_head", "visualise"]  # graded in tests/exercises/test_exercises_keras.py

# ------------------------------------------------------------------ the ground truth

@pytest.fixture(scope="module")
def graded(tmp_path_factory, run_pytest):
    out = {}
    for name, extra in (("solutions", ["--grade-against", "solutions"]), ("stubs", [])):
        report = tmp_path_factory.mktemp(name) / "results.json"
        run = run_pytest("exercises", "--grade-json", str(report), *extra)
        assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
        out[name] = json.loads(report.read_text()), run
    return out


@pytest.mark.slow
def test_solutions_get_full_marks(graded):
    report, run = graded["solutions"]
    assert report["score"] == report["max_score"] > 50
    assert run.returncode == 0 and "TOTAL" in run.stdout


@pytest.mark.slow
def test_stubs_score_zero_on_one_screen(graded):
    report, run = graded["stubs"]
    assert report["score"] == 0 and report["max_score"] == graded["solutions"][0]["max_score"]
    assert run.returncode == 1
    assert "FAILED" not in run.stdout and "Traceback" not in run.stdout
    assert len(run.stdout.splitlines()) < 70  # one screen: a line per question, then totals
    assert all("not answered yet" in t["output"] for t in report["tests"])


@pytest.mark.slow
def test_report_is_gradescope_shaped_and_names_hold_no_answers(graded, suites):
    report, _ = graded["solutions"]
    assert "seed" in report["output"]
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
    # a test's name is its module and question, never a case or a value
    assert [t["name"] for t in report["tests"]] == [f"{m}: {q.name}" for m, s in sorted(suites.items())
                                                    for q in s.questions]


@pytest.mark.slow
def test_hidden_questions_only_for_the_instructor(tmp_path, run_pytest):
    report = tmp_path / "r.json"
    run = run_pytest("exercises/test_output_size.py", "--grade-against", "solutions", "--grade-instructor",
                     "--grade-json", str(report))
    tests = {t["name"]: t for t in json.loads(report.read_text())["tests"]}
    hidden = tests["output_size: strided_output (large inputs)"]
    assert hidden["visibility"] == "after_published" and hidden["score"] == hidden["max_score"], run.stdout


def test_every_exercise_has_a_graded_test_module(suites):
    modules = {p.stem for p in (ROOT / "solutions").glob("*.py")}
    assert modules == set(suites) == set(ARITHMETIC) | set(KERAS)


def _signatures(path):
    tree = ast.parse(path.read_text())
    return {n.name: (ast.dump(n.args), ast.get_docstring(n)) for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("module", ARITHMETIC + KERAS)
def test_stub_and_solution_share_signatures_and_docstrings(module):
    assert _signatures(ROOT / "exercises" / f"{module}.py") == _signatures(ROOT / "solutions" / f"{module}.py")


def test_exercises_are_generated_from_solutions(tmp_path):
    assert build_stubs(ROOT / "solutions", ROOT / "exercises", check_only=True) == []
    assert len(build_stubs(ROOT / "solutions", tmp_path)) == len(ARITHMETIC) + len(KERAS)


def test_stub_source_rejects_broken_markers():
    with pytest.raises(ValueError, match="never closed"):
        stub_source("def f():\n    # BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(ValueError, match="without # BEGIN SOLUTION"):
        stub_source("def f():\n    # END SOLUTION\n")


# ------------------------------------------------------------- cases and fairness

@pytest.mark.parametrize("module", [pytest.param(m, marks=pytest.mark.keras) if m in KERAS else m for m in sorted(ARITHMETIC + KERAS)])
def test_every_drawn_case_has_a_reference(module, suites):
    # 100 gradings' worth of cases: the instructor's reference never fails on a drawn case
    for seed in range(100):
        for q in suites[module].questions:
            for args, _ in q.plan(__import__("random").Random(seed)):
                if q.answer.reference is not None:
                    q.answer.reference(*args)


def test_cases_are_drawn_from_the_seed(grade):
    def cases(seed):
        return [h for r in grade("output_size", "", seed=seed)[2] for h in r.hints]

    assert cases(1) == cases(1) != cases(2)


@pytest.mark.parametrize("module", ARITHMETIC)
def test_copying_the_slides_earns_at_most_a_fifth(module, suites, grade):
    # answers memorised for the lecture's inputs, zero elsewhere
    suite = suites[module]
    table = {}
    for q in suite.questions:
        for args in q.cases.lecture:
            table[(q.function, repr(args))] = q.answer.reference(*args) if q.answer.key is None else None
    lines = ["ANSWERS = " + repr({k: v for k, v in table.items() if v is not None})]
    for name in {q.function for q in suite.questions}:
        lines.append(f"def {name}(*args):\n    return ANSWERS.get(({name!r}, repr(args)), 0)")
    copied, total, _ = grade(module, "\n".join(lines))
    zeros, _, _ = grade(module, "\n".join(lines[1:]).replace("ANSWERS.get(", "dict().get("))
    assert copied <= zeros + 0.2 * total + 1e-9


ALTERNATIVE = '''
import math
import numpy as np

def valid_output(n, f):
    return np.int64(len(range(f, n + 1)))

def repeated_valid(n, f):
    out = []
    while n >= f:
        n = float(n - f + 1)
        out.append(n)
    return tuple(out)

def pixel_uses(n, f, row, col):
    return sum(1 for i in range(n - f + 1) for j in range(n - f + 1) if i <= row < i + f and j <= col < j + f)

def padded_output(n, f, p):
    return valid_output(n + 2 * p, f)

def same_padding(f):
    return (f - 1) / 2

def strided_output(n, f, p, s):
    return np.floor((n + 2 * p - f) / s) + 1
'''


def test_alternative_correct_answers_get_full_marks(grade):
    score, total, results = grade("output_size", ALTERNATIVE)
    assert score == total, [r.hints for r in results]


def test_numpy_arrays_and_tuples_are_accepted_for_grids(grade, solution):
    source = solution("convolution") + "\nimport numpy as np\n_cc = cross_correlate\n" \
        "def cross_correlate(x, k):\n    return np.array(_cc(x, k), dtype=np.float32)\n"
    score, total, _ = grade("convolution", source)
    assert score == total


MUTANTS = [  # (module, old, new, words the hint must contain)
    ("output_size", "return n - f + 1", "return n - f", "first one included"),
    ("output_size", "return (n + 2 * p - f) // s + 1", "return -(-(n + 2 * p - f) // s) + 1", "round down"),
    ("output_size", "return (n + 2 * p - f) // s + 1", "return (n + 2 * p - f) / s + 1", "rounds down"),
    ("output_size", "return (n + 2 * p - f) // s + 1", "return (n + 2 * p - f) + 1", "stride"),
    ("output_size", "return n + 2 * p - f + 1", "return n + p - f + 1", "both sides"),
    ("parameters", "return (f * f * c_in + 1) * c_out", "return f * f * c_in * c_out", "bias"),
    ("parameters", "return (f * f * c_in + 1) * c_out", "return (f * f + 1) * c_out", "every input channel"),
    ("parameters", "return inputs * units + units", "return inputs * units", "bias"),
    ("mlp_cost", "return params * bits // 8", "return params * bits", "bits, not bytes"),
    ("convolution", "x[i + a][j + b] * k[a][b]", "x[i + a][j + b] * k[f - 1 - a][f - 1 - b]", "flipped"),
    ("pooling", "return [[sum(x[i * s + a][j * s + b] for a in range(f) for b in range(f)) / (f * f)",
     "return [[round(sum(x[i * s + a][j * s + b] for a in range(f) for b in range(f)) / (f * f), 1)", "one decimal"),
    ("pooling", "return [[max(w) for w in row]", "return [[min(w) for w in row]", "largest"),
    ("receptive_field", "jump *= s", "jump = 1", "strides"),
    ("store_activations", "return n_images if cached else n_images * epochs",
     "return n_images * epochs if cached else n_images", "recomputes"),
]


@pytest.mark.parametrize("module, old, new, words", MUTANTS)
def test_mutants_lose_points_with_a_named_slip(module, old, new, words, grade, solution):
    text = solution(module)
    assert old in text, f"mutant anchor {old!r} not in {module}"
    score, total, results = grade(module, text.replace(old, new, 1))
    assert score < total
    hints = " ".join(h for r in results for h in r.hints)
    assert words in hints, hints


def test_hints_never_show_the_expected_value(suites, solution):
    source = solution("parameters").replace("return inputs * units + units", "return inputs * units")
    results = engine.grade_module(suites["parameters"], source, seed=3, timeout=2.0)
    q = next(q for q in suites["parameters"].questions if q.function == "dense_params")
    hints = next(r for r in results if r.question == "dense_params").hints
    plan = q.plan(__import__("random").Random(engine.case_seed(3, "parameters", "dense_params")))
    for (args, _), hint in zip(plan, hints):
        expected = q.answer.reference(*args)
        assert str(expected) not in hint and f"{expected:,}" not in hint


@pytest.mark.keras
def test_keras_hint_names_the_layer_and_the_slip_not_the_formula(grade, solution):
    source = solution("keras_lenet").replace('layers.Conv2D(16, 5, activation="relu", name="conv2")',
                                             'layers.Conv2D(16, 5, activation="relu", name="conv2", use_bias=False)')
    score, total, results = grade("keras_lenet", source, timeout=30)
    hints = " ".join(results[0].hints)
    assert score == 0 and "conv2 has 16 fewer parameters than it should: one bias per filter?" in hints
    assert "2,416" not in hints and "2416" not in hints and "5*5" not in hints


@pytest.mark.keras
def test_keras_sequential_lenet_gets_full_marks(grade):
    source = '''
def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    import keras
    L = keras.layers
    return keras.Sequential([keras.Input(input_shape), L.Conv2D(6, 5, activation="tanh", name="conv1"),
        L.AveragePooling2D(2), L.Conv2D(16, 5, activation="tanh", name="conv2"), L.AveragePooling2D(2),
        L.Flatten(), L.Dense(120, name="fc1"), L.Dense(84, name="fc2"),
        L.Dense(num_classes, activation="softmax", name="fc3")])
'''
    score, total, results = grade("keras_lenet", source, timeout=30)
    assert score == total, [r.hints for r in results]

