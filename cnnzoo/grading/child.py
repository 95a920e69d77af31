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


def _encode(value, depth=0):
    """Plain data only: anything else is named, never sent."""
    if depth > 50:
        return {"t": "rejected", "type": "a structure nested over 50 deep"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return {"t": kind.__name__ if value is not None else "none", "v": value}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if kind in (list, tuple):
        return {"t": kind.__name__, "v": [_encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {"t": "dict", "v": [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in value.items()]}
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
            return {"t": "array", "dtype": data.dtype.str, "shape": list(data.shape),
                    "data": base64.b64encode(data.tobytes()).decode("ascii")}
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, keras.Model):
        weights = [[w.path, list(w.shape), bool(w.trainable)] for w in value.weights]
        return {"t": "keras_model", "config": value.to_json(), "weights": weights}
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


# -------------------------------------------------------------------- kernel sandbox

_LL_FS = [1 << i for i in range(16)]  # EXECUTE .. IOCTL_DEV, by Landlock ABI version below
_LL_FS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
_LL_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)
_LL_READ = (1 << 2) | (1 << 3)  # READ_FILE, READ_DIR (no EXECUTE: nothing may be executed)


def _landlock(folder, read_roots):
    """Allow reading ``read_roots`` (``(path, "read" or "list")``: "list" reads folder listings
    only), everything inside ``folder``; nothing else. Returns the ABI."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))  # landlock_create_ruleset: version
    if abi < 1:
        raise OSError(ctypes.get_errno(), "Landlock is not available")
    fs_all = sum(_LL_FS[: _LL_FS_BY_ABI.get(abi, 16)])

    class Attr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class Beneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]

    attr = Attr(fs_all, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)  # all TCP; signals, abstract sockets
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = syscall(444, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        own_proc = [f"/proc/{os.getpid()}"] + [f"/proc/{name}" for name in ("cpuinfo", "meminfo", "stat")]
        rules = ([(folder, fs_all)] + [(root, _LL_READ if how == "read" else 1 << 3) for root, how in read_roots]
                 + [(root, _LL_READ) for root in own_proc] + [("/dev/null", (1 << 1) | (1 << 2))])
        for path, allowed in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    allowed &= _LL_FILE_RIGHTS
                rule = Beneath(allowed & fs_all, fd)
                if syscall(445, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
        if syscall(446, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:  # landlock_restrict_self
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


# x86_64 system calls a graded function never needs: new processes, other processes'
# memory, pidfds, namespaces, the system's own state, io_uring, and every socket (a UNIX
# socket's path is not a file Landlock guards).
_DENIED_X86_64 = (57, 58, 59, 322, 101, 310, 311, 434, 424, 272, 308, 165, 166, 161, 155, 321, 298,
                  250, 169, 246, 320, 175, 313, 176, 112, 109, 425, 426, 427, 41, 53, 42, 44, 46, 307,
                  200, 129, 297)
_SELF_ONLY_X86_64 = (62, 234)  # kill, tgkill: only to this process (abort, raise)
_CLONE, _CLONE3, _CLONE_THREAD = 56, 435, 0x10000


def _seccomp():
    """Refuse :data:`_DENIED_X86_64` with EPERM, ``clone`` unless it makes a thread, ``clone3``
    with ENOSYS (the C library then makes threads with ``clone``). x86_64 only."""
    import ctypes
    import platform

    if platform.machine() != "x86_64":
        raise OSError("the seccomp filter is written for x86_64")

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JSET|K, RET|K
    allow, eperm, enosys, kill = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 0x80000000
    code = [(ld, 0, 0, 4), (jeq, 1, 0, 0xC000003E), (ret, 0, 0, kill), (ld, 0, 0, 0)]
    for nr in _DENIED_X86_64:
        code += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    for nr in _SELF_ONLY_X86_64:  # args[0] (low 32 bits) must be this process's id
        code += [(jeq, 0, 4, nr), (ld, 0, 0, 16), (jeq, 1, 0, os.getpid()), (ret, 0, 0, eperm), (ret, 0, 0, allow)]
    code += [(jeq, 0, 1, _CLONE3), (ret, 0, 0, enosys),
             (jeq, 0, 3, _CLONE), (ld, 0, 0, 16), (jset, 1, 0, _CLONE_THREAD), (ret, 0, 0, eperm),
             (ret, 0, 0, allow)]
    array = (Filter * len(code))(*[Filter(*c) for c in code])
    program = Program(len(code), array)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    if libc.syscall(317, ctypes.c_uint(1), ctypes.c_uint(1), ctypes.byref(program)) != 0:  # seccomp, TSYNC
        raise OSError(ctypes.get_errno(), "seccomp failed")


def _sandbox(folder, read_roots):
    """Confine this process; return what holds (the report says it)."""
    held = []
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the grader
    except (OSError, AttributeError):
        pass
    try:
        held.append(f"Landlock ABI {_landlock(folder, read_roots)}")
    except (OSError, AttributeError) as err:
        held.append(f"no Landlock ({err})")
    try:
        _seccomp()
        held.append("seccomp")
    except (OSError, AttributeError) as err:
        held.append(f"no seccomp ({err})")
    return ", ".join(held)


def _guard(folder, blocked_roots, blocked_modules):
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
               "socket.", "sys.settrace", "sys.setprofile",
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
            if top in blocked_modules or top.startswith("test_") or top in ("_posixsubprocess", "_posixshmem"):
                raise ImportError(f"the grader does not let exercises import {args[0]}: it holds "
                                  "the answers or the tests; write the computation yourself")
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
        elif event == "object.__setattr__" and args[1] in ("__code__", "__closure__"):
            raise PermissionError("exercises may not rewrite functions' code")

    sys.addaudithook(hook)


def main(commands_fd, replies_fd):
    commands = os.fdopen(commands_fd, "r", encoding="utf-8")
    replies = os.fdopen(replies_fd, "w", encoding="utf-8")

    def reply(**message):
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    setup = json.loads(commands.readline())
    folder = os.getcwd()
    sandbox = _sandbox(folder, setup["read_roots"]) if setup.get("sandbox", True) else "off"
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
    _guard(folder, setup["blocked_roots"], setup["blocked_modules"])
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
