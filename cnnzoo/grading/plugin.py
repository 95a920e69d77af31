"""The pytest front end: ``pytest exercises/`` grades the student's modules with the runner.

Only a test file that **declares a graded suite through cnnzoo.grading** is taken over: at
its top level it imports from ``cnnzoo.grading`` and assigns ``MODULE`` (a string: the
student's module) and ``QUESTIONS``, as every ``exercises/test_<module>.py`` does. This is
read from the file's syntax tree, without importing it; words in strings or comments
never count, and every other test file is left to pytest as it is. Such a file becomes one
pytest item per question; the student's module (``<module>.py``, or the notebook
``<module>.ipynb`` read as one, :mod:`cnnzoo.grading.notebooks`) runs in a child process
(:mod:`cnnzoo.grading.runner`), never in pytest's. The run ends with one table (a line per
question, then per-module and total scores) instead of tracebacks; a grader error is
shown after it, never hidden.

Options, all ``--grade-...``: ``--grade-against DIR`` (grade DIR's modules, e.g.
``solutions``), ``--grade-json PATH`` (Gradescope results.json, written atomically),
``--grade-timeout S`` (per call, default 5), ``--grade-submission-timeout S``,
``--grade-seed S`` (default: fresh, printed), ``--grade-instructor`` (add the hidden
questions from ``--grade-hidden DIR``, default ``solutions/hidden``), ``--grade-verbose``
(every hint). Loaded in every pytest run of the environment, this module imports only
pytest and the standard library; the grader loads when a graded file is collected.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import pytest

_RESULTS = pytest.StashKey[list]()
_ERRORS = pytest.StashKey[list]()  # (where, text) of every grader error, printed after the table
_SEED = pytest.StashKey[str]()
_DEADLINE = pytest.StashKey[float]()
_GRADED_FILES = pytest.StashKey[list]()


def declares_suite(path: str | Path) -> bool:
    """Whether a test file declares graded questions through cnnzoo.grading: at its top
    level, an import from ``cnnzoo.grading``, ``MODULE = "<name>"`` and ``QUESTIONS = ...``."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    if b"cnnzoo.grading" not in data:  # a quick pass over unrelated files; the tree decides
        return False
    try:
        tree = ast.parse(data, filename=str(path))
    except (SyntaxError, ValueError):
        return False  # pytest reports it as usual
    imports, assigned = False, {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            imports |= (node.module or "").split(".")[:2] == ["cnnzoo", "grading"]
        elif isinstance(node, ast.Import):
            imports |= any(a.name.split(".")[:2] == ["cnnzoo", "grading"] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    assigned[target.id] = node.value
    module = assigned.get("MODULE")
    return (imports and "QUESTIONS" in assigned and isinstance(module, ast.Constant)
            and isinstance(module.value, str) and module.value.isidentifier())
_NOTES = pytest.StashKey[list]()  # what reading a notebook removed, printed before the table


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cnnzoo grading", "cnnzoo grading (test files that declare graded questions)")
    group.addoption("--grade-against", default=None, metavar="DIR",
                    help="folder whose modules are graded (default: the tests' own folder)")
    group.addoption("--grade-json", default=None, metavar="PATH", help="write a Gradescope results.json")
    group.addoption("--grade-timeout", type=float, default=5.0, metavar="S", help="limit per call (default 5 s)")
    group.addoption("--grade-submission-timeout", type=float, default=None, metavar="S",
                    help="limit for the whole run of graded modules")
    group.addoption("--grade-seed", default=None, metavar="S",
                    help="seed for the random cases (default: fresh, printed)")
    group.addoption("--grade-instructor", action="store_true", help="also grade the hidden questions")
    group.addoption("--grade-hidden", default="solutions/hidden", metavar="DIR",
                    help="folder of hidden questions (default: solutions/hidden)")
    group.addoption("--grade-verbose", action="store_true", help="show every hint, not the first per question")


def pytest_configure(config: pytest.Config) -> None:
    for name in ("grade_timeout", "grade_submission_timeout"):
        value = config.getoption(name)
        if value is not None and value <= 0:
            raise pytest.UsageError(f"--{name.replace('_', '-')} must be positive; got {value:g}")
    config.stash[_RESULTS] = []
    config.stash[_ERRORS] = []
    config.stash[_GRADED_FILES] = []
    config.stash[_NOTES] = []
    limit = config.getoption("grade_submission_timeout")
    config.stash[_DEADLINE] = time.monotonic() + limit if limit else float("inf")


def _seed(config: pytest.Config) -> str:
    if _SEED not in config.stash:
        seed = config.getoption("grade_seed")
        if seed is None:
            import random

            seed = random.SystemRandom().randrange(10**9)
        config.stash[_SEED] = str(seed)
    return config.stash[_SEED]


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    if declares_suite(module_path):
        return GradedFile.from_parent(parent, path=module_path)
    return None


def _error(config: pytest.Config, where: str, text: str) -> None:
    config.stash[_ERRORS].append((where, text.rstrip()))


class GradedFile(pytest.File):
    """An instructor's test module: one item per question; the module is graded once."""

    def collect(self) -> Any:
        from cnnzoo.grading import engine

        config = self.config
        config.stash[_GRADED_FILES].append(self.path)
        hidden = Path(config.getoption("grade_hidden")) if config.getoption("grade_instructor") else None
        if hidden is not None and not hidden.is_absolute():
            hidden = config.rootpath / hidden
        self._results: list[Any] | None = None
        try:
            self.suite = engine.load_suite(self.path, hidden)
        except Exception as err:  # one broken file costs its own questions, and says why
            yield Unloadable.from_parent(self, name="(questions)", error=err)
            return
        for question in self.suite.questions:
            yield GradedItem.from_parent(self, name=question.name)

    def results(self) -> list[Any]:
        if self._results is None:
            from cnnzoo.grading import engine

            config = self.config
            folder = Path(config.getoption("grade_against") or self.path.parent)
            if not folder.is_absolute():
                folder = Path(config.invocation_params.dir) / folder
            from cnnzoo.grading import notebooks

            siblings, notes = notebooks.folder_modules(folder)  # <module>.py or .ipynb
            source = siblings.get(self.suite.module)
            config.stash[_NOTES].extend(notes.get(self.suite.module, []))
            hidden = config.rootpath / config.getoption("grade_hidden")
            report_path = config.getoption("grade_json")
            blocked = tuple(str(p) for p in (self.path.parent, hidden)) + \
                ((str(Path(report_path).resolve()),) if report_path else ())
            deadline = config.stash[_DEADLINE]
            try:
                self._results = engine.grade_module(
                    self.suite, source, seed=_seed(config), timeout=config.getoption("grade_timeout"),
                    deadline=None if deadline == float("inf") else deadline, blocked=blocked, siblings=siblings)
            except Exception as err:  # the grader's failure: every question 0, the error shown
                import traceback

                _error(config, f"grading {self.suite.module} ({self.path.name})", traceback.format_exc())
                reason = f"not graded: the grader failed ({type(err).__name__}: {err}); see 'cnnzoo grader errors'"
                self._results = [engine.QuestionResult(self.suite.module, q.name, 0.0, q.points, [reason],
                                                       hidden=q.shown.hidden) for q in self.suite.questions]
            config.stash[_RESULTS].extend(self._results)
        return self._results


class Lost(Exception):
    """A question that did not earn all its points; the message is its hints."""


class GradedItem(pytest.Item):
    def runtest(self) -> None:
        result = next(r for r in self.parent.results() if r.question == self.name)
        if result.score < result.max_score - 1e-9:
            raise Lost(result.text)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, Lost):
            return str(excinfo.value)
        text = str(super().repr_failure(excinfo, style="long"))
        _error(self.config, self.nodeid, text)
        return text

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


class Unloadable(pytest.Item):
    """A graded test file whose questions could not be loaded: one failing item that says why."""

    def __init__(self, *, error: BaseException, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        text = str(super().repr_failure(excinfo, style="long"))
        _error(self.config, f"loading the questions of {self.path.name}", text)
        return text

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "(questions)"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[Any]) -> None:
    ours = [isinstance(item, (GradedItem, Unloadable)) for item in items]
    if ours and all(ours) and not config.getoption("verbose") > 0:
        config.option.tbstyle = "no"  # the table says it all; -v brings the details back
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:  # no FAILED lines repeating the table
            reporter.reportchars = "".join(c for c in reporter.reportchars if c != "f")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results, errors = config.stash.get(_RESULTS, []), config.stash.get(_ERRORS, [])
    if not results and not errors and not config.stash.get(_GRADED_FILES, []):
        return  # nothing of ours in this run
    from cnnzoo.files import write_json
    from cnnzoo.grading import report

    terminalreporter.section("cnnzoo score")
    for note in config.stash.get(_NOTES, []):
        terminalreporter.write_line(report.plain(note))
    if results:
        terminalreporter.write_line(report.table(results, _seed(config), config.getoption("grade_verbose")))
    else:
        terminalreporter.write_line("no question was graded" + (": see the errors below" if errors else ""))
    if errors:
        terminalreporter.section("cnnzoo grader errors", red=True)
        for where, text in errors:
            terminalreporter.write_line(f"{where}:")
            terminalreporter.write_line(text)
    path = config.getoption("grade_json")
    if path and results:
        write_json(path, report.gradescope(results, _seed(config)))
        terminalreporter.write_line(f"report written to {path}")
