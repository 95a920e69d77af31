"""Run one student module in a child process and call its functions with plain data.

The child holds only the student's modules (read-only) and an empty work folder. A call
past its wall-clock limit, its CPU seconds or the submission's deadline gets the child's
process group killed; memory is bounded by a memory cgroup where one can be made and by
hard ``setrlimit``s; the work folder is a tmpfs the child mounts in a namespace of its own,
or a folder the grader watches (:mod:`cnnzoo.grading.limits`). A crash ends that child
only; the next call starts a fresh one. The grader's own failure (a full disk while
setting up) is a :class:`GraderError`, never a student's zero.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from cnnzoo.grading import boundary, wire
from cnnzoo.grading.boundary import GraderError, Reply, Unconfined, child_setup, confined
from cnnzoo.grading.limits import ChildCgroups, DiskWatch, cpu_seconds, remove_tree, threads
from cnnzoo.grading.output import Output
from cnnzoo.grading.roots import ALWAYS_ALLOWED, package_roots
from cnnzoo.grading.transport import pipes, portable

__all__ = ["Reply", "StudentProcess", "GraderError", "Unconfined", "confined"]

_CHILD_SOURCE = "\n".join(Path(__file__).with_name(name).read_text(encoding="utf-8")
                          for name in ("sandbox.py", "protocol.py", "child.py"))  # confine(), the encoding, the loop


def _signal_name(number: int) -> str:
    """``SIGSEGV`` for 11; ``signal 40`` for a real-time signal, which has no name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class StudentProcess:
    """A student module loaded in its own process.

    ``source`` is the module's text; ``allow`` the libraries it may use (NumPy always),
    imported before any clock starts; ``blocked`` more folders it may not read (the
    instructor's tests, the report's folder).
    """

    def __init__(self, module: str, source: str, *, allow: tuple[str, ...] = ("numpy",),
                 blocked: tuple[str, ...] = (), timeout: float = 5.0, siblings: dict[str, str] | None = None,
                 deadline: float | None = None, require_confinement: bool = False) -> None:
        self.module, self.source, self.timeout = module, source, timeout
        self.siblings = {k: v for k, v in (siblings or {}).items() if k != module and v is not None}
        self.allow = tuple(dict.fromkeys((*ALWAYS_ALLOWED, *allow)))
        self.blocked = tuple(str(Path(p).resolve()) for p in blocked) + tuple(package_roots())
        self.deadline, self.require_confinement = deadline, require_confinement
        self._function = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.folder: str | None = None
        self._cgroup: ChildCgroups | None = None
        self.broken: Reply | None = None  # the module did not load: every call gets this reply
        self.sandbox = ""  # what confined the last child, as it reported it
        self.out_of_time = False  # the submission's deadline cut a call

    # ------------------------------------------------------------------ lifecycle
    def _start(self) -> Reply:
        try:
            self.folder = tempfile.mkdtemp(prefix="cnnzoo-student-")
            for name, text in {**self.siblings, self.module: self.source}.items():  # the student's other modules too
                Path(self.folder, f"{name}.py").write_text(text, encoding="utf-8")
            os.mkdir(self.work)
        except OSError as err:
            self.close()
            raise GraderError(f"could not prepare a folder for {self.module}.py: {err}") from err
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.work, "LANG": "C.UTF-8",
               "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
               "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        self._pipes = pipes(_CHILD_SOURCE, self.folder, env)
        self.proc = self._pipes.proc
        self._buffer = bytearray()
        self._output = Output(self._pipes.output)
        self._replies_read = 0
        self._disk = DiskWatch(self.work, boundary.DISK_BUDGET, boundary.DISK_WATCH)
        setup, memory = child_setup(self.module, self.allow, list(self.siblings), self.blocked, self.work)
        setup["sandbox"] = not portable()
        self._cgroup = ChildCgroups({"memory": memory, "pids": boundary.THREADS, "cpu": 1})
        held = self._cgroup.add(self.proc.pid)  # before the child reads its setup: nothing of it has run
        self._send(setup)
        ready = self._receive(boundary.PRELOAD_TIMEOUT)
        self.sandbox = str(ready.value or "")[:300] if ready.status == "value" else ""
        if ready.status == "value" and held:
            self.sandbox += ", " + " and ".join(held) + " cgroup"
        if ready.status != "value":
            self.close()
            if self.out_of_time:
                return ready
            return Reply("crash", message="the grader could not start Python for your module "
                         f"({ready.message}); tell your instructor", output=ready.output)
        if self.require_confinement and not confined(self.sandbox):
            self.close()
            raise Unconfined(f"the student's process was not confined ({self.sandbox})")
        self._function = ""
        if not self._send({"op": "import"}):
            return Reply("crash", message="your code stopped talking to the grader while loading")
        imported = self._receive(self.timeout)  # the module's own import counts
        if imported.status == "timeout":
            if self.out_of_time:
                return imported
            return Reply("timeout", message=f"importing {self.module}.py took longer than {self.timeout:g} s",
                         output=imported.output)
        if imported.status != "value":
            self.close()
            return Reply("error", message=f"{self.module}.py does not load: {imported.message}",
                         output=imported.output)
        return imported

    @property
    def work(self) -> str:
        """The child's work folder, as the child names it."""
        return os.path.join(self.folder or "", "work")

    def work_view(self) -> str | None:
        """Where the grader reads the child's work folder: through the child's own mount
        namespace when it mounted its tmpfs there; ``None`` when no child runs."""
        if self.proc is None or self.folder is None:
            return None
        if "private tmpfs" in self.sandbox:
            return f"/proc/{self.proc.pid}/root{self.work}"
        return self.work

    def close(self) -> None:
        """Kill the child's process group, remove its memory cgroup and its folder."""
        if self.proc is not None:
            self._pipes.kill()
            self.proc.wait()
            self._pipes.close()
            self._output.join(timeout=1)
            self._pipes.output.close()  # type: ignore[union-attr]
            self.proc = None
        if self._cgroup is not None:
            self._cgroup.close()
            self._cgroup = None
        if self.folder:
            remove_tree(self.folder)
            self.folder = None

    def __enter__(self) -> StudentProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----------------------------------------------------------------- protocol
    def _send(self, message: dict[str, Any], timeout: float = 10.0) -> bool:
        """Write one command; ``False`` (the child is killed) when it does not take it in time,
        or when it already sent something nobody asked for."""
        if self._buffer or self._pipes.pending():
            self.close()  # a reply before the command: a forged message
            return False
        self._pipes.resume()  # stopped between calls: no thread of its own runs while the grader works
        if not self._pipes.write((json.dumps(message) + "\n").encode(), timeout):
            self.close()
            return False
        return True

    def _over_limits(self) -> str:
        """Why the child is past its disk or thread budget, watched from here where the kernel
        does not hold it (no private tmpfs, no pids cgroup); ``""`` when it is within them."""
        if self.proc is None:
            return ""
        if "pids" not in self.sandbox and threads(self.proc.pid) > boundary.THREADS:
            return f"your code started more than {boundary.THREADS} threads"
        return "" if "private tmpfs" in self.sandbox else self._disk.over(self.proc.pid)

    def _receive(self, timeout: float) -> Reply:
        cut = self.deadline is not None and self.deadline - time.monotonic() < timeout
        deadline = min(time.monotonic() + timeout, self.deadline or float("inf"))
        cpu_start = cpu_seconds(self.proc.pid if self.proc else None)
        grace = True  # a reply that arrived while this thread waited for the CPU still counts, once
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            cpu = cpu_seconds(self.proc.pid if self.proc else None) - cpu_start
            if left <= 0 and cpu <= timeout and grace and self._pipes.pending():
                grace, left = False, 0.0
            elif left <= 0 or cpu > timeout:
                what = f"used more than {timeout:g} s of CPU" if cpu > timeout else f"ran longer than {timeout:g} s"
                self.out_of_time = bool(cut and left <= 0)
                self.close()
                return Reply("timeout", output=self._take_output(), message="was stopped: the submission's time "
                             "limit was reached" if self.out_of_time else f"{what} (an endless loop?)")
            disk = self._over_limits()
            if disk:
                self.close()
                return Reply("error", message=f"{disk}; it was stopped", output="")
            chunk = self._pipes.read(min(left, 0.2))
            if chunk is not None:
                if not chunk:
                    return self._crashed()
                self._buffer += chunk
                if len(self._buffer) > boundary.MAX_ANSWER:
                    self.close()
                    return Reply("error", message=f"your answer is larger than {boundary.MAX_ANSWER >> 20} MiB encoded")
        self._pipes.pause()
        end = self._buffer.index(b"\n")
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        output = self._take_output(replied=True)
        if self._buffer:  # more than one reply to one command: the child is forging messages
            self.close()
            return Reply("crash", message="your code wrote to the grader's pipe", output=output)
        try:
            message = json.loads(line)
            if message.get("op") == "missing":
                return Reply("error", message=f"{self.module}.py has no function {self._function}", output=output)
            if message.get("op") == "ready":
                return Reply("value", value=message.get("sandbox"), output=output)
            if message.get("op") == "error":
                kind = str(message.get("kind"))
                text = f"your code raised {kind}: {message.get('message')}"[:500]
                if kind in ("SystemExit", "KeyboardInterrupt"):
                    text = f"your code raised {kind}; return a value instead"
                return Reply("error", message=text, output=output)
            value = wire.decode(message["value"]) if message.get("op") == "value" else None
        except Exception as err:  # noqa: BLE001  (whatever the child sent, it is an unreadable answer)
            why = str(err)[:200] if isinstance(err, wire.WireError) else type(err).__name__
            return Reply("error", message=f"the answer could not be read ({why})", output=output)
        return Reply("value", value=value, output=output)

    def _take_output(self, replied: bool = False) -> str:
        """The output printed before this reply (``replied``) or before the process ended."""
        if self.proc is None:
            return ""
        if replied:
            self._replies_read += 1
            return self._output.take(self._replies_read)
        self._output.join(timeout=0.5)
        return self._output.take()

    def _crashed(self) -> Reply:
        proc = self.proc
        assert proc is not None
        try:
            code = proc.wait(timeout=1.0)  # the reply pipe closed: the process is ending, or hides
        except subprocess.TimeoutExpired:
            code = None
        output = self._take_output()
        self.close()  # kills the process group if it is still there
        if code is None:
            return Reply("crash", message="your code closed the grader's pipe", output=output)
        if code < 0:
            how = f"crashed the interpreter ({_signal_name(-code)})"
        else:
            how = f"ended the Python process (exit code {code}; sys.exit or os._exit?)"
        return Reply("crash", message=f"your code {how}", output=output)

    # --------------------------------------------------------------------- calls
    def call(self, function: str, *args: Any, timeout: float | None = None) -> Reply:
        """Call ``module.function(*args)`` in the child; start (and import) it first if needed.
        ``timeout`` replaces the process's limit for this call (a question that trains a model)."""
        if self.broken is not None:
            return Reply(self.broken.status, message=self.broken.message)
        if self.out_of_time or (self.deadline is not None and time.monotonic() >= self.deadline):
            self.out_of_time = True
            return Reply("timeout", message="not run: the submission's time limit was reached")
        if self.proc is None:
            started = self._start()
            if started.status != "value":
                self.broken = started
                return started
        self._function = function
        if not self._send({"op": "call", "function": function, "args": [wire.encode(a) for a in args]}):
            return Reply("crash", message="your code stopped taking the grader's calls (or wrote to its pipe)")
        return self._receive(self.timeout if timeout is None else timeout)
