"""Shared fixtures. TensorFlow's log noise is kept out; Keras loads only in tests that ask.

Tests marked ``@pytest.mark.isolated`` run in a child pytest process with a time limit:
they exercise native TensorFlow code that has crashed the interpreter here (oneDNN's
``conv2d_backprop_filter``), and a crash there must become one failed test with a
message, never a dead test run.
"""

import os
import signal
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "isolated(timeout=300): run in a child process; a crash or hang fails only this test")


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
