"""How the engine asks a case: one call, or a dialogue; each distinct call asked once.

Most questions call the student's function once per case. A question with a
``Call(dialogue=...)`` talks instead: the grader's ``dialogue(student, args)`` calls the student's
functions as often as it needs through :class:`Student` (a transfer-learning exercise
serves the backbone's features on request and counts them) and returns the answer to
judge. A question's ``Call(timeout=...)`` is the time its calls may take, a dialogue's in all,
when the grading's per-call limit is shorter (training a network takes longer than a
formula). Two questions that grade the same function on the same arguments (one on the
architecture of a trained model, one on its accuracy) share one call: :func:`ask` keeps
each reply of a grading under a digest of the function, the dialogue and the arguments.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from dataclasses import replace
from typing import Any

from cnnzoo.grading import wire
from cnnzoo.grading.runner import Reply, StudentProcess

__all__ = ["Student", "Ended", "ask"]


class Ended(Exception):
    """A call in a dialogue did not answer (an error, a timeout, a crash): the case's reply."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.message)
        self.reply = reply


class Student:
    """What a dialogue may do with the student's process: call its functions within the
    question's time, and read the first bytes of a file it wrote in its work folder."""

    def __init__(self, child: StudentProcess, seconds: float) -> None:
        self.child, self.seconds, self.calls = child, seconds, 0
        self.deadline = time.monotonic() + seconds
        self.outputs: list[str] = []

    def call(self, function: str, *args: Any) -> Any:
        """The value ``function(*args)`` returned; :class:`Ended` when it gave none."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Ended(Reply("timeout", message=f"ran longer than {self.seconds:g} s in all (an endless loop?)"))
        self.calls += 1
        reply = self.child.call(function, *args, timeout=left)
        if reply.output:
            self.outputs.append(reply.output)
        if reply.status != "value":
            raise Ended(reply)
        return reply.value

    def file_head(self, name: str, size: int = 64) -> bytes | None:
        """The first ``size`` bytes of the regular file ``name`` in the student's folder, or
        ``None``: never a link, a device or a FIFO, never outside the folder."""
        folder = self.child.work_view()
        if folder is None or not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\0" in name:
            return None
        try:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return os.read(fd, max(0, min(size, 1 << 16)))
        finally:
            os.close(fd)


def _digest(q: Any, args: tuple) -> str | None:
    try:
        text = json.dumps([wire.encode(a) for a in args], sort_keys=True)
    except (TypeError, ValueError):
        return None
    key = f"{q.function}|{getattr(q.call.dialogue, '__qualname__', '')}|{id(q.call.dialogue)}|{text}"
    return hashlib.sha256(key.encode()).hexdigest()


def ask(child: StudentProcess, q: Any, args: tuple, timeout: float, asked: dict[str, Reply]) -> Reply:
    """The reply to one case of ``q``: from ``asked`` when this grading already made the
    same call (printed output is then not repeated), else by calling or by dialogue."""
    key = _digest(q, args)
    if key is not None and key in asked:
        return replace(asked[key], output="")
    limit = max(timeout, q.call.timeout or 0.0)
    if q.call.dialogue is None:
        reply = child.call(q.function, *args, timeout=limit)
    else:
        student = Student(child, limit)
        try:
            reply = Reply("value", q.call.dialogue(student, args))
        except Ended as end:
            reply = end.reply
        except Exception as err:  # noqa: BLE001  (answers the dialogue could not use are wrong answers)
            reply = Reply("error", message=f"your answers could not be used ({type(err).__name__}: {str(err)[:200]})")
        reply = replace(reply, output="".join(student.outputs))
    if key is not None:
        asked[key] = reply
    return reply
