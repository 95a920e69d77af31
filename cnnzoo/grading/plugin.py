"""The pytest front end: ``pytest exercises/`` grades the student's modules with the runner.

A test module that declares ``MODULE`` and ``QUESTIONS`` becomes one pytest item per
question; the student's module runs in a child process (:mod:`cnnzoo.grading.runner`),
never in pytest's. The run ends with one table (a line per question, then per-module and
total scores) instead of tracebacks.

Options: ``--against DIR`` (grade DIR's modules, e.g. ``solutions``), ``--grade-json
PATH`` (Gradescope results.json, written atomically), ``--grade-timeout S`` (per call,
default 5), ``--submission-timeout S``, ``--seed S`` (default: fresh, printed),
``--instructor`` (add the hidden questions from ``--hidden DIR``, default
``solutions/hidden``), ``--grade-verbose`` (every hint).
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest

from cnnzoo.grading import engine, report

_RESULTS = pytest.StashKey[list]()
_SEED = pytest.StashKey[str]()
_DEADLINE = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cnnzoo grading")
    group.addoption("--against", default=None, metavar="DIR",
                    help="folder whose modules are graded (default: the tests' own folder)")
    group.addoption("--grade-json", default=None, metavar="PATH", help="write a Gradescope results.json")
    group.addoption("--grade-timeout", type=float, default=5.0, metavar="S", help="limit per call (default 5 s)")
    group.addoption("--submission-timeout", type=float, default=None, metavar="S",
                    help="limit for the whole run of graded modules")
    group.addoption("--seed", default=None, help="seed for the random cases (default: fresh, printed)")
    group.addoption("--instructor", action="store_true", help="also grade the hidden questions")
    group.addoption("--hidden", default="solutions/hidden", metavar="DIR", help="folder of hidden questions")
    group.addoption("--grade-verbose", action="store_true", help="show every hint, not the first per question")


def pytest_configure(config: pytest.Config) -> None:
    for name in ("grade_timeout", "submission_timeout"):
        value = config.getoption(name)
        if value is not None and value <= 0:
            raise pytest.UsageError(f"--{name.replace('_', '-')} must be positive; got {value:g}")
    config.stash[_RESULTS] = []
    seed = config.getoption("seed")
    config.stash[_SEED] = str(seed) if seed is not None else str(random.SystemRandom().randrange(10**9))
    limit = config.getoption("submission_timeout")
    config.stash[_DEADLINE] = time.monotonic() + limit if limit else float("inf")


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    text = module_path.read_text(encoding="utf-8", errors="replace")
    if "QUESTIONS" in text and "MODULE" in text:
        return GradedFile.from_parent(parent, path=module_path)
    return None


class GradedFile(pytest.File):
    """An instructor's test module: one item per question; the module is graded once."""

    def collect(self) -> Any:
        config = self.config
        hidden = Path(config.getoption("hidden")) if config.getoption("instructor") else None
        if hidden is not None and not hidden.is_absolute():
            hidden = config.rootpath / hidden
        self.suite = engine.load_suite(self.path, hidden)
        self._results: list[engine.QuestionResult] | None = None
        for question in self.suite.questions:
            yield GradedItem.from_parent(self, name=question.name)

    def results(self) -> list[engine.QuestionResult]:
        if self._results is None:
            config = self.config
            folder = Path(config.getoption("against") or self.path.parent)
            if not folder.is_absolute():
                folder = Path(config.invocation_params.dir) / folder
            path = folder / f"{self.suite.module}.py"
            source = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
            blocked = tuple(str(p) for p in (self.path.parent, config.rootpath / config.getoption("hidden"))) + \
                ((str(Path(config.getoption("grade_json")).resolve()),) if config.getoption("grade_json") else ())
            deadline = config.stash[_DEADLINE]
            siblings = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in folder.glob("*.py")
                        if not p.name.startswith(("test_", "conftest"))}
            self._results = engine.grade_module(
                self.suite, source, seed=config.stash[_SEED], timeout=config.getoption("grade_timeout"),
                deadline=None if deadline == float("inf") else deadline, blocked=blocked, siblings=siblings)
            config.stash[_RESULTS].extend(self._results)
        return self._results


class Lost(Exception):
    """A question that did not earn all its points; the message is its hints."""


class GradedItem(pytest.Item):
    def runtest(self) -> None:
        result = next(r for r in self.parent.results() if r.question == self.name)
        if result.score < result.max_score - 1e-9:
            raise Lost(result.text)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, Lost):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[Any]) -> None:
    if any(isinstance(item, GradedItem) for item in items) and not config.getoption("verbose") > 0:
        config.option.tbstyle = "no"  # the table says it all; -v brings the details back
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:  # no FAILED lines repeating the table
            reporter.reportchars = "".join(c for c in reporter.reportchars if c not in "fE")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, [])
    if not results:
        return
    seed = config.stash[_SEED]
    terminalreporter.section("cnnzoo score")
    terminalreporter.write_line(report.table(results, seed, config.getoption("grade_verbose")))
    path = config.getoption("grade_json")
    if path:
        report.write_json(path, report.gradescope(results, seed))
        terminalreporter.write_line(f"report written to {path}")
