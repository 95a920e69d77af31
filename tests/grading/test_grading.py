"""The grader: stubs 0, solutions full, alternatives full, mutants named, and every attack a
student could try scoring no more than its honest score with a complete report."""

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cnnzoo.grading import build_stubs, course, engine, output, stub_source
from cnnzoo.grading.stubs import solution_blocks

ROOT = Path(__file__).resolve().parents[2]
ARITHMETIC = ["mlp_cost", "output_size", "convolution", "pooling", "parameters", "receptive_field",
              "store_activations", "local_features", "channels", "backward", "layer_cost"]
KERAS = ["keras_lenet", "train_lenet", "transfer_head", "visualise"]  # graded in tests/exercises/test_exercises_keras.py
SUITES = {s.module: s for s in engine.load_suites(ROOT / "exercises")}


def solution(module):
    return (ROOT / "solutions" / f"{module}.py").read_text()


def stub(module):
    return (ROOT / "exercises" / f"{module}.py").read_text()


def grade(module, source, seed="fixed", timeout=2.0, **kw):
    results = engine.grade_module(SUITES[module], source, seed=seed, timeout=timeout, **kw)
    return sum(r.score for r in results), sum(r.max_score for r in results), results


def pytest_run(*args, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout)


# ------------------------------------------------------------------ the ground truth

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = {}
    for name, extra in (("solutions", ["--grade-against", "solutions"]), ("stubs", [])):
        report = tmp_path_factory.mktemp(name) / "results.json"
        run = pytest_run("exercises", "--grade-json", str(report), *extra)
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
def test_report_is_gradescope_shaped_and_names_hold_no_answers(graded):
    report, _ = graded["solutions"]
    assert "seed" in report["output"]
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
    # a test's name is its module and question, never a case or a value
    assert [t["name"] for t in report["tests"]] == [f"{m}: {q.name}" for m, s in sorted(SUITES.items())
                                                    for q in s.questions]


@pytest.mark.slow
def test_hidden_questions_only_for_the_instructor(tmp_path):
    report = tmp_path / "r.json"
    run = pytest_run("exercises/test_output_size.py", "--grade-against", "solutions", "--grade-instructor",
                     "--grade-json", str(report))
    tests = {t["name"]: t for t in json.loads(report.read_text())["tests"]}
    hidden = tests["output_size: strided_output (large inputs)"]
    assert hidden["visibility"] == "after_published" and hidden["score"] == hidden["max_score"], run.stdout


def test_every_exercise_has_a_graded_test_module():
    modules = {p.stem for p in (ROOT / "solutions").glob("*.py")}
    assert modules == set(SUITES) == set(ARITHMETIC) | set(KERAS)


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

@pytest.mark.parametrize("module", [pytest.param(m, marks=pytest.mark.keras) if m in KERAS else m for m in sorted(SUITES)])
def test_every_drawn_case_has_a_reference(module):
    # 100 gradings' worth of cases: the instructor's reference never fails on a drawn case
    for seed in range(100):
        for q in SUITES[module].questions:
            for args, _ in q.plan(__import__("random").Random(seed)):
                if q.answer.reference is not None:
                    q.answer.reference(*args)


def test_cases_are_drawn_from_the_seed():
    def cases(seed):
        return [h for r in grade("output_size", "", seed=seed)[2] for h in r.hints]

    assert cases(1) == cases(1) != cases(2)


@pytest.mark.parametrize("module", ARITHMETIC)
def test_copying_the_slides_earns_at_most_a_fifth(module):
    # answers memorised for the lecture's inputs, zero elsewhere
    suite = SUITES[module]
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


def test_alternative_correct_answers_get_full_marks():
    score, total, results = grade("output_size", ALTERNATIVE)
    assert score == total, [r.hints for r in results]


def test_numpy_arrays_and_tuples_are_accepted_for_grids():
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
def test_mutants_lose_points_with_a_named_slip(module, old, new, words):
    text = solution(module)
    assert old in text, f"mutant anchor {old!r} not in {module}"
    score, total, results = grade(module, text.replace(old, new, 1))
    assert score < total
    hints = " ".join(h for r in results for h in r.hints)
    assert words in hints, hints


def test_hints_never_show_the_expected_value():
    source = solution("parameters").replace("return inputs * units + units", "return inputs * units")
    results = engine.grade_module(SUITES["parameters"], source, seed=3, timeout=2.0)
    q = next(q for q in SUITES["parameters"].questions if q.function == "dense_params")
    hints = next(r for r in results if r.question == "dense_params").hints
    plan = q.plan(__import__("random").Random(engine.case_seed(3, "parameters", "dense_params")))
    for (args, _), hint in zip(plan, hints):
        expected = q.answer.reference(*args)
        assert str(expected) not in hint and f"{expected:,}" not in hint


@pytest.mark.keras
def test_keras_hint_names_the_layer_and_the_slip_not_the_formula():
    source = solution("keras_lenet").replace('layers.Conv2D(16, 5, activation="relu", name="conv2")',
                                             'layers.Conv2D(16, 5, activation="relu", name="conv2", use_bias=False)')
    score, total, results = grade("keras_lenet", source, timeout=30)
    hints = " ".join(results[0].hints)
    assert score == 0 and "conv2 has 16 fewer parameters than it should: one bias per filter?" in hints
    assert "2,416" not in hints and "2416" not in hints and "5*5" not in hints


@pytest.mark.keras
def test_keras_sequential_lenet_gets_full_marks():
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


# ---------------------------------------------------------------------- attacks

WAITS_OUT_ITS_DEADLINE = {"close the pipe and sleep", "colliding dict keys"}  # costs the whole timeout: the slow tier

NO_ANSWER_ATTACKS = {
    "patch the grader": "import cnnzoo.grading.questions as q\nq.same = lambda *a, **k: True\n",
    "library answers": "from cnnzoo.arithmetic import conv_output_size\n"
                       "def valid_output(n, f):\n    return conv_output_size(n, f)\n",
    "library through sys.path": "import sys, glob\nsys.path[:0] = glob.glob('/work/*') + glob.glob('/usr/**/site-packages', recursive=True)\n"
                                "import cnnzoo.arithmetic as ar\ndef valid_output(n, f):\n    return ar.conv_output_size(n, f)\n",
    "read the solutions": "import glob\nfor p in glob.glob('/**/solutions/output_size.py', recursive=True):\n"
                          "    exec(open(p).read())\n",
    "read the library source": "import importlib.util, os\nimport numpy\n"
                               "root = os.path.dirname(os.path.dirname(numpy.__file__))\n"
                               "exec(open(os.path.join(root, 'cnnzoo', 'arithmetic.py')).read())\n",
    "frame walk": "import sys\ndef valid_output(n, f):\n    fr = sys._getframe()\n    while fr:\n"
                  "        if 'expected' in fr.f_locals: return fr.f_locals['expected']\n        fr = fr.f_back\n    return -1\n",
    "always equal": "class Yes:\n    def __eq__(self, other): return True\n    __hash__ = object.__hash__\n"
                    "def valid_output(n, f): return Yes()\ndef strided_output(n, f, p, s): return Yes()\n",
    "int subclass": "class Int(int):\n    def __eq__(self, other): return True\n"
                    "def valid_output(n, f): return Int(1)\n",
    "mock": "from unittest import mock\ndef valid_output(n, f): return mock.MagicMock()\n",
    "sys.exit at import": "import sys\nsys.exit(0)\n",
    "os._exit at import": "import os\nos._exit(0)\n",
    "keyboard interrupt": "def valid_output(n, f): raise KeyboardInterrupt\n",
    "kill the grader": "import os, signal\ndef valid_output(n, f):\n    os.kill(os.getppid(), signal.SIGKILL)\n",
    "kill the group": "import os, signal\ndef valid_output(n, f):\n    os.killpg(0, signal.SIGKILL)\n",
    "spawn": "import subprocess\ndef valid_output(n, f):\n    subprocess.Popen(['sleep', '100'])\n",
    "fork": "import os\ndef valid_output(n, f):\n    os.fork()\n",
    "gc walk": "import gc\ndef valid_output(n, f):\n    return len(gc.get_objects())\n",
    "ctypes": "import ctypes\ndef valid_output(n, f):\n    return ctypes.CDLL(None).getppid()\n",
    "parent's command line": "import os\ndef valid_output(n, f):\n"
                             "    return open(f'/proc/{os.getppid()}/cmdline').read()\n",
    "memory hog": "def valid_output(n, f):\n    return len(bytearray(8 << 30))\n",
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    # found by a red-team review: each once scored full marks, hung or killed the grader
    "read through dir_fd": "import os\nroot = os.open('/', os.O_RDONLY)\nfor p in ('work/main/solutions/output_size.py',):\n"
                           "    fd = os.open(p, os.O_RDONLY, dir_fd=root)\n    exec(os.read(fd, 1 << 20).decode())\n",
    "patched os.fsdecode": "import os, glob\nos.fsdecode = lambda p: '/tmp/harmless'\n"
                           "for p in glob.glob('/work/*/solutions/output_size.py'):\n    exec(open(p).read())\n",
    "patched os.sep": "import os, glob\npaths = glob.glob('/work/*/solutions/output_size.py')\nos.sep = '\\0'\n"
                      "for p in paths:\n    exec(open(p).read())\n",
    "fork_exec": "import _posixsubprocess, os\nr, w = os.pipe()\n_posixsubprocess.fork_exec([b'/bin/sh', b'-c', b'true'], "
                 "[b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, "
                 "None, -1, None, False)\n",
    "pidfd kill": "import os, signal\ndef valid_output(n, f):\n"
                  "    signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)\n",
    "close the pipe and sleep": "import os, sys, time\ndef valid_output(n, f):\n    os.close(int(sys.argv[2]))\n"
                                "    while True:\n        time.sleep(1)\n",
    "credit by message": "class missing(Exception):\n    pass\ndef __getattr__(name):\n    def answer(*args):\n"
                         "        raise missing('counted as right')\n    return answer\n",
    "forged reply": "import os, sys\ndef valid_output(n, f):\n    os.write(int(sys.argv[2]), b'{\"op\": \"ready\"}\\n')\n"
                    "    return 0\n",
    "ctypes memory": "import ctypes\ndef valid_output(n, f):\n    return ctypes.c_char.from_address(id(n)).value\n",
    "exec another program": "import os\ndef valid_output(n, f):\n    os.execv('/bin/sh', ['sh'])\n",
    # found by a second review
    "grader's environment": "import os\ndef valid_output(n, f):\n    d = os.open('/proc', os.O_RDONLY)\n"
                            "    fd = os.open(f'{os.getppid()}/environ', os.O_RDONLY, dir_fd=d)\n"
                            "    return len(os.read(fd, 1 << 16))\n",
    "shrunk command pipe": "import fcntl, json, os, sys, time\nfcntl.fcntl(int(sys.argv[1]), 1031, 4096)\n"
                           "line = json.dumps({'op': 'value', 'value': {'t': 'int', 'v': 0}}) + '\\n'\n"
                           "os.write(int(sys.argv[2]), (json.dumps({'op': 'imported'}) + '\\n' + line * 500).encode())\n"
                           "time.sleep(1000)\n",
    "colliding dict keys": "import os, sys, time\nM = (1 << 61) - 1\ndef valid_output(n, f):\n"
                           "    items = ','.join('[{\"t\":\"int\",\"v\":%d},{\"t\":\"int\",\"v\":0}]' % (i * M) for i in range(1, 20001))\n"
                           "    os.write(int(sys.argv[2]), ('{\"op\":\"value\",\"value\":{\"t\":\"dict\",\"v\":[' + items + ']}}\\n').encode())\n"
                           "    time.sleep(100)\n",
    "socket": "import socket\ndef valid_output(n, f):\n    socket.socket(socket.AF_UNIX).connect('/var/run/docker.sock')\n",
    # found by a fourth review
    "a device in its own folder": "import os, stat\ndef valid_output(n, f):\n"
                                  "    os.mknod('kmsg', 0o600 | stat.S_IFCHR, os.makedev(1, 11))\n"
                                  "    return len(os.read(os.open('kmsg', os.O_RDONLY | os.O_NONBLOCK), 100))\n",
    "graph that orders slowly": "import json\nN = 17000\nnodes = [[['a', i + 1, 0]] for i in range(N - 1)] + [[['in', 0, 0]]]\n"
                                "CFG = json.dumps({'class_name': 'Functional', 'config': {'name': 'm', 'layers': [\n"
                                "  {'class_name': 'InputLayer', 'name': 'in', 'config': {'name': 'in', 'batch_shape': [None, 4]}, 'inbound_nodes': []},\n"
                                "  {'class_name': 'ReLU', 'name': 'a', 'config': {'name': 'a'}, 'inbound_nodes': nodes}],\n"
                                "  'input_layers': [['in', 0, 0]], 'output_layers': [['a', 0, 0]]}})\n",
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in WAITS_OUT_ITS_DEADLINE else n
                                  for n in sorted(NO_ANSWER_ATTACKS)])
def test_attacks_without_answers_score_zero(name):
    score, total, results = grade("output_size", NO_ANSWER_ATTACKS[name], timeout=2.0)
    assert score == 0, (name, [r.hints for r in results])
    assert len(results) == len(SUITES["output_size"].questions)


def test_student_code_is_confined_by_the_kernel_where_it_can_be():
    from cnnzoo.grading.runner import StudentProcess

    probe = "import os\ndef read(p):\n    return open(p).read()[:10]\ndef write(p):\n    open(p, 'w').write('x')\n"
    with StudentProcess("probe", probe, timeout=5) as child:
        assert child.call("read", "/etc/hostname").status == "value"  # system files stay readable
        denied = child.call("read", str(ROOT / "solutions" / "output_size.py"))
        assert denied.status == "error" and "PermissionError" in denied.message
        assert child.call("write", "/tmp/cnnzoo-should-not-exist").status == "error"
        sandbox = child.sandbox
    assert not Path("/tmp/cnnzoo-should-not-exist").exists()
    if Path("/sys/kernel/security").exists() and sys.platform == "linux" and "no Landlock" not in sandbox:
        assert "Landlock" in sandbox
    assert sandbox  # always reported, in the report's output too


SANDBOX = r"""
import json, os, signal, socket, sys, threading
sys.path.insert(0, sys.argv[3])
from cnnzoo.grading import sandbox  # the child's own confinement, without its audit hook
os.mkdir(os.path.join(sys.argv[1], "work"))
print(sandbox.confine(sys.argv[1], os.path.join(sys.argv[1], "work"), json.loads(sys.argv[2])), flush=True)
def attempt(name, fn):
    try:
        fn()
        print(name, "ALLOWED", flush=True)
    except OSError:
        print(name, "refused", flush=True)
attempt("read solutions", lambda: open(os.path.join(sys.argv[3], "solutions", "output_size.py")).read())
attempt("read the parent's environ", lambda: open(f"/proc/{os.getppid()}/environ").read())
attempt("write outside", lambda: open("/tmp/cnnzoo-sandbox-escape", "w"))
attempt("fork", os.fork)
attempt("socket", lambda: socket.socket(socket.AF_UNIX))
attempt("signal the parent", lambda: os.kill(os.getppid(), 0))
attempt("exec", lambda: os.execv("/bin/true", ["true"]))
attempt("make a device", lambda: os.mknod(os.path.join(sys.argv[1], "tty"), 0o600 | 0o020000, os.makedev(4, 1)))
attempt("real-time priority", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)))
t = threading.Thread(target=lambda: None); t.start(); t.join()
os.kill(os.getpid(), 0)
open(os.path.join(sys.argv[1], "work", "own.txt"), "w").write("ok")
attempt("write the module folder", lambda: open(os.path.join(sys.argv[1], "mine.py"), "w"))
print("threads, own signals and own folder work", flush=True)
"""


def test_kernel_sandbox_holds_without_the_audit_hook(tmp_path):
    from cnnzoo.grading.roots import read_roots

    if sys.platform != "linux":
        pytest.skip("Landlock and seccomp are Linux's")
    roots = read_roots([str(ROOT)], [str(ROOT / "solutions")])
    run = subprocess.run([sys.executable, "-I", "-c", SANDBOX, str(tmp_path), json.dumps(roots), str(ROOT)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stderr[-2000:]
    if "no Landlock" in lines[0] or "no seccomp" in lines[0]:
        pytest.skip(f"this kernel lacks a layer: {lines[0]}")
    assert [line for line in lines[1:] if "ALLOWED" in line] == [], lines
    assert lines[-1] == "threads, own signals and own folder work"


@pytest.mark.slow
def test_grading_with_cnnzoo_installed_as_a_package(tmp_path):
    # site-packages is readable by the child; the cnnzoo package inside it is not
    site = tmp_path / "site"
    shutil.copytree(ROOT / "cnnzoo", site / "cnnzoo", ignore=shutil.ignore_patterns("__pycache__"))
    steal = ("import os, numpy\nfd = os.open('" + str(site) + "', os.O_RDONLY)\n"
             "src = os.read(os.open('cnnzoo/arithmetic/sizes.py', os.O_RDONLY, dir_fd=fd), 1 << 20)\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1])\nimport cnnzoo\nassert cnnzoo.__file__.startswith(sys.argv[1])\n"
            "from cnnzoo.grading import engine\nsuite = [s for s in engine.load_suites(sys.argv[2]) if s.module == 'output_size'][0]\n"
            "for src in (sys.argv[3], sys.argv[4]):\n"
            "    r = engine.grade_module(suite, src, seed=1, timeout=5)\n    print(sum(x.score for x in r))\n")
    run = subprocess.run([sys.executable, "-c", code, str(site), str(ROOT / "exercises"), steal,
                          solution("output_size")], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["0.0", "10.0"]


def test_shared_ids_and_odd_names_never_overwrite_a_grade(tmp_path):
    import csv

    subs = tmp_path / "subs"
    shutil.copytree(ROOT / "solutions", subs / "alice")
    with zipfile.ZipFile(subs / "alice.zip", "w") as zf:
        zf.writestr("output_size.py", "def valid_output(n, f):\n    return 0\n")
    with zipfile.ZipFile(subs / "grades.csv.zip", "w") as zf:
        zf.writestr("output_size.py", solution("output_size"))
    questions = tmp_path / "questions"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    path = course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    rows = {r["student"]: r for r in csv.DictReader(path.open())}
    # a crafted name never costs the student it collides with: both are graded apart, and flagged
    alice = [r for name, r in rows.items() if name.startswith("alice~")]
    assert "alice" not in rows and sorted(float(r["score"]) for r in alice) == [0, 10]
    assert all("share the id alice" in r["problem"] for r in alice)
    assert float(rows["grades.csv"]["score"]) == 10 and path.is_file()


def test_honest_answers_in_ordinary_python_are_not_penalised():
    header = ("import subprocess, asyncio, unittest.mock, cProfile, collections, tempfile\n"  # imports a student leaves
              "cProfile.run('sum(range(10))')\nopen('scratch.txt', 'w').write('notes')\n")
    score, total, results = grade("output_size", header + solution("output_size"))
    assert score == total, [r.hints for r in results]
    shape = ("import collections\nShape = collections.namedtuple('Shape', 'h w c')\n_v = vgg16_feature_shape\n"
             "def vgg16_feature_shape(n):\n    return Shape(*_v(n))\n")
    score, total, results = grade("store_activations", solution("store_activations") + shape)
    assert score == total, [r.hints for r in results]
    ordered = ("import collections\n_l = lenet5_answers\ndef lenet5_answers(*a):\n    out = _l(*a)\n"
               "    return collections.OrderedDict(out, params=collections.defaultdict(int, out['params']))\n")
    score, total, results = grade("parameters", solution("parameters") + ordered)
    assert score == total, [r.hints for r in results]


@pytest.mark.slow
def test_machine_secrets_and_the_graders_folders_stay_unreadable(tmp_path):
    course_dir = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", course_dir / "solutions")
    shutil.copytree(ROOT / "exercises", course_dir / "exercises")
    (course_dir / "subs" / "mallory").mkdir(parents=True)
    (course_dir / "subs" / "mallory" / "output_size.py").write_text(
        "import os\ndef valid_output(n, f):\n    seen = []\n"
        "    for p in ('/etc/shadow', '/dev/kmsg', '../../solutions/output_size.py', '"
        + str(course_dir / "solutions" / "output_size.py") + "', '" + str(course_dir / "grade.py") + "'):\n"
        "        try:\n            open(p, 'rb').read(1)\n            seen.append(p)\n        except OSError:\n            pass\n"
        "    print('READ', seen)\n    return 0\n")
    (course_dir / "grade.py").write_text(  # an instructor's script: its folder is sys.path[0]
        "from cnnzoo.grading import course\n"
        "course.grade_class('subs', 'out', questions='exercises', hidden='solutions/hidden', progress=False)\n")
    run = subprocess.run([sys.executable, "grade.py"], cwd=course_dir, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = (course_dir / "out" / "students" / "mallory" / "results.json").read_text()
    assert "READ []" in report, report[-2000:]


def test_a_huge_model_config_is_refused_before_it_is_read():
    layers = [{"class_name": "InputLayer", "name": "l0", "config": {"name": "l0", "batch_shape": [None, 4]},
               "inbound_nodes": []}]
    layers += [{"class_name": "ReLU", "name": f"l{i}", "config": {"name": f"l{i}"},
                "inbound_nodes": [[[f"l{i - 1}", 0, 0]]]} for i in range(1, 3000)]
    config = json.dumps({"class_name": "Functional", "config": {"name": "big", "layers": layers[::-1],
                         "input_layers": [["l0", 0, 0]], "output_layers": [["l2999", 0, 0]]}})
    from cnnzoo.grading.hints import model_hint

    assert "far larger" in model_hint(config, "lenet5")


def test_slowly_ordered_graph_is_refused_quickly():
    import cnnzoo

    exec(NO_ANSWER_ATTACKS["graph that orders slowly"], scope := {})
    compact = json.dumps(json.loads(scope["CFG"]), separators=(",", ":"))  # under the size cap
    with pytest.raises(ValueError, match="too large to walk"):
        cnnzoo.summarize(compact)


def test_student_text_cannot_forge_the_table_or_a_spreadsheet_formula(tmp_path):
    import csv

    from cnnzoo.grading import report

    fake = "\\r\\x1b[2K\\x1b[1A\\noutput_size   10/10  ok\\nTOTAL   10/10\\x1b[8m"
    source = "def __getattr__(name):\n    def answer(*args):\n        raise ValueError('" + fake + "')\n    return answer\n"
    score, _, results = grade("output_size", source)
    text = report.table(results)
    assert score == 0 and "\x1b" not in text and "\r" not in text and sum(line.startswith("TOTAL") for line in text.splitlines()) == 1
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "=SUM(1+1)*cmd|' -c calc'!A1.zip").write_bytes(b"not a zip")
    questions = tmp_path / "q"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    path = course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    for row in csv.reader(path.open()):
        assert not any(cell[:1] in "=+-@" and cell for cell in row), row


def test_honest_work_is_not_penalised_by_where_things_are(tmp_path):
    # the report in a folder that holds the temporary folders; a module importing the student's other one
    folder = tmp_path / "work"
    shutil.copytree(ROOT / "solutions", folder)
    text = (folder / "pooling.py").read_text()
    (folder / "pooling.py").write_text("import numpy.testing  # left over from a notebook\n"
                                       "import matplotlib.pyplot as plt\nfrom output_size import strided_output\n" + text)
    report_path = Path("/tmp") / f"cnnzoo-report-{tmp_path.name}.json"
    try:
        pytest_run("exercises/test_pooling.py", "exercises/test_output_size.py", "--grade-against", str(folder),
                   "--grade-json", str(report_path))
        data = json.loads(report_path.read_text())
        assert data["score"] == data["max_score"], [t["output"] for t in data["tests"] if t["score"] < t["max_score"]]
    finally:
        report_path.unlink(missing_ok=True)


def test_a_blocked_folder_that_holds_the_libraries_does_not_block_them():
    from cnnzoo.grading.runner import StudentProcess

    # e.g. a report written to /tmp by a grader whose venv is in /tmp (a fresh clone in CI)
    around = str(Path(sys.prefix).resolve().parent)
    source = "import numpy\ndef f():\n    import matplotlib  # read from site-packages after the hook is on\n    return 3\n"
    with StudentProcess("m", source, blocked=(around,)) as child:
        assert child.call("f").value == 3


def test_a_resubmission_gets_new_cases():
    assert course.student_seed("s", "ada", {"m": "a"}) == course.student_seed("s", "ada", {"m": "a"})
    assert course.student_seed("s", "ada", {"m": "a"}) != course.student_seed("s", "ada", {"m": "b"})


def test_printed_output_reaches_the_feedback_without_flush():
    source = solution("output_size").replace("    return n - f + 1\n", "    print('thinking about', n, f)\n    return n - f + 1\n")
    _, _, results = grade("output_size", source)
    assert "thinking about" in results[0].output


@pytest.mark.parametrize("kind", ["encrypted", "corrupt deflate", "unknown method"])
def test_broken_zips_are_reported_not_fatal(tmp_path, kind):
    import io
    import struct

    subs = tmp_path / "subs"
    subs.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if kind == "corrupt deflate" else zipfile.ZIP_STORED) as zf:
        zf.writestr("output_size.py", solution("output_size") * (10 if kind == "corrupt deflate" else 1))
    data = bytearray(buf.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    if kind == "encrypted":
        data[local + 6] |= 1
        data[central + 8] |= 1
    elif kind == "unknown method":
        data[local + 8:local + 10] = data[central + 10:central + 12] = struct.pack("<H", 99)
    else:
        start = local + 30 + sum(struct.unpack("<HH", data[local + 26:local + 30]))
        data[start:start + 2] = b"\xff\xff"
    (subs / "mallory.zip").write_bytes(bytes(data))
    shutil.copytree(ROOT / "solutions", subs / "alice")
    questions = tmp_path / "questions"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    import csv

    path = course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    rows = {r["student"]: r for r in csv.DictReader(path.open())}
    said = "compressed with method 99" if kind == "unknown method" else "not a readable zip file"
    assert float(rows["mallory"]["score"]) == 0 and said in rows["mallory"]["problem"]
    assert float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) == 10


@pytest.mark.slow
def test_a_forged_model_config_cannot_stall_the_grader():
    nested = {"class_name": "Sequential", "config": {"name": "m0", "layers": [
        {"class_name": "Activation", "config": {"name": "act", "activation": "relu"}}]}}
    for depth in range(1, 13):  # each level calls the one inside it ten times: 10**12 calls unbounded
        nodes = [[["in", 0, 0]]] + [[["inner", i, 0]] for i in range(9)]
        nested = {"class_name": "Functional", "config": {
            "name": f"m{depth}", "input_layers": [["in", 0, 0]], "output_layers": [["inner", 9, 0]],
            "layers": [{"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [None, 4]},
                        "inbound_nodes": []}, {**nested, "name": "inner", "inbound_nodes": nodes}]}}
    source = ("import json, os, sys\nCFG = " + repr(json.dumps(nested)) + "\n"
              "def build_lenet5(input_shape=(32, 32, 1), num_classes=10):\n"
              "    line = json.dumps({'op': 'value', 'value': {'t': 'keras_model', 'config': CFG, 'weights': []}})\n"
              "    os.write(int(sys.argv[2]), (line + '\\n').encode())\n    import time; time.sleep(60)\n")
    score, _, results = grade("keras_lenet", source, timeout=30)
    assert score == 0 and "too large to walk" in results[0].hints[0]


@pytest.mark.slow
def test_hanging_code_everywhere_grades_in_functions_times_limit():
    source = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nimport threading\n" \
             "threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()\n" + "\n".join(
                 f"def {q.function}(*a):\n    while True:\n        pass\n" for q in SUITES["output_size"].questions)
    score, _, results = grade("output_size", source, timeout=0.5)
    assert score == 0
    # each function is called once: its first case times out, the others are not run
    for function in {q.function for q in SUITES["output_size"].questions}:
        hints = [h for r, q in zip(results, SUITES["output_size"].questions) if q.function == function for h in r.hints]
        assert sum("ran longer than" in h or "more than 0.5 s of CPU" in h for h in hints) == 1, hints
        assert sum("timed out on an earlier case" in h for h in hints) == len(hints) - 1


@pytest.mark.slow
def test_c_level_loop_and_import_loop_are_killed():
    regex = "import re\ndef valid_output(n, f):\n    return re.match('(a*)*b', 'a' * 40)\n"
    assert grade("output_size", regex, timeout=1.0)[0] == 0
    score, _, results = grade("output_size", "while True:\n    pass\n", timeout=1.0)
    assert score == 0  # the import is tried once; every case reports it
    hints = [h for r in results for h in r.hints]
    assert all("took longer than 1 s" in h or "timed out on an earlier case" in h for h in hints), hints


def test_one_crashing_case_costs_only_that_case():
    text = solution("receptive_field").replace(
        "    r, jump = 1, 1\n", "    if len(layers) == 2:\n        import os; os._exit(1)\n"
        "    if len(layers) == 3:\n        print('x' * 5_000_000)\n    r, jump = 1, 1\n")
    score, total, results = grade("receptive_field", text)
    assert 0 < score < total or score == total  # the lecture case (two layers) crashes; the rest count
    assert len(results[0].output) <= 2100
    if any(len(args) == 2 for args, _ in SUITES["receptive_field"].questions[0].plan(__import__("random").Random(0))):
        assert any("ended the Python process" in h for h in results[0].hints)


@pytest.mark.slow
def test_atexit_and_fake_report_cannot_change_the_grade(tmp_path):
    folder = tmp_path / "sub"
    shutil.copytree(ROOT / "exercises", folder)
    report = tmp_path / "results.json"
    (folder / "output_size.py").write_text(
        "import atexit, json, os\n"
        f"FAKE = {{'score': 999, 'max_score': 999, 'tests': []}}\n"
        f"def write():\n    open({str(report)!r}, 'w').write(json.dumps(FAKE))\n"
        "atexit.register(write)\n"
        "try:\n    write()\nexcept Exception:\n    pass\n")
    (folder / "conftest.py").write_text("import json\n")  # ignored: the test modules are the instructor's
    run = pytest_run("exercises", "--grade-against", str(folder), "--grade-json", str(report))
    data = json.loads(report.read_text())
    assert data["score"] == 0 and data["max_score"] > 50, run.stdout[-2000:]


def test_one_module_exiting_leaves_the_others_graded():
    sources = {m: solution(m) for m in ("output_size", "pooling")}
    sources["output_size"] = "import sys\nsys.exit(3)\n" + sources["output_size"]
    results = engine.grade_submission([SUITES["output_size"], SUITES["pooling"]], sources, seed=1, timeout=2)
    got = engine.summary(results)["modules"]
    assert got["output_size"][0] == 0 and got["pooling"][0] == got["pooling"][1]


# ------------------------------------------------------------------ course workflow

@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return course.release(tmp_path_factory.mktemp("release"))


def _solution_bodies():
    for path in (ROOT / "solutions").glob("*.py"):
        for body in solution_blocks(path.read_text()):
            lines = [line.strip() for line in body.splitlines() if len(line.strip()) > 12]
            yield path.name, lines


def test_release_holds_no_solution_text(released):
    texts = {p.name: p.read_text() for p in released["student"].iterdir() if p.suffix != ".whl"}
    with zipfile.ZipFile(released["autograder"]) as zf:
        # the bundle is the grader's (references inside, as Gradescope's are); its library aside,
        # it carries no solution either
        texts.update({n: zf.read(n).decode() for n in zf.namelist() if not n.endswith(".whl")})
    with zipfile.ZipFile(released["wheel"]) as zf:  # the library: no course in it
        assert not [n for n in zf.namelist() if "course_template" in n or n.startswith(("solutions", "exercises"))]
    for name, lines in _solution_bodies():
        for line in lines:
            leaks = [where for where, text in texts.items() if line in text]
            assert not leaks, f"{name}: {line!r} appears in {leaks}"


@pytest.mark.slow
def test_release_student_folder_grades_stubs_zero(released, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(released["student"], folder)
    report = tmp_path / "r.json"
    run = pytest_run(".", "--grade-json", str(report), cwd=folder)
    assert json.loads(report.read_text())["score"] == 0, run.stdout[-2000:]
    names = {p.name for p in folder.iterdir()}
    assert {"README.md", "conftest.py", "output_size.py", "test_output_size.py"} <= names
    assert "hidden" not in names and not any("large inputs" in p.read_text() for p in folder.glob("*.py"))


@pytest.mark.slow
def test_autograder_bundle_grades_a_submission(released, tmp_path):
    with zipfile.ZipFile(released["autograder"]) as zf:
        zf.extractall(tmp_path / "source")
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())
    run = (tmp_path / "source" / "run_autograder").read_text()
    assert 'exercises autograde "$ROOT/submission"' in run and "AUTOGRADER_ROOT:-/autograder" in run
    for name, folder, full in (("good", ROOT / "solutions", True), ("stubs", ROOT / "exercises", False)):
        data = course.autograde(folder, tmp_path / f"{name}.json", questions=tmp_path / "source" / "questions",
                                timeout=10)
        assert (data["score"] == data["max_score"]) if full else data["score"] == 0
        assert "output_size: strided_output (large inputs)" in {t["name"] for t in data["tests"]}


def _class(folder):
    folder.mkdir()
    shutil.copytree(ROOT / "solutions", folder / "ada")
    shutil.copytree(ROOT / "exercises", folder / "bo")
    with zipfile.ZipFile(folder / "cy.zip", "w") as zf:  # nested folder, extra files that must be ignored
        for module in ARITHMETIC:
            zf.writestr(f"work/deep/{module}.py", solution(module).replace("return n - f + 1", "return n - f"))
        zf.writestr("work/conftest.py", "raise SystemExit('never imported')")
        zf.writestr("sitecustomize.py", "raise SystemExit('never imported')")
    (folder / "dee.zip").write_bytes(b"not a zip")
    (folder / "eve").mkdir()
    (folder / "fay").mkdir()
    (folder / "fay" / "output_size.py").write_text("while True:\n    pass\n")
    return folder


@pytest.mark.slow
def test_class_grading_parallel_equals_serial_and_resumes(tmp_path):
    subs = _class(tmp_path / "subs")
    questions = tmp_path / "questions"  # the arithmetic suites only: the Keras one is graded above
    questions.mkdir()
    for module in ARITHMETIC:
        shutil.copy(ROOT / "exercises" / f"test_{module}.py", questions)
    kw = dict(questions=questions, seed="course", timeout=1.0, progress=False)
    one = course.grade_class(subs, tmp_path / "one", workers=1, **kw).read_text()
    two = course.grade_class(subs, tmp_path / "two", workers=2, **kw).read_text()
    assert one == two
    rows = {line.split(",")[0]: line.split(",") for line in one.splitlines()[1:]}
    assert float(rows["ada"][1]) == float(rows["ada"][2]) > 0
    assert float(rows["bo"][1]) == 0 and float(rows["eve"][1]) == 0 and float(rows["fay"][1]) == 0
    assert 0 < float(rows["cy"][1]) < float(rows["cy"][2])
    assert "not a readable zip" in rows["dee"][-1] and "no exercise modules" in rows["eve"][-1]
    assert (tmp_path / "one" / "students" / "ada" / "feedback.txt").exists()
    report = tmp_path / "one" / "students" / "ada" / "results.json"
    stamp = report.stat().st_mtime_ns
    again = course.grade_class(subs, tmp_path / "one", workers=1, **kw).read_text()
    assert again == one and report.stat().st_mtime_ns == stamp  # already graded: skipped, not redone


def test_cli_exercises_errors_exit_2(tmp_path):
    from cnnzoo.cli import main

    assert main(["exercises", "grade"]) == 2
    assert main(["exercises", "grade", str(tmp_path / "missing")]) == 2


@pytest.mark.parametrize("split", [0, 1, 5, len(output.MARK) - 1, len(output.MARK)])
def test_printed_output_is_matched_to_its_reply_by_the_mark_wherever_reads_split_it(split):
    """The child writes MARK before each reply; the drain counts marks across any split."""
    import io

    stream = b"before\n" + output.MARK + b"after\n" + output.MARK
    chunks = [stream[:7 + split], stream[7 + split:]]

    class Reads(io.RawIOBase):
        def read1(self, n):
            return chunks.pop(0) if chunks else b""

    out = output.Output(Reads())
    assert out.take(2, wait=5) == "before\nafter\n" and out.marks >= 2
