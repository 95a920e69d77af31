"""The student side of the grading boundary: one process per student module.

The grader runs this file's text with ``python -I -c`` in an empty temporary folder; it
imports nothing from cnnzoo. Commands arrive as JSON lines on one pipe, answers leave on
another as plain data (see :mod:`cnnzoo.grading.wire`).

Confinement, where the kernel offers it (Linux 5.13+), comes first, before any library
is imported: Landlock lets the process read only the Python installation and the
libraries' folders and write only its own folder, refuses every TCP connection, and
scopes signals and abstract sockets to the process itself (no signal reaches the
grader); a seccomp filter refuses new processes (``fork``, ``clone`` without
``CLONE_THREAD``, ``execve``), ``ptrace``, reading other processes' memory, pidfds and
namespaces. Both hold for root and cannot be lifted from inside. On top, an audit hook
(which Python never lets anyone remove) refuses importing the answer key and says why in
words a student understands.
"""

import base64
import json
import os
import sys

_ALLOWED_LIBS = ("numpy", "keras")

if "confine" not in globals():  # imported as a module; the grader runs sandbox.py's text first
    from cnnzoo.grading.sandbox import confine


def _encode(value, depth=0):
    """Plain data only: anything else is named, never sent."""
    if depth > 50:
        return {"t": "rejected", "type": "a structure nested over 50 deep"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return {"t": kind.__name__ if value is not None else "none", "v": value}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if isinstance(value, (list, tuple)):  # subclasses too (a namedtuple): sent as plain items
        plain = "tuple" if isinstance(value, tuple) else "list"
        return {"t": plain, "v": [_encode(v, depth + 1) for v in list(value)]}
    if isinstance(value, dict):  # OrderedDict, defaultdict, Counter: sent as a plain dict
        return {"t": "dict", "v": [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in list(dict(value).items())]}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if kind in (numpy.bool_,):
            return {"t": "bool", "v": bool(value)}
        if kind in set(numpy.sctypeDict.values()) and kind is not numpy.object_ and kind is not numpy.void:
            if numpy.issubdtype(kind, numpy.integer):
                return {"t": "int", "v": int(value)}
            if numpy.issubdtype(kind, numpy.floating):
                return {"t": "float", "v": repr(float(value))}
        if kind is numpy.ndarray and value.dtype.kind in "biuf":
            data = numpy.ascontiguousarray(value)
            if data.dtype.kind == "f" and data.dtype.itemsize > 8:  # longdouble: float64 is what the grader reads
                data = data.astype(numpy.float64)
            return {"t": "array", "dtype": data.dtype.str, "shape": list(data.shape),
                    "data": base64.b64encode(data.tobytes()).decode("ascii")}
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, keras.Model):
        weights = [[w.path, list(w.shape), bool(w.trainable)] for w in value.weights]
        model = {"t": "keras_model", "config": value.to_json(), "weights": weights}
        sizes = [1] * len(weights)
        for i, (_, shape, _) in enumerate(weights):
            for d in shape:
                sizes[i] *= int(d)
        if sum(sizes) <= 2_000_000:  # wire.MAX_WEIGHT_VALUES: the values too, as float arrays
            model["values"] = [_encode(numpy.asarray(w.numpy()).astype(numpy.float32, copy=False))
                               for w in value.weights]
        return model
    return {"t": "rejected", "type": f"{kind.__module__}.{kind.__qualname__}"}


def _decode(data):
    t = data["t"]
    if t == "none":
        return None
    if t == "float":
        return float(data["v"])
    if t in ("bool", "int", "str"):
        return data["v"]
    if t in ("list", "tuple"):
        items = [_decode(v) for v in data["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {_decode(k): _decode(v) for k, v in data["v"]}
    if t == "array":
        import numpy

        raw = base64.b64decode(data["data"])
        return numpy.frombuffer(raw, dtype=data["dtype"]).reshape(data["shape"]).copy()
    raise ValueError(f"cannot decode {t}")


def _guard(folder, blocked_roots, blocked_modules, kernel_confined=False):
    """Install the audit hook; its rules are literals held by its closure's tuples."""
    real = os.path.realpath
    folder = real(folder)
    blocked_roots = tuple(real(p) for p in blocked_roots)
    blocked_modules = tuple(blocked_modules)
    me = os.getpid()
    no_write = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    refused = ("os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system",
               "subprocess.Popen", "pty.spawn", "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function",
               "ctypes.cdata", "ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof",
               "gc.get_objects", "gc.get_referrers", "gc.get_referents", "resource.setrlimit",
               "socket.",
               "os.chroot", "os.setuid", "os.setgid", "os.setsid", "os.setpgid", "os.putenv",
               "os.unsetenv", "os.link", "os.symlink", "os.chown", "os.chmod", "os.truncate")
    path_events = ("os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.utime", "os.chdir",
                   "shutil.rmtree", "shutil.copyfile", "shutil.move")

    def inside(path, root):
        return path == root or path.startswith(root + os.sep)

    def check_path(path, write):
        if isinstance(path, int):
            return
        try:
            path = real(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if inside(path, folder):  # its own folder, wherever the temporary folders are
            return
        for root in blocked_roots:
            if inside(path, root):
                raise PermissionError(f"the grader does not let exercises read {path}")
        if path.startswith("/proc/") and not path.startswith(("/proc/self", f"/proc/{me}/")):
            raise PermissionError(f"the grader does not let exercises read {path}")
        if write and not (inside(path, folder) or path == "/dev/null"):
            raise PermissionError(f"exercises may only write inside their own folder, not {path}")

    def hook(event, args):
        if event == "import":
            top = (args[0] or "").split(".")[0]
            if top in blocked_modules or top.startswith("test_"):
                raise ImportError(f"the grader does not let exercises import {args[0]}: it holds "
                                  "the answers or the tests; write the computation yourself")
            if top in process_modules:
                raise ImportError(f"the grader does not let exercises import {args[0]} on this machine: "
                                  "it starts processes, which graded code may not")
        elif event == "open":
            path, mode, flags = args
            write = (mode is not None and any(c in str(mode) for c in "wax+")) or bool((flags or 0) & no_write)
            check_path(path, write)
        elif event in path_events:
            for arg in args:
                if isinstance(arg, (str, bytes)):
                    check_path(arg, event != "os.chdir")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if event != "os.kill" or args[0] != me:
                raise PermissionError("exercises may not signal other processes")
        elif event.startswith(refused):
            raise PermissionError(f"exercises may not use {event}")

    # with seccomp refusing fork and exec, importing subprocess (scipy, asyncio, numpy.testing do)
    # is harmless; without it, the module that starts processes is refused
    process_modules = () if kernel_confined else ("_posixsubprocess", "_posixshmem")
    sys.addaudithook(hook)


def main(commands_fd, replies_fd):
    commands = os.fdopen(commands_fd, "r", encoding="utf-8")
    replies = os.fdopen(replies_fd, "w", encoding="utf-8")

    def reply(**message):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            os.write(1, b"\x00cnnzoo-reply\x00")  # output.MARK: what was printed comes before it
        except (OSError, ValueError, AttributeError):
            pass
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    setup = json.loads(commands.readline())
    folder = os.getcwd()
    sandbox = confine(folder, setup["read_roots"]) if setup.get("sandbox", True) else "off"
    try:
        import resource

        for name, limit in setup["rlimits"].items():
            resource.setrlimit(getattr(resource, name), (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    for lib in setup["preload"]:
        if lib not in _ALLOWED_LIBS:
            continue
        __import__(lib)  # before the clock starts: an exercise is not charged for Keras' import
    if "keras" in setup["preload"]:
        import keras

        keras.layers.Dense(1).build((None, 1))  # loads the backend's lazy parts once
    sys.path[:] = [folder] + [p for p in sys.path if p and os.path.realpath(p) not in setup["hidden_paths"]]
    _guard(folder, setup["blocked_roots"], setup["blocked_modules"], "no seccomp" not in sandbox and sandbox != "off")
    reply(op="ready", sandbox=sandbox)
    module = None
    for line in commands:
        command = json.loads(line)
        try:
            if command["op"] == "import":
                import importlib

                module = importlib.import_module(setup["module"])
                reply(op="imported")
                continue
            function = getattr(module, command["function"], None)
            if not callable(function):
                reply(op="missing")
                continue
            value = function(*[_decode(a) for a in command["args"]])
            reply(op="value", value=_encode(value))
        except BaseException as err:  # noqa: BLE001  (the student's code may raise anything)
            try:
                reply(op="error", kind=type(err).__name__, message=str(err)[:500])
            except BaseException:  # noqa: BLE001
                os._exit(3)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
