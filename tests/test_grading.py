"""The grader itself: stubs score 0, solutions full marks, mutants lose points, an
alternative correct solution earns full marks, hanging or exiting code is contained."""

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnnzoo.grading import build_stubs, stub_source

ROOT = Path(__file__).resolve().parents[1]
ARITHMETIC = ["mlp_cost", "output_size", "convolution", "pooling", "parameters", "receptive_field",
              "store_activations"]


def grade(against, *extra, tmp_path, only=None):
    report = tmp_path / "results.json"
    targets = [str(ROOT / "exercises" / f"test_{m}.py") for m in only] if only else [str(ROOT / "exercises")]
    out = subprocess.run([sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider",
                          "--against", str(against), "--grade-json", str(report), *extra],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert report.exists(), out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(report.read_text()), out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return {name: grade(folder, tmp_path=tmp_path_factory.mktemp(name))
            for name, folder in (("solutions", "solutions"), ("stubs", "exercises"))}


def test_solutions_get_full_marks(graded):
    report, out = graded["solutions"]
    assert report["score"] == report["max_score"] > 0
    assert out.returncode == 0 and "TOTAL" in out.stdout


def test_stubs_score_zero_without_crashing(graded):
    report, out = graded["stubs"]
    assert report["score"] == 0 and report["max_score"] == graded["solutions"][0]["max_score"]
    assert out.returncode == 1  # tests failed, no collection or internal error
    assert "error" not in out.stdout.lower().split("cnnzoo score")[0].splitlines()[-1]
    assert all("not answered yet" in t["output"] for t in report["tests"])


def test_report_is_gradescope_shaped(graded):
    report, _ = graded["solutions"]
    assert set(report) >= {"score", "max_score", "tests"}
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
    # partial credit: a parametrised test shares its points among its cases
    strided = [t for t in report["tests"] if "test_strided_output" in t["name"]]
    assert len(strided) == 10 and abs(sum(t["max_score"] for t in strided) - 3) < 1e-6


def test_every_exercise_has_a_graded_test_module():
    modules = {p.stem for p in (ROOT / "solutions").glob("*.py")}
    tests = {p.stem.removeprefix("test_") for p in (ROOT / "exercises").glob("test_*.py")}
    assert modules == tests == set(ARITHMETIC) | {"keras_lenet"}


def _signatures(path):
    tree = ast.parse(path.read_text())
    return {n.name: (ast.dump(n.args), ast.get_docstring(n)) for n in tree.body
            if isinstance(n, ast.FunctionDef)}  # module-level functions: the graded API


@pytest.mark.parametrize("module", ARITHMETIC + ["keras_lenet"])
def test_stub_and_solution_share_signatures_and_docstrings(module):
    assert _signatures(ROOT / "exercises" / f"{module}.py") == _signatures(ROOT / "solutions" / f"{module}.py")


def test_exercises_are_generated_from_solutions(tmp_path):
    assert build_stubs(ROOT / "solutions", ROOT / "exercises", check_only=True) == []
    out = tmp_path / "ex"
    out.mkdir()
    assert len(build_stubs(ROOT / "solutions", out)) == len(ARITHMETIC) + 1


def test_stub_source_rejects_broken_markers():
    with pytest.raises(ValueError, match="never closed"):
        stub_source("def f():\n    # BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(ValueError, match="without # BEGIN SOLUTION"):
        stub_source("def f():\n    # END SOLUTION\n")


MUTANTS = {
    "output_size": [("return n - f + 1", "return n - f"),                      # off by one
                    ("return (n + 2 * p - f) // s + 1", "return -(-(n + 2 * p - f) // s) + 1"),  # ceil
                    ("return n + 2 * p - f + 1", "return n + p - f + 1")],     # padding on one side
    "parameters": [("return (f * f * c_in + 1) * filters", "return f * f * c_in * filters"),  # no bias
                   ("return (f * f * c_in + 1) * filters", "return (f * f + 1) * filters"),   # no channels
                   ("return n_in * n_out + n_out", "return n_in * n_out")],
    "mlp_cost": [("return params * bits // 8", "return params * bits")],
    "convolution": [("x[i + a][j + b] * k[a][b]", "x[i + a][j + b] * k[f - 1 - a][f - 1 - b]")],  # flipped
    "pooling": [("return [[max(w) for w in row]", "return [[min(w) for w in row]"),
                ("return (n - f) // s + 1", "return (n - f) // s")],
    "receptive_field": [("jump *= s", "jump = s")],
    "store_activations": [("return n_images if cached else n_images * epochs", "return n_images * epochs")],
}


def _mutant_folder(tmp_path, module, old, new):
    folder = tmp_path / "mutant"
    shutil.copytree(ROOT / "solutions", folder, dirs_exist_ok=True)
    text = (folder / f"{module}.py").read_text()
    assert old in text, f"mutant anchor {old!r} not in {module}"
    (folder / f"{module}.py").write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize("module, old, new", [(m, o, n) for m, pairs in MUTANTS.items() for o, n in pairs])
def test_mutants_lose_points(tmp_path, module, old, new):
    report, out = grade(_mutant_folder(tmp_path, module, old, new), tmp_path=tmp_path, only=[module])
    assert 0 <= report["score"] < report["max_score"]
    assert any(t["score"] < t["max_score"] and "you returned" in t["output"] for t in report["tests"])


def test_hints_never_print_the_answer(tmp_path):
    folder = _mutant_folder(tmp_path, "parameters", "return n_in * n_out + n_out", "return n_in * n_out")
    report, out = grade(folder, tmp_path=tmp_path, only=["parameters"])
    failed = [t for t in report["tests"] if "test_dense_params[400-120]" in t["name"]][0]
    assert "did you count the bias?" in failed["output"]
    assert "48120" not in failed["output"] and "48,120" not in failed["output"]
    assert "48120" not in out.stdout


def test_alternative_correct_solution_gets_full_marks(tmp_path):
    folder = tmp_path / "alt"
    shutil.copytree(ROOT / "solutions", folder)
    (folder / "output_size.py").write_text('''
import math

def valid_output(n, f):
    return len(range(f, n + 1))

def repeated_valid(n, f):
    return [n - k * (f - 1) for k in range(1, (n - 1) // (f - 1) + 1 if f > 1 else n + 1)
            if n - (k - 1) * (f - 1) >= f] if f > 1 else [n] * 0

def pixel_uses(n, f, row, col):
    return sum(1 for i in range(n - f + 1) for j in range(n - f + 1)
               if i <= row < i + f and j <= col < j + f)

def padded_output(n, f, p):
    return valid_output(n + 2 * p, f)

def same_padding(f):
    return int((f - 1) / 2)

def strided_output(n, f, p, s):
    return math.floor((n + 2 * p - f) / s) + 1
''')
    report, out = grade(folder, tmp_path=tmp_path, only=["output_size"])
    lost = [t["name"] for t in report["tests"] if t["score"] < t["max_score"]]
    # f == 1 never shrinks the input: the alternative returns [] there, as "while it fits" is endless
    assert all("test_repeated_valid" in name for name in lost), lost


def test_hanging_exiting_and_noisy_code_cost_only_their_test(tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(ROOT / "solutions", folder)
    text = (folder / "receptive_field.py").read_text()
    (folder / "receptive_field.py").write_text(text.replace(
        "    r, jump = 1, 1\n", "    if len(layers) == 2:\n        while True:\n            pass\n"
        "    if len(layers) == 4:\n        import sys; sys.exit(3)\n"
        "    if len(layers) == 3:\n        print('x' * 5_000_000)\n    r, jump = 1, 1\n"))
    report, out = grade(folder, "--grade-timeout", "1", tmp_path=tmp_path, only=["receptive_field"])
    outputs = [t["output"] for t in report["tests"] if t["score"] == 0]
    assert any("ran longer than 1 s" in o for o in outputs)
    assert any("sys.exit(3)" in o for o in outputs)
    assert all(len(t["output"]) <= 2100 for t in report["tests"])
    assert report["score"] > 0  # the other cases still count


def test_arithmetic_exercises_grade_without_tensorflow(tmp_path):
    code = ("import sys, pytest\nsys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
            "rc = pytest.main(['-q', '-p', 'no:cacheprovider', '--against', 'solutions'] + "
            f"[f'exercises/test_{{m}}.py' for m in {ARITHMETIC!r}])\nsys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-2000:]
