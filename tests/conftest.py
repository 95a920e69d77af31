"""Shared fixtures. TensorFlow's log noise is kept out; Keras loads only in tests that ask.

Tests marked ``@pytest.mark.isolated`` run in a child pytest process with a time limit:
they exercise native TensorFlow code that has crashed the interpreter here (oneDNN's
``conv2d_backprop_filter``), and a crash there must become one failed test with a
message, never a dead test run.
"""

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_CHILD = "CNNZOO_ISOLATED_CHILD"
_DEFAULT_TIMEOUT = 300


@pytest.fixture(scope="session")
def keras():
    import keras as _keras

    return _keras


@pytest.fixture(scope="session")
def tf():
    import tensorflow as _tf

    return _tf


# ------------------------------------------------------------ the stock course, graded in-process

@pytest.fixture(scope="session")
def suites():
    """The stock course's suites by module name (``exercises/``)."""
    from cnnzoo.grading import engine

    return {suite.module: suite for suite in engine.load_suites(ROOT / "exercises")}


@pytest.fixture(scope="session")
def numpy_modules(suites):
    """The stock course's modules graded without Keras."""
    return sorted(module for module, suite in suites.items() if "keras" not in suite.allow)


@pytest.fixture(scope="session")
def run_pytest():
    """``run_pytest(*args, cwd=..., timeout=...)``: pytest in a child process, its output captured."""

    def run_pytest(*args, cwd=ROOT, timeout=300):
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                              capture_output=True, text=True, cwd=cwd, timeout=timeout)

    return run_pytest


@pytest.fixture(scope="session")
def solution():
    """``solution(module)``: the reference answer's source (``solutions/<module>.py``)."""
    return lambda module: (ROOT / "solutions" / f"{module}.py").read_text()


@pytest.fixture(scope="session")
def stub():
    """``stub(module)``: the student's starting file (``exercises/<module>.py``)."""
    return lambda module: (ROOT / "exercises" / f"{module}.py").read_text()


@pytest.fixture(scope="session")
def grade(suites):
    """``grade(module, source, seed=..., timeout=..., **kw)``: (score, total, results) of one source."""
    from cnnzoo.grading import engine

    def grade(module, source, seed="fixed", timeout=2.0, **kw):
        results = engine.grade_module(suites[module], source, seed=seed, timeout=timeout, **kw)
        return sum(r.score for r in results), sum(r.max_score for r in results), results

    return grade


@pytest.fixture(scope="session")
def mutant(solution, grade):
    """``mutant(module, [(old, new), ...], seed=...)``: the solution with each ``old`` replaced once,
    graded; results by question. An anchor missing from the solution fails the test."""
    def mutant(module, replacements, seed="fixed"):
        text = solution(module)
        for old, new in replacements:
            assert old in text, f"mutant anchor {old!r} not in {module}"
            text = text.replace(old, new, 1)
        return {r.question: r for r in grade(module, text, seed=seed)[2]}

    return mutant


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "isolated(timeout=300): run in a child process; a crash or hang fails only this test")
    if _keras_free(config):
        sys.meta_path.insert(0, _NoKeras())


def _keras_free(config) -> bool:
    """The Keras-free tier (``-m "not keras ..."``, ``make fast``) is asked for."""
    return "not keras" in (config.option.markexpr or "")


class _NoKeras:
    """Keras and TensorFlow refused in the Keras-free tier: a test that loads them unmarked fails.

    They are still *found* (``importlib.util.find_spec`` says installed, as it does for a user
    who has them); only running their import fails.
    """

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("keras", "tensorflow"):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError(f"{module.__name__} imported in the Keras-free tier: mark the test @pytest.mark.keras")


def pytest_ignore_collect(collection_path, config):
    """A module marked keras as a whole is not even imported in the Keras-free tier."""
    if _keras_free(config) and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return _WHOLE_MODULE_MARK in collection_path.read_text(encoding="utf-8") or None
    return None


_WHOLE_MODULE_MARK = "pytestmark = pytest.mark.keras"


def pytest_collection_modifyitems(config, items):
    """A test that asks for the ``keras`` or ``tf`` fixture needs Keras: marked so."""
    for item in items:
        if {"keras", "tf"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.keras)


def _run_child(item):
    """Run one test in a fresh pytest; return (outcome, message)."""
    marker = item.get_closest_marker("isolated")
    timeout = marker.kwargs.get("timeout", _DEFAULT_TIMEOUT)
    command = [sys.executable, "-m", "pytest", item.nodeid, "-q", "--no-header", "-p", "no:cacheprovider",
               "-W", "ignore::DeprecationWarning"]
    env = {**os.environ, _CHILD: "1"}
    try:
        run = subprocess.run(command, cwd=item.config.rootpath, env=env, capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        tail = (err.stdout or b"")[-2000:]
        tail = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
        return "failed", f"isolated test ran past {timeout} s and was killed\n{tail}"
    output = (run.stdout + run.stderr)[-4000:]
    if run.returncode < 0:
        name = signal.Signals(-run.returncode).name
        return "failed", f"the test process died of {name} (a native crash, isolated here)\n{output}"
    if run.returncode == 0:
        return ("skipped" if " skipped" in run.stdout and " passed" not in run.stdout else "passed"), ""
    return "failed", f"isolated test failed (exit {run.returncode})\n{output}"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """An isolated test's body runs in the child; fixtures are set up here as usual."""
    if pyfuncitem.get_closest_marker("isolated") is None or os.environ.get(_CHILD):
        return None
    outcome, message = _run_child(pyfuncitem)
    if outcome == "failed":
        pytest.fail(message, pytrace=False)
    if outcome == "skipped":
        pytest.skip("skipped in the isolated process")
    return True

# a worker script tests/test_keras_engine.py runs in its own processes, not a test module
collect_ignore = ["keras_engine_worker.py"]
