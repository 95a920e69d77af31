"""Judging an answer: the comparison, the hints, and the :class:`Verdict` on one case.

An :class:`Answer` says what a question accepts: the reference (computed in the grader,
never sent to the student), or an instructor's own ``grade``; the hint about the idea;
the common slips it recognises by name; and the answers that follow from an earlier
question's slip (``follows``). Judging a case gives a :class:`Verdict`: right; right with
a note; wrong, with a hint that never shows the expected value; or charged elsewhere. One
slip is charged once: a question that builds on an earlier one (a network's total on
``conv_params``) lists in ``follows`` the answers an earlier question's slip would give
it. Such an answer is charged elsewhere: it earns the case's points, with a note naming
the question to fix, when that earlier question lost points in the same grading
(:meth:`Verdict.settle`); otherwise it is a wrong answer like any other.

>>> valid = Answer(lambda n, f: n - f + 1, hint="count positions",
...                slips=[(lambda n, f: n - f, "did you forget the +1?")])
>>> valid.judge(27, (32, 5))
Verdict(kind='wrong', text='you returned 27: did you forget the +1?')
>>> valid.judge(28.0, (32, 5))
Verdict(kind='right', text='')
>>> total = Answer(lambda k: 2 * k + 1, follows=[(lambda k: 2 * k, "valid_output", "without the +1")])
>>> verdict = total.judge(8, (4,))
>>> verdict.kind, verdict.earlier
('charged elsewhere', ('valid_output',))
>>> verdict.settle(lost={"valid_output"})
Verdict(kind='right with a note', text='counted as right: this is the answer without the +1, as your valid_output gives it; that slip is charged once, in valid_output: fix it there')
>>> verdict.settle(lost=set()).text
'you returned 8: that is the answer without the +1; your valid_output gets it right: do the same here'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnnzoo.grading.wire import KerasModel, Rejected

__all__ = ["Answer", "Verdict", "ReferenceFailed", "same", "show_value"]


def same(got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Equal as plain data: tuples match lists, 28.0 matches 28, arrays match nested lists.
    An integer reference (a count, a size, bytes) is matched exactly; a float within
    ``rtol``/``atol``.

    >>> same([28.0, (1, 2)], (28, [1, 2])), same(True, 1), same(0.1 + 0.2, 0.3)
    (True, False, True)
    >>> same(138_357_544 - 4096, 138_357_544), same(28.5, 28)
    (False, False)
    """
    import numpy as np

    if isinstance(got, np.ndarray):  # its shape first: an answer's size is the student's to choose
        try:
            shape = np.shape(expected)
        except ValueError:  # a ragged reference: no array of any size equals it
            return False
        if got.shape != shape:
            return False
        got = got.tolist()
    if isinstance(expected, np.ndarray):
        expected = expected.tolist()
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, (int, float)):
        if type(got) not in (int, float):
            return False
        if isinstance(expected, int):
            return got == expected
        return math.isclose(got, expected, rel_tol=rtol, abs_tol=atol)
    if isinstance(expected, (list, tuple)):
        return (type(got) in (list, tuple) and len(got) == len(expected)
                and all(same(g, e, rtol, atol) for g, e in zip(got, expected)))
    if isinstance(expected, dict):
        return (type(got) is dict and set(got) == set(expected)
                and all(same(got[k], expected[k], rtol, atol) for k in expected))
    raise TypeError(f"cannot compare with a reference of type {type(expected).__name__}")


class ReferenceFailed(Exception):
    """The instructor's reference raised on a case: the grader's fault, not the student's."""


@dataclass(frozen=True)
class Verdict:
    """What one case earns and what the student is told about it (``text``).

    ``kind`` is one of :data:`RIGHT` (the points, nothing to say), :data:`NOTED` (the points,
    with a note: the reference failed, or the slip was charged in an earlier question),
    :data:`WRONG` (no points; ``text`` is the hint) or :data:`ELSEWHERE`: an answer that
    follows from the slip of the ``earlier`` questions, decided by :meth:`settle` once it
    is known whether they lost points (``text`` the note if they did, ``otherwise`` the hint
    if not).
    """

    RIGHT = "right"
    NOTED = "right with a note"
    WRONG = "wrong"
    ELSEWHERE = "charged elsewhere"

    kind: str
    text: str = ""
    earlier: tuple[str, ...] = field(default=(), repr=False)
    otherwise: str = field(default="", repr=False)

    @classmethod
    def right(cls) -> Verdict:
        return cls(cls.RIGHT)

    @classmethod
    def noted(cls, note: str) -> Verdict:
        return cls(cls.NOTED, note)

    @classmethod
    def wrong(cls, hint: str) -> Verdict:
        return cls(cls.WRONG, hint)

    @classmethod
    def elsewhere(cls, note: str, earlier: Sequence[str], otherwise: str) -> Verdict:
        return cls(cls.ELSEWHERE, note, tuple(earlier), otherwise)

    @property
    def earns(self) -> bool:
        """Whether the case's points are earned (a settled verdict)."""
        return self.kind in (self.RIGHT, self.NOTED)

    def settle(self, lost: Collection[str]) -> Verdict:
        """A verdict charged elsewhere becomes right with its note when every question in
        ``earlier`` lost points in this grading (``lost``), else wrong with its hint; any
        other verdict is already settled."""
        if self.kind != self.ELSEWHERE:
            return self
        return Verdict.noted(self.text) if set(self.earlier) <= set(lost) else Verdict.wrong(self.otherwise)


def show_value(value: Any) -> str:
    """A value as a hint shows it: short, never a student-sized repr."""
    if isinstance(value, KerasModel):
        return "a Keras model"
    if getattr(value, "size", 0) > 64 and hasattr(value, "shape"):  # never a student-sized repr
        return f"an array of shape {tuple(value.shape)}"
    try:
        text = repr(value.tolist() if hasattr(value, "tolist") else value)
    except (ValueError, RecursionError, MemoryError):
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Answer:
    """What a question accepts, and what it tells a student who missed it.

    ``reference(*args)`` is the right answer, compared with ``compare`` (:func:`same`);
    ``grade(got, args)``, when given, replaces the comparison and returns a hint for a wrong
    answer or ``None``. ``hint`` is about the idea; ``slips`` pairs a function that computes
    a typical wrong answer with the hint naming it; ``expects`` says what type to return.
    With ``key``, the function returns a dict and the answer is its ``key`` entry.
    ``follows`` holds (function giving the answer an earlier question's slip leads to, that
    question's name or names, what the slip leaves out): such an answer is charged
    elsewhere (:meth:`Verdict.settle`).
    """

    reference: Callable[..., Any] | None = None
    hint: str = ""
    slips: Sequence[tuple[Callable[..., Any], str]] = ()
    follows: Sequence[tuple[Callable[..., Any], str | tuple[str, ...], str]] = ()
    expects: str = "a number"
    key: str | None = None
    grade: Callable[[Any, tuple], str | None] | None = None
    compare: Callable[[Any, Any], bool] = same

    def judge(self, got: Any, args: tuple, name: str = "this question") -> Verdict:
        """Right, charged elsewhere (an answer that follows from an earlier question's slip),
        or wrong with a hint that never shows the expected value; ``name`` says whose answer
        it is in an instructor's error."""
        if self.key is not None:
            if type(got) is not dict or self.key not in got:
                return Verdict.wrong(f"return a dict with the key {self.key!r}")
            got = got[self.key]
        if isinstance(got, Rejected):
            return Verdict.wrong(f"you returned a {got.type}; return {self.expects}")
        if self.grade is not None:
            try:
                hint = self.grade(got, args)
            except Exception as err:  # noqa: BLE001  (whatever the answer holds, it is a wrong answer)
                return Verdict.wrong(f"your answer could not be checked ({type(err).__name__}); return {self.expects}")
            return Verdict.right() if hint is None else Verdict.wrong(hint)
        if self.reference is None:
            raise ValueError(f"question {name} has neither answer nor grade")
        try:
            expected = self.reference(*args)
        except Exception as err:
            raise ReferenceFailed(f"{type(err).__name__}: {err}") from err
        try:
            right = self.compare(got, expected)
        except Exception:  # noqa: BLE001  (an answer too large or too odd to compare is not right)
            right = False
        if right:
            return Verdict.right()
        for variant, earlier, what in self.follows:
            try:
                if self.compare(got, variant(*args)):
                    names = (earlier,) if isinstance(earlier, str) else tuple(earlier)
                    said, one = " and ".join(names), len(names) == 1
                    return Verdict.elsewhere(
                        f"counted as right: this is the answer {what}, as your {said} give{'s' * one} it; "
                        f"that slip is charged once, in {said}: fix it there", names,
                        f"you returned {show_value(got)}: that is the answer {what}; "
                        f"your {said} get{'s' * one} it right: do the same here")
            except Exception:  # noqa: BLE001  (a variant may not apply to every case)
                continue
        for slip, message in self.slips:
            try:
                if self.compare(got, slip(*args)):
                    return Verdict.wrong(f"you returned {show_value(got)}: {message}")
            except Exception:  # noqa: BLE001  (a slip may not apply to every case)
                continue
        return Verdict.wrong(f"you returned {show_value(got)}: {self.hint}" if self.hint else f"you returned {show_value(got)}")
