"""The pipes between the grader and a student's process, two ways.

- :class:`KernelPipes` (Linux): commands and replies on two pipes of their own, passed
  to the child by descriptor, apart from what it prints; ``select`` with timeouts; the child
  in a session of its own, killed as a process group.
- :class:`PortablePipes` (Windows, macOS, and anywhere ``CNNZOO_PORTABLE_RUNNER=1``): standard pipes
  only (commands on stdin, replies on the first stdout, prints on stderr), reader threads
  instead of ``select``, ``Popen.kill``. A student's own check runs the same questions and
  gets the same scores this way; a class grading needs the kernel's confinement, which only
  the first way carries.

Both offer: ``output`` (the stream of what the child prints), ``pending()``, ``read(wait)``
(bytes, ``None`` when nothing came in ``wait`` seconds, ``b""`` at the end),
``write(data, timeout)``, ``pause()`` and ``resume()`` (the kernel pipes stop the child's
whole process group between calls, so no thread of its own runs while the grader works),
``kill()`` and ``close()``.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any

__all__ = ["KernelPipes", "PortablePipes", "pipes", "portable"]


def portable() -> bool:
    """Whether this machine grades through :class:`PortablePipes`."""
    return sys.platform != "linux" or os.environ.get("CNNZOO_PORTABLE_RUNNER") == "1"


class KernelPipes:
    def __init__(self, source: str, folder: str, env: dict[str, str]) -> None:
        cmd_r, cmd_w = os.pipe()
        rep_r, rep_w = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-u", "-c", source, str(cmd_r), str(rep_w)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(cmd_r, rep_w), cwd=folder, env=env, start_new_session=True)
        os.close(cmd_r)
        os.close(rep_w)
        os.set_blocking(cmd_w, False)  # a child that stops reading cannot block the grader
        self._commands, self._replies = cmd_w, rep_r
        self.output = self.proc.stdout

    def pending(self) -> bool:
        import select

        return bool(select.select([self._replies], [], [], 0)[0])

    def read(self, wait: float) -> bytes | None:
        import select

        if not select.select([self._replies], [], [], wait)[0]:
            return None
        return os.read(self._replies, 1 << 20)

    def write(self, data: bytes, timeout: float) -> bool:
        import select

        deadline = time.monotonic() + timeout
        while data:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [self._commands], [], left)[1]:
                return False
            try:
                data = data[os.write(self._commands, data):]
            except BlockingIOError:
                continue
            except OSError:
                return False
        return True

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.proc.pid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def close(self) -> None:
        os.close(self._commands)
        os.close(self._replies)


class PortablePipes:
    def __init__(self, source: str, folder: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-u", "-c", source, "portable"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=folder, env=env)
        self.output = self.proc.stderr
        self._chunks: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        stream: Any = self.proc.stdout
        try:
            for chunk in iter(lambda: stream.read1(1 << 20), b""):
                self._chunks.put(chunk)
        except (OSError, ValueError):
            pass
        self._chunks.put(b"")

    def pending(self) -> bool:
        return not self._chunks.empty()

    def read(self, wait: float) -> bytes | None:
        try:
            return self._chunks.get(timeout=max(wait, 0.0))
        except queue.Empty:
            return None

    def write(self, data: bytes, timeout: float) -> bool:
        done: list[bool] = []

        def send() -> None:
            try:
                self.proc.stdin.write(data)  # type: ignore[union-attr]
                self.proc.stdin.flush()  # type: ignore[union-attr]
                done.append(True)
            except (OSError, ValueError):
                pass

        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        writer.join(timeout)
        return bool(done)

    def pause(self) -> None:
        """Nothing: the standard library has no portable way to stop a process."""

    def resume(self) -> None:
        """Nothing (see :meth:`pause`)."""

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except (OSError, ValueError):
                pass


def pipes(source: str, folder: str, env: dict[str, str]) -> KernelPipes | PortablePipes:
    """Start ``python -I -c source`` in ``folder`` with ``env``, joined by the pipes this
    machine grades through."""
    if portable():
        extra = {k: os.environ[k] for k in ("SYSTEMROOT", "TEMP", "TMP", "PATHEXT") if k in os.environ}
        return PortablePipes(source, folder, {**env, **extra})
    return KernelPipes(source, folder, env)
