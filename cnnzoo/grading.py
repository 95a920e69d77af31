"""A pytest plugin that grades the exercises: points, hints, time limits, score table, JSON.

Enabled by ``exercises/conftest.py`` (``pytest_plugins = ["cnnzoo.grading"]``).

- ``@pytest.mark.points(n)``: a test is worth ``n`` points; a parametrised test shares
  its ``n`` points among its cases (partial credit).
- ``@pytest.mark.hidden``: runs only with ``--instructor``; ``hidden`` in the JSON report.
- ``--against solutions``: grade the modules in ``solutions/`` instead of ``exercises/``.
- ``--grade-json PATH``: write a Gradescope ``results.json`` (atomically).
- ``--grade-timeout SECONDS`` (default 5): a test that runs longer fails, the run goes on.

Tests fail through :func:`check`, whose message is a hint that never shows the answer.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

__all__ = ["Wrong", "TimeLimit", "check", "student_module", "build_stubs", "stub_source", "registered"]

_OUTPUT_LIMIT = 2000  # characters of a test's output kept in the report


class Wrong(AssertionError):
    """A wrong answer; the message is a hint that points at the idea."""


class TimeLimit(Exception):
    """The student's code ran past the time limit."""


def check(got: Any, expected: Any, hint: str) -> None:
    """Fail with ``hint`` (never the expected value) unless ``got == expected``.

    >>> check(28, 28, "n - f + 1")
    >>> check(27, 28, "n - f + 1")
    Traceback (most recent call last):
    ...
    cnnzoo.grading.Wrong: n - f + 1 (you returned 27)
    """
    if isinstance(got, Exception):
        raise got
    if _normal(got) != _normal(expected):
        shown = repr(got)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise Wrong(f"{hint} (you returned {shown})")


def _normal(value: Any) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ------------------------------------------------------------------- student modules

_STATE: dict[str, Any] = {"against": "exercises", "root": None, "registered": False}


def registered() -> bool:
    """True once pytest has loaded this plugin (through its entry point or a conftest)."""
    return bool(_STATE["registered"])


def student_module(name: str) -> ModuleType:
    """Load ``<against>/<name>.py`` fresh (``exercises`` by default, or ``--against``).

    A syntax error or an import-time crash in a student's file fails the tests that use
    it, not the whole run.
    """
    root = Path(_STATE["root"] or Path.cwd())
    folder = Path(_STATE["against"])
    if not folder.is_absolute():
        folder = root / folder
    path = folder / f"{name}.py"
    if not path.exists():
        raise FileNotFoundError(f"no module {name}.py in {folder}")
    spec = importlib.util.spec_from_file_location(f"_graded_{folder.name}_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as err:  # noqa: BLE001  (the student's file may raise anything)
        raise Wrong(f"{name}.py does not load: {type(err).__name__}: {err}") from None
    return module


# ------------------------------------------------------------------------ pytest hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    _STATE["registered"] = True
    group = parser.getgroup("cnnzoo grading")
    group.addoption("--against", default="exercises",
                    help="folder whose modules are graded: exercises (default) or solutions")
    group.addoption("--grade-json", default=None, metavar="PATH",
                    help="write a Gradescope-compatible results.json here")
    group.addoption("--grade-timeout", type=float, default=5.0, metavar="SECONDS",
                    help="time limit per test (default 5 s)")
    group.addoption("--instructor", action="store_true", help="also run tests marked hidden")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "hidden: graded only in the instructor's run")
    _STATE["against"] = config.getoption("against")
    _STATE["root"] = str(config.rootpath)
    config._cnnzoo_results = []  # type: ignore[attr-defined]
    timeout = config.getoption("grade_timeout")
    if timeout is not None and timeout <= 0:
        raise pytest.UsageError(f"--grade-timeout must be positive; got {timeout}")


@dataclass
class _Result:
    module: str
    name: str
    max_score: float
    score: float
    output: str
    visibility: str


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    groups: dict[tuple[str, str], list[pytest.Item]] = defaultdict(list)
    for item in items:
        if item.get_closest_marker("points") is None:
            continue  # not a graded test: the library's own tests pass through untouched
        if item.get_closest_marker("hidden") and not config.getoption("instructor"):
            item.add_marker(pytest.mark.skip(reason="hidden test: graded by the instructor"))
        groups[(str(item.path), getattr(item, "originalname", item.name))].append(item)
    if groups and config.option.tbstyle == "auto":
        config.option.tbstyle = "line"  # hints, not tracebacks that may show the answer
    for group in groups.values():
        marker = group[0].get_closest_marker("points")
        points = float(marker.args[0]) if marker and marker.args else 1.0
        for item in group:
            item._cnnzoo_points = points / len(group)  # type: ignore[attr-defined]


def _alarm(seconds: float) -> Any:
    """Arm a SIGALRM that raises TimeLimit in the main thread; return the disarm function."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return lambda: None

    def ring(signum: int, frame: Any) -> None:
        raise TimeLimit(f"your code ran longer than {seconds:g} s (an endless loop?)")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)

    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    return disarm


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    if getattr(item, "_cnnzoo_points", None) is None:
        yield
        return
    disarm = _alarm(item.config.getoption("grade_timeout"))
    try:
        yield
    finally:
        disarm()


def _hint(excinfo: Any) -> str:
    err = excinfo.value
    if isinstance(err, (Wrong, TimeLimit)):
        return str(err)
    if isinstance(err, NotImplementedError):
        return "not answered yet (the function still raises NotImplementedError)"
    if isinstance(err, SystemExit):
        return f"your code called sys.exit({err.code!r}); return a value instead"
    if isinstance(err, AssertionError):
        return "wrong answer"
    return f"your code raised {type(err).__name__}: {err}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    report = outcome.get_result()
    points = getattr(item, "_cnnzoo_points", None)
    if points is None or report.when not in ("setup", "call"):
        return
    if report.when == "setup" and report.passed:
        return
    if report.skipped:
        return
    hint = ""
    if report.failed and call.excinfo is not None:
        hint = _hint(call.excinfo)
        report.longrepr = f"{item.nodeid}: {hint}"
    captured = "".join(text for _, text in report.sections)[:_OUTPUT_LIMIT]
    visibility = "hidden" if item.get_closest_marker("hidden") else "visible"
    item.config._cnnzoo_results.append(_Result(  # type: ignore[attr-defined]
        module=item.path.stem.removeprefix("test_"), name=item.nodeid.split("::", 1)[-1],
        max_score=points, score=points if report.passed else 0.0,
        output=(hint + ("\n" + captured if captured else "")).strip(), visibility=visibility))


def _table(results: list[_Result]) -> list[str]:
    per: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in results:
        per[r.module][0] += r.score
        per[r.module][1] += r.max_score
    width = max([len(m) for m in per] + [6])
    lines = [f"{'module':{width}s}  score", "-" * (width + 16)]
    for module in sorted(per):
        got, out_of = per[module]
        lines.append(f"{module:{width}s}  {got:5.1f} / {out_of:5.1f}")
    total = sum(r.score for r in results), sum(r.max_score for r in results)
    lines += ["-" * (width + 16), f"{'TOTAL':{width}s}  {total[0]:5.1f} / {total[1]:5.1f}"]
    return lines


def _write_json(path: str, results: list[_Result]) -> None:
    data = {
        "score": round(sum(r.score for r in results), 4),
        "max_score": round(sum(r.max_score for r in results), 4),
        "visibility": "visible",
        "tests": [{"name": f"{r.module}: {r.name}", "score": round(r.score, 4),
                   "max_score": round(r.max_score, 4), "output": r.output,
                   "visibility": r.visibility} for r in results],
    }
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, path)  # readers see the old file or the new one, never half
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results: list[_Result] = config._cnnzoo_results  # type: ignore[attr-defined]
    if not results:
        return
    tr = terminalreporter
    tr.section(f"cnnzoo score ({_STATE['against']})")
    for line in _table(results):
        tr.write_line(line)
    hints = [r for r in results if r.score < r.max_score and r.visibility == "visible"]
    if hints:
        tr.write_line("")
        tr.write_line("Hints:")
        for r in hints[:40]:
            tr.write_line(f"  {r.module}: {r.name}: {r.output.splitlines()[0] if r.output else ''}")
    path = config.getoption("grade_json")
    if path:
        _write_json(path, results)
        tr.write_line(f"\nreport written to {path}")


# ------------------------------------------------------------------ stubs from solutions

_BEGIN, _END = "# BEGIN SOLUTION", "# END SOLUTION"


def stub_source(solution: str, filename: str = "<solution>") -> str:
    """The student's version of a solution file: each marked block becomes a stub.

    >>> print(stub_source("def f(n):\\n    \\"\\"\\"Twice n.\\"\\"\\"\\n    # BEGIN SOLUTION\\n    return 2 * n\\n    # END SOLUTION\\n"))
    def f(n):
        \"\"\"Twice n.\"\"\"
        raise NotImplementedError("f: fill this in")
    <BLANKLINE>
    """
    out: list[str] = []
    inside, func = False, "this"
    for number, line in enumerate(solution.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("def "):
            func = stripped[4:].split("(")[0]
        if stripped == _BEGIN:
            if inside:
                raise ValueError(f"{filename}:{number}: {_BEGIN} inside another solution block")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{func}: fill this in")')
        elif stripped == _END:
            if not inside:
                raise ValueError(f"{filename}:{number}: {_END} without {_BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{filename}: {_BEGIN} is never closed")
    return "\n".join(out) + "\n"


def build_stubs(solutions: str | Path = "solutions", exercises: str | Path = "exercises",
                check_only: bool = False) -> list[str]:
    """Write ``exercises/<m>.py`` from ``solutions/<m>.py``; return the files that changed.

    With ``check_only`` nothing is written: the list says which stubs are out of date.
    """
    changed = []
    for src in sorted(Path(solutions).glob("*.py")):
        if src.name.startswith(("test_", "_", "conftest")):
            continue
        target = Path(exercises) / src.name
        text = stub_source(src.read_text(encoding="utf-8"), str(src))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(str(target))
            if not check_only:
                target.write_text(text, encoding="utf-8")
    return changed

