"""What a student's process prints, drained beside the protocol and matched to each reply.

The child writes :data:`MARK` (:mod:`cnnzoo.grading.protocol`) to its output just before
each reply, so the grader takes what was printed before a reply once that mark has been
read, instead of sleeping on a guess (a student who prints the mark only cuts their own
output short).
"""

from __future__ import annotations

import threading
from typing import Any

from cnnzoo.grading.protocol import MARK

__all__ = ["MARK", "Output"]

OUTPUT_CAP = 2000  # characters of output kept per call


class Output(threading.Thread):
    """Drain the child's stdout and stderr; keep the first characters of each call's share."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream, self.kept, self.marks = stream, [], 0
        self.changed = threading.Condition()
        self.start()

    def run(self) -> None:
        pending = b""
        for chunk in iter(lambda: self.stream.read1(4096), b""):
            data = pending + chunk
            cut = len(data) if data.endswith(MARK) else next(
                (len(data) - k for k in range(len(MARK) - 1, 0, -1) if data.endswith(MARK[:k])),
                len(data))  # a mark split across reads waits for its end
            data, pending = data[:cut], data[cut:]
            with self.changed:
                self.marks += data.count(MARK)
                if sum(map(len, self.kept)) < OUTPUT_CAP:
                    self.kept.append(data.replace(MARK, b"").decode("utf-8", "replace"))
                self.changed.notify_all()
        with self.changed:
            self.marks = 1 << 62  # the stream ended: nothing more will come
            self.changed.notify_all()

    def take(self, marks: int = 0, wait: float = 0.5) -> str:
        """What the child printed so far, once ``marks`` replies' marks have been read."""
        with self.changed:
            self.changed.wait_for(lambda: self.marks >= marks, timeout=wait)
            text, self.kept = "".join(self.kept), []
        return text if len(text) <= OUTPUT_CAP else text[:OUTPUT_CAP] + "\n[output cut]"
