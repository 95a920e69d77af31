"""Grade a submission: each module in its own child process, each question on fresh cases.

The same engine serves ``pytest exercises/``, ``cnnzoo exercises grade`` (a class) and
Gradescope's ``run_autograder``. A function that timed out is not called again in that
run, so hanging code grades in about (functions x limit); an overall ``deadline`` stops a
submission's grading, and what was not graded counts 0 with the reason.
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from cnnzoo.extras import EXTRAS, message, missing
from cnnzoo.grading.answers import ReferenceFailed, Verdict
from cnnzoo.grading.dialogue import ask
from cnnzoo.grading.questions import Question
from cnnzoo.grading.runner import StudentProcess
from cnnzoo.grading.stubs import unanswered

__all__ = ["QuestionResult", "Suite", "load_suite", "load_suites", "grade_module", "grade_submission",
           "case_seed", "summary"]


@dataclass
class QuestionResult:
    """One question's score and what the student sees about it."""

    module: str
    question: str
    score: float
    max_score: float
    hints: list[str] = field(default_factory=list)
    output: str = ""
    hidden: bool = False
    sandbox: str = ""  # what confined the student's process (Landlock, seccomp), as it reported

    @property
    def text(self) -> str:
        return "\n".join(self.hints + ([f"your code printed:\n{self.output}"] if self.output else []))


@dataclass(frozen=True)
class Suite:
    """An instructor's test module: which student module it grades and how."""

    module: str
    questions: tuple[Question, ...]
    allow: tuple[str, ...] = ("numpy",)
    path: str = ""
    slides: tuple[tuple[str, str], ...] = ()  # question or function name ("" for the module) to its slide


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"cnnzoo_suite_{path.stem}_{abs(hash(str(path)))}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load the tests in {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_suite(path: str | Path, hidden_dir: str | Path | None = None) -> Suite:
    """Read ``test_<module>.py``; with ``hidden_dir``, add its ``test_<module>.py`` questions."""
    path = Path(path)
    module = _import(path)
    for name in ("MODULE", "QUESTIONS"):
        if not hasattr(module, name):
            raise ValueError(f"{path} is not a graded test module: it has no {name}")
    questions = list(module.QUESTIONS)
    if hidden_dir is not None and (Path(hidden_dir) / path.name).is_file():
        extra = _import(Path(hidden_dir) / path.name)
        questions += [replace(q, shown=replace(q.shown, hidden=True)) for q in extra.QUESTIONS]
    return Suite(module.MODULE, tuple(questions), tuple(getattr(module, "ALLOW", ("numpy",))), str(path),
                 tuple(dict(getattr(module, "SLIDES", {})).items()))


def load_suites(folder: str | Path, hidden_dir: str | Path | None = None) -> list[Suite]:
    """Every graded test module in ``folder``, in name order."""
    paths = sorted(Path(folder).glob("test_*.py"))
    suites = [load_suite(p, hidden_dir) for p in paths if "QUESTIONS" in p.read_text(encoding="utf-8")]
    if not suites:
        raise ValueError(f"no graded test modules (test_*.py with QUESTIONS) in {folder}")
    return suites


def case_seed(seed: int | str, module: str, question: str) -> int:
    """A question's own seed: the same run seed draws the same cases, whatever ran before."""
    digest = hashlib.sha256(f"{seed}:{module}:{question}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _zero(suite: Suite, questions: list[Question], reason: str) -> list[QuestionResult]:
    return [QuestionResult(suite.module, q.name, 0.0, q.points, [reason], hidden=q.shown.hidden) for q in questions]


def grade_module(suite: Suite, source: str | None, *, seed: int | str, timeout: float = 5.0,
                 deadline: float | None = None, blocked: tuple[str, ...] = (),
                 questions: list[Question] | None = None,
                 siblings: dict[str, str | None] | None = None,
                 require_confinement: bool = False) -> list[QuestionResult]:
    """Grade one student module (its text, or ``None`` when the file is missing);
    ``siblings`` are the student's other modules, importable from this one. ``deadline``
    (a :func:`time.monotonic` time) is a hard bound: a call running at it is stopped, and
    what was not graded by then scores 0 with the reason. With ``require_confinement``, a
    student process that Landlock and seccomp do not both confine raises
    :class:`~cnnzoo.grading.runner.Unconfined` instead of being graded."""
    questions = list(suite.questions if questions is None else questions)
    absent = missing(lib for lib in suite.allow if lib in EXTRAS)
    if absent:  # this environment's fault, not the student's: say what to install
        return _zero(suite, questions, message(absent, "this exercise"))
    if source is None:
        return _zero(suite, questions, f"{suite.module}.py was not found in the submission")
    results = []
    timed_out: set[str] = set()
    asked: dict[str, Any] = {}  # one call per distinct (function, arguments) in a grading
    stubbed = unanswered(source)  # the process starts at the first call, if any
    with StudentProcess(suite.module, source, allow=suite.allow, blocked=blocked, timeout=timeout,
                        siblings=siblings, deadline=deadline, require_confinement=require_confinement) as child:
        for q in questions:
            result = QuestionResult(suite.module, q.name, 0.0, q.points, hidden=q.shown.hidden)
            if q.function in stubbed:  # it raises NotImplementedError first: no process, no cases drawn
                result.hints.append("not answered yet")
                results.append(result)
                continue
            outputs = []
            for number, (args, points) in enumerate(q.plan(random.Random(case_seed(seed, suite.module, q.name))), 1):
                where = f"case {number} ({q.shown.case(args)})"
                if q.function in timed_out:
                    result.hints.append(f"{where}: not run: {q.function} timed out on an earlier case")
                    continue
                if child.out_of_time or (deadline is not None and time.monotonic() >= deadline):
                    result.hints.append(f"{where}: not run: the submission's time limit was reached")
                    continue
                reply = ask(child, q, args, timeout, asked)
                if reply.output:
                    outputs.append(reply.output)
                lost = {r.question for r in results if r.score < r.max_score - 1e-9}
                verdict = _verdict(q, args, reply, timed_out).settle(lost)
                if verdict.kind != Verdict.RIGHT:  # a note with the points, or the hint without them
                    result.hints.append(f"{where}: {verdict.text}")
                if verdict.earns:
                    result.score += points
            result.score = round(min(result.score, q.points), 6)
            result.sandbox = child.sandbox
            result.output = "".join(outputs)[:2000]
            results.append(result)
    return results


def _verdict(q: Question, args: tuple, reply: Any, timed_out: set[str]) -> Verdict:
    """The verdict on one case's reply.

    Credit is decided here, by the kind of outcome, never by any text from the child. An
    answer that follows from an earlier question's slip is charged elsewhere: the caller
    settles it (:meth:`~cnnzoo.grading.questions.Verdict.settle`) on whether that question,
    graded before this one, lost points.
    """
    if reply.status == "value":
        try:
            return q.judge(reply.value, args)
        except ReferenceFailed as err:  # the instructor's reference failed: not the student's fault
            return Verdict.noted(f"counted as right: the grader could not check it ({err}); tell your instructor")
    if reply.message.startswith("your code raised NotImplementedError"):
        return Verdict.wrong("not answered yet")
    if reply.status == "timeout":
        timed_out.add(q.function)
        return Verdict.wrong(f"{reply.message}; {q.function} is not called again in this run")
    return Verdict.wrong(reply.message or "no answer")


def grade_submission(suites: list[Suite], sources: dict[str, str | None], *, seed: int | str,
                     timeout: float = 5.0, submission_timeout: float | None = None,
                     blocked: tuple[str, ...] = (), deadline: float | None = None,
                     require_confinement: bool = False) -> list[QuestionResult]:
    """Grade every suite's module from ``sources`` (module name to text) within
    ``submission_timeout`` seconds from now, or by ``deadline`` when one is given (a
    submission's reading counts too)."""
    if deadline is None and submission_timeout:
        deadline = time.monotonic() + submission_timeout
    results: list[QuestionResult] = []
    for suite in suites:
        results += grade_module(suite, sources.get(suite.module), seed=seed, timeout=timeout,
                                deadline=deadline, blocked=blocked, siblings=sources,
                                require_confinement=require_confinement)
    return results


def summary(results: list[QuestionResult]) -> dict[str, Any]:
    """Totals per module and overall."""
    modules: dict[str, list[float]] = {}
    for r in results:
        got = modules.setdefault(r.module, [0.0, 0.0])
        got[0] += r.score
        got[1] += r.max_score
    return {"modules": modules, "score": sum(r.score for r in results),
            "max_score": sum(r.max_score for r in results)}
