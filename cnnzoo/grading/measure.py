"""A student's model measured in a grader-owned process, never in the grader itself.

Rebuilding and running a model is the grader's own code (:mod:`cnnzoo.grading.rebuild`),
but on a config a student chose: a shape that makes TensorFlow abort, a graph that computes
for hours, or one that allocates gigabytes must cost that case, not the grading. So each
grading thread keeps one worker process (started on first use, ``spawn``ed: no state
shared) with an address-space limit; a request that outlives :data:`TIMEOUT` or kills the
worker is a wrong answer with a hint, and the next request starts a fresh worker. Only
plain data crosses (the config string, float arrays, the grader's own images and labels).
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Optional

import numpy as np

from cnnzoo.grading.rebuild import Refused

__all__ = ["measure", "TIMEOUT", "MEMORY"]

TIMEOUT = 120.0  # seconds for one rebuild and prediction
MEMORY = 6 << 30  # bytes of address space for the worker (TensorFlow on CPU reserves ~3 GiB)
_LOCAL = threading.local()


def _serve(conn: Any, memory: int) -> None:
    """The worker: rebuild, predict, answer; forever (runs in its own process)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)  # TensorFlow's start-up lines are not the grader's report
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except ImportError:  # Windows: the wall-clock limit still holds
        pass
    from cnnzoo.grading.rebuild import accuracy, rebuild

    while True:
        try:
            model, shape, x, y = conn.recv()
        except (EOFError, OSError):
            return
        try:
            net = rebuild(model, shape)
            conn.send(("ok", None if x is None else accuracy(net, x, y)))
        except Refused as err:
            conn.send(("refused", str(err)))
        except MemoryError:
            conn.send(("refused", "evaluating the model needs more memory than the grader gives it"))
        except Exception as err:  # noqa: BLE001  (whatever the model does, it is a wrong answer)
            conn.send(("refused", f"the grader could not run the model ({type(err).__name__})"))


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, MEMORY), daemon=True)
        self.process.start()
        theirs.close()

    def ask(self, request: tuple, timeout: float) -> tuple[str, Any]:
        try:
            self.conn.send(request)
            ready = self.conn.poll(timeout)
        except OSError:  # the worker is gone (BrokenPipeError)
            ready = True
        if ready:
            try:
                return self.conn.recv()
            except (EOFError, OSError):
                pass
            self.process.join(5)
            code = self.process.exitcode
            self.close()
            how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            raise Refused(f"running your model stopped the grader's evaluation process ({how}): "
                          "use ordinary layer sizes")
        self.close()
        raise Refused(f"running your model took over {timeout:.0f} s: use ordinary layer sizes")

    def close(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()
        _LOCAL.worker = None


def measure(model: Any, input_shape: tuple[int, ...], x: Optional[np.ndarray] = None,
            y: Optional[np.ndarray] = None, timeout: float = TIMEOUT) -> Optional[float]:
    """Rebuild ``model`` (a :class:`~cnnzoo.grading.wire.KerasModel`) in the worker and, given
    ``x`` and ``y``, return its accuracy on them; :class:`Refused` (a hint) when it cannot be."""
    from cnnzoo.grading.rebuild import refusal
    from cnnzoo.grading.wire import KerasModel

    if not isinstance(model, KerasModel):
        raise Refused("return a keras.Model")
    problem = refusal(model.config, tuple(input_shape))  # the cheap checks first, here
    if problem:
        raise Refused(problem)
    worker = getattr(_LOCAL, "worker", None) or _Worker()
    _LOCAL.worker = worker
    status, value = worker.ask((model, tuple(input_shape), x, y), timeout)
    if status != "ok":
        raise Refused(value)
    return value
