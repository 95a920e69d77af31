"""The student side of the grading boundary: one process per student module.

The grader runs this file's text with ``python -I -c`` in a temporary folder holding the
student's modules, after the text of :mod:`cnnzoo.grading.sandbox` and of
:mod:`cnnzoo.grading.protocol`; it imports nothing from cnnzoo. Commands arrive as JSON lines
on one pipe, answers leave on another as plain data (``protocol.encode``; the grader reads
them with :mod:`cnnzoo.grading.wire`).

Confinement (:mod:`cnnzoo.grading.sandbox`, run first, before any library is imported)
holds the process from the kernel. On top, an import finder makes every library outside
the allowed ones' reach absent, and an audit hook (which Python never lets anyone remove)
refuses importing the answer key, the student's own import of a library the exercise does
not allow (``ALLOW``; what the allowed libraries import internally keeps working), new
processes and writes outside the work folder, and says why in words a student understands.
"""

import json
import os
import sys

if "confine" not in globals():  # imported as a module; the grader runs sandbox.py's and protocol.py's text first
    from cnnzoo.grading.protocol import MARK, PRELOAD, decode, encode
    from cnnzoo.grading.sandbox import confine


def _standard_names():
    """The standard library's top-level names, private ones (``_sysconfigdata_...``) included."""
    import sysconfig

    names = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    paths = sysconfig.get_paths()
    for folder in (paths["stdlib"], os.path.join(paths["stdlib"], "lib-dynload")):
        try:
            names |= {n.split(".")[0] for n in os.listdir(folder) if n not in ("site-packages", "dist-packages")}
        except OSError:
            pass
    return frozenset(names)


def _only_reachable(setup):
    """Libraries outside the allowed ones' reach are not there at all: an optional import
    inside a library (TensorFlow's of SciPy) then takes its fallback, as it would where that
    library is not installed (the kernel refuses their files anyway)."""
    allowed = tuple(setup["allow"])
    reachable = (_standard_names() | frozenset(allowed) | frozenset(setup["own_modules"])
                 | frozenset(setup["libraries"]))

    class Unlisted:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.split(".")[0] not in reachable:
                raise ModuleNotFoundError(f"No module named {name!r} (not among the libraries this exercise "
                                          f"allows: {', '.join(allowed)})", name=name)
            return None

    sys.meta_path.insert(0, Unlisted)


def _guard(folder, work, setup):
    """Install the audit hook. Each step below is called here, before any student code runs,
    and returns a closure over the tuples it was given: the hook reaches its rules through
    its closure, never through this module's names (which a student's code could replace)."""
    real = os.path.realpath
    folder, work = real(folder), real(work)
    stdlib, sites = _library_prefixes(folder)
    check_path = _path_rule(folder, work, tuple(real(p) for p in setup["blocked_roots"]))
    by_student = _student_rule(stdlib, sites)
    allowed = tuple(setup["allow"])
    usable = _standard_names() | frozenset(allowed) | frozenset(setup["own_modules"])
    blocked = (tuple(setup["blocked_modules"]), tuple(setup["blocked_prefixes"]))
    sys.addaudithook(_hook(check_path, by_student, blocked, usable, allowed))


def _library_prefixes(folder):
    """(the standard library's folder, the other folders of ``sys.path`` but the module's
    own), each ending in a separator."""
    import sysconfig

    real = os.path.realpath
    stdlib = (real(sysconfig.get_paths()["stdlib"]) + os.sep,)  # platstdlib: a venv's own lib folder
    sites = tuple(real(p) + os.sep for p in sys.path if p and not real(p).startswith(folder) and
                  not (real(p) + os.sep).startswith(stdlib))
    return stdlib, sites


def _path_rule(folder, work, blocked_roots):
    """``check_path(path, write)``: raise unless the exercise may read (or write) ``path``:
    anything in ``work``, reading ``folder``; never the blocked roots nor other processes'
    ``/proc``; no write but ``/dev/null`` outside ``work``."""
    real = os.path.realpath
    me = os.getpid()

    def inside(path, root):
        return path == root or path.startswith(root + os.sep)

    def check_path(path, write):
        if isinstance(path, int):
            return
        try:
            path = real(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if inside(path, work) or (not write and inside(path, folder)):  # its own folders
            return
        for root in blocked_roots:
            if inside(path, root):
                raise PermissionError(f"the grader does not let exercises read {path}")
        if path.startswith("/proc/") and not path.startswith(("/proc/self", f"/proc/{me}/")):
            raise PermissionError(f"the grader does not let exercises read {path}")
        if write and path != "/dev/null":
            raise PermissionError(f"exercises may only write inside their own folder, not {path}")

    return check_path


def _student_rule(stdlib, sites):
    """``by_student()``, called by the hook itself: whether the code asking for an import is
    the student's: the first frame outside the import machinery and the standard library
    that is not a library's own file."""

    def by_student():
        frame = sys._getframe(2)  # by_student, the hook, then who raised the event
        while frame is not None:
            name = frame.f_code.co_filename
            if not name.startswith("<frozen") and not (name.startswith(stdlib) and not name.startswith(sites)):
                return not name.startswith(sites)
            frame = frame.f_back
        return True

    return by_student


def _hook(check_path, by_student, blocked, usable, allowed):
    """The audit hook. It refuses imports of what the grader holds back (``blocked``: module
    names and name prefixes, the answers and the tests), the student's own imports of what
    is not ``usable``, file events that ``check_path`` refuses, signals to other processes,
    and the ``refused`` events (new processes, native calls, sockets, ...)."""
    blocked_modules, blocked_prefixes = blocked
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

    def hook(event, args):
        if event == "import":
            top = (args[0] or "").split(".")[0]
            if top in blocked_modules or top.startswith(blocked_prefixes):
                raise ImportError(f"the grader does not let exercises import {args[0]}: it holds "
                                  "the answers or the tests; write the computation yourself")
            if top not in usable and by_student():
                raise ImportError(f"this exercise may use {', '.join(allowed)} and Python's standard library, "
                                  f"not {top}: the grader refuses to import it; write the computation yourself")
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

    return hook


def main(commands_fd, replies_fd):
    commands = os.fdopen(commands_fd, "r", encoding="utf-8")
    replies = os.fdopen(replies_fd, "w", encoding="utf-8")

    mark = MARK

    def reply(**message):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            os.write(1, mark)  # what was printed comes before it
        except (OSError, ValueError, AttributeError):
            pass
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    setup = json.loads(commands.readline())
    folder, work = os.getcwd(), setup["work"]
    if setup.get("sandbox", True):
        sandbox = confine(folder, work, setup["read_roots"], setup["disk"], setup.get("skip", ()))
    else:
        sandbox = "off"
        os.chdir(work)
    try:
        import resource

        for name, limit in setup["rlimits"].items():
            resource.setrlimit(getattr(resource, name), (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    _only_reachable(setup)
    for lib in setup["preload"]:
        if lib not in PRELOAD:
            continue
        __import__(lib)  # before the clock starts: an exercise is not charged for Keras' import
    if "keras" in setup["preload"]:
        import keras

        keras.layers.Dense(1).build((None, 1))  # loads the backend's lazy parts once
    sys.path[:] = [folder] + [p for p in sys.path if p and os.path.realpath(p) not in setup["hidden_paths"]]
    _guard(folder, work, setup)
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
            value = function(*[decode(a) for a in command["args"]])
            reply(op="value", value=encode(value))
        except BaseException as err:  # noqa: BLE001  (the student's code may raise anything)
            try:
                reply(op="error", kind=type(err).__name__, message=str(err)[:500])
            except BaseException:  # noqa: BLE001
                os._exit(3)


if __name__ == "__main__":
    if sys.argv[1] == "portable":  # commands on stdin, replies on the first stdout; prints go to stderr
        commands_fd, replies_fd = os.dup(0), os.dup(1)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(2, 1)
        main(commands_fd, replies_fd)
    else:
        main(int(sys.argv[1]), int(sys.argv[2]))
