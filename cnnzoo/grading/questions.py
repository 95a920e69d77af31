"""Graded questions: which function, for how many points, on which cases, judged how.

An instructor's test module (``exercises/test_<module>.py``) declares ``MODULE``, the
libraries it allows (``ALLOW``, NumPy always) and ``QUESTIONS``, a list of
:class:`Question`. Each question names a student function and its points, then, each in
its own part: the :class:`~cnnzoo.grading.answers.Answer` it accepts (the reference, a
hint about the idea, the common slips it recognises by name), the :class:`Cases` it is
asked on (random inputs drawn at grading time, the slides' own examples), how it is
:class:`Shown` in the report, and how its function is :class:`Call`-ed (a longer time, a
dialogue).

>>> import random
>>> q = Question("valid_output", 2,
...              Answer(lambda n, f: n - f + 1, hint="count positions",
...                     slips=[(lambda n, f: n - f, "did you forget the +1?")]),
...              Cases(lambda r: (r.randint(5, 40), r.randint(1, 5)), lecture=[(32, 5)]))
>>> [round(w, 2) for _, w in q.plan(random.Random(0))]
[0.4, 0.32, 0.32, 0.32, 0.32, 0.32]
>>> q.judge(27, (32, 5))
Verdict(kind='wrong', text='you returned 27: did you forget the +1?')
>>> q.shown.case((32, 5))
'32, 5'
"""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cnnzoo.grading.answers import Answer, Verdict, show_value

__all__ = ["Question", "Cases", "Shown", "Call", "LECTURE_SHARE", "once"]

LECTURE_SHARE = 0.2  # the slides' own examples are worth at most this share of a question


def once(make: Callable[[], Any]) -> Callable[[], Any]:
    """``make()`` computed once per grader process and shared by every student it grades,
    however many grading threads ask for it at the same moment (``functools.lru_cache``
    would let two threads both compute it): the grader's own reference work, such as a
    trained backbone or the digits it keeps back."""
    lock, value = threading.Lock(), []

    @functools.wraps(make)
    def shared() -> Any:
        with lock:
            if not value:
                value.append(make())
        return value[0]

    return shared


@dataclass(frozen=True)
class Cases:
    """The cases a question is asked on: ``draw(rng)`` returns fresh arguments, ``count``
    times a grading; ``lecture`` lists the slides' cases (together worth at most
    :data:`LECTURE_SHARE` when there are fresh ones too)."""

    draw: Callable[[random.Random], tuple] | None = None
    lecture: Sequence[tuple] = ()
    count: int = 5

    def plan(self, rng: random.Random, points: float) -> list[tuple[tuple, float]]:
        """The cases of one grading, with their points: the lecture's first, then fresh ones."""
        fresh = [tuple(self.draw(rng)) for _ in range(self.count)] if self.draw else []
        lecture = [tuple(c) for c in self.lecture]
        if not fresh:
            return [(c, points / len(lecture)) for c in lecture]
        if not lecture:
            return [(c, points / len(fresh)) for c in fresh]
        share = LECTURE_SHARE * points
        return [(c, share / len(lecture)) for c in lecture] + [
            (c, (points - share) / len(fresh)) for c in fresh]


@dataclass(frozen=True)
class Shown:
    """How a question appears in the report: ``label`` (its name, when several questions
    grade one function), ``args(case)`` (a case's arguments as text; by default each value
    shortened) and ``hidden`` (its name and points only, until grades are published)."""

    label: str = ""
    args: Callable[[tuple], str] | None = None
    hidden: bool = False

    def case(self, args: tuple) -> str:
        """A case's arguments, as the report names the case."""
        return self.args(args) if self.args is not None else ", ".join(map(show_value, args))


@dataclass(frozen=True)
class Call:
    """How the student's function is called: ``timeout``, the seconds this question's calls
    may take when the grading's per-call limit is shorter (training a network);
    ``dialogue(student, args)``, when given, talks with the student's functions through
    ``student.call(name, *args)`` and returns the answer to judge (see
    :mod:`cnnzoo.grading.dialogue`)."""

    timeout: float | None = None
    dialogue: Callable[[Any, tuple], Any] | None = None


@dataclass(frozen=True)
class Question:
    """One graded function: its ``points``, the :class:`~cnnzoo.grading.answers.Answer` it
    accepts, the :class:`Cases` it is asked on, how it is :class:`Shown` and :class:`Call`-ed."""

    function: str
    points: float
    answer: Answer = Answer()
    cases: Cases = Cases()
    shown: Shown = Shown()
    call: Call = Call()

    @property
    def name(self) -> str:
        return self.shown.label or self.function

    def plan(self, rng: random.Random) -> list[tuple[tuple, float]]:
        """The cases of one grading, with their points (:meth:`Cases.plan`)."""
        return self.cases.plan(rng, self.points)

    def judge(self, got: Any, args: tuple) -> Verdict:
        """The verdict on ``got`` for the case ``args`` (:meth:`Answer.judge`)."""
        return self.answer.judge(got, args, self.name)
