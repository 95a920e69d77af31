"""The kernel sandbox of a student's process, applied by the child to itself before any
library is imported (what it may read is decided in the grader: :mod:`cnnzoo.grading.roots`).

In order: the process makes itself the OOM killer's first choice; mounts a size-limited
tmpfs over its work folder in a mount namespace of its own (its writes cost memory the
grader bounds, never the machine's disk, and vanish with it); gives up every capability;
Landlock (Linux 5.13+) lets it read only the roots it is given and its module folder, and
write only its work folder, refuses TCP, and scopes signals and abstract sockets to the
process itself; a seccomp filter (x86_64) refuses new processes, ``ptrace``, other
processes' memory, pidfds, sockets, io_uring, namespaces, and memory that no address-space
limit sees (``memfd_create``, System V and POSIX shared memory and queues). All of it holds
for root and cannot be lifted from inside. The grader runs this file's text ahead of
``child.py`` (neither imports cnnzoo there), so it keeps to the standard library.
"""

import os

_LL_FS = [1 << i for i in range(16)]  # EXECUTE .. IOCTL_DEV, by Landlock ABI version below
_LL_FS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
_LL_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)
_LL_READ = (1 << 2) | (1 << 3)  # READ_FILE, READ_DIR (no EXECUTE: nothing may be executed)


def _landlock(folder, work, read_roots):
    """Allow reading ``read_roots`` (``(path, "read" or "list")``: "list" reads folder listings
    only) and ``folder``, everything inside ``work``; nothing else. Returns the ABI."""
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
        rules = ([(folder, _LL_READ), (work, own)] + [(root, _LL_READ if how == "read" else 1 << 3) for root, how in read_roots]
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
# memory, pidfds, namespaces, the system's own state, io_uring, every socket (a UNIX
# socket's path is not a file Landlock guards), mknod, real-time scheduling, priority; and
# memory held outside the address space (RLIMIT_AS never counts it, System V objects even
# outlive the process): memfd_create, memfd_secret, shmget/shmat/shmctl, msgget, semget,
# mq_open, userfaultfd, keys.
_DENIED_X86_64 = (57, 58, 59, 322, 101, 310, 311, 434, 424, 272, 308, 165, 166, 161, 155, 321, 298,
                  250, 169, 246, 320, 175, 313, 176, 112, 109, 425, 426, 427, 41, 53, 42, 44, 46, 307,
                  200, 129, 297, 133, 259, 144, 314, 141,
                  319, 447, 29, 30, 31, 68, 64, 240, 323, 248, 249, 440, 438)
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


def _oom_first():
    """Be the OOM killer's first choice (never the grader): raising one's own score needs no privilege."""
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")


def _private_tmpfs(work, size):
    """Mount a tmpfs of ``size`` bytes over ``work`` in a mount namespace of this process's own
    (a user namespace too when it lacks the privilege): the grader's disk is never touched,
    the pages are bounded and counted as this process's memory, and all of it goes away with
    the process, however deep the folders it made."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(0x20000) != 0:  # CLONE_NEWNS: a root grader
        if libc.unshare(0x20000 | 0x10000000) != 0:  # and CLONE_NEWUSER
            raise OSError(ctypes.get_errno(), "no mount namespace")
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    if libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None) != 0:  # MS_REC | MS_PRIVATE
        raise OSError(ctypes.get_errno(), "cannot make the mounts private")
    options = f"size={size},nr_inodes=20000,mode=0700".encode()
    if libc.mount(b"cnnzoo", work.encode(), b"tmpfs", 2 | 4 | 8, options) != 0:  # nosuid, nodev, noexec
        raise OSError(ctypes.get_errno(), "cannot mount a tmpfs")


def confine(folder, work, read_roots, disk=256 << 20, skip=()):
    """Confine this process (reading ``folder`` and ``read_roots``, writing ``work`` only, at
    most ``disk`` bytes there); end in ``work``; return what holds (the report says it).
    ``skip`` names layers to leave off ("tmpfs", "landlock", "seccomp"): the grader's tests
    use it to stand for a kernel that lacks them."""
    held = []
    try:
        _oom_first()
        held.append("OOM killer's first choice")
    except OSError as err:
        held.append(f"OOM score kept ({err})")
    try:
        if "tmpfs" in skip:
            raise OSError("left off")
        _private_tmpfs(work, disk)
        held.append(f"private tmpfs {disk >> 20} MiB")
    except (OSError, AttributeError) as err:
        held.append(f"no private tmpfs ({err})")
    os.chdir(work)
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
        if "landlock" in skip:
            raise OSError("left off")
        held.append(f"Landlock ABI {_landlock(folder, work, read_roots)}")
    except (OSError, AttributeError) as err:
        held.append(f"no Landlock ({err})")
    try:
        if "seccomp" in skip:
            raise OSError("left off")
        _seccomp()
        held.append("seccomp")
    except (OSError, AttributeError) as err:
        held.append(f"no seccomp ({err})")
    return ", ".join(held)
