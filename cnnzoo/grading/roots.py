"""What a student's process may read, decided in the grader: the standard library, the
libraries its exercise allows (``ALLOW``) with everything they require, and a few system
folders; never the rest of site-packages, the cnnzoo package, the course's folders, the
grader's output or the machine's secrets.

The libraries are found by their installed metadata: an allowed library's distribution,
the distributions it requires (transitively, extras left out), and for Keras the backend
it runs on. Only their folders become readable, so a library the exercise does not allow
(SciPy, scikit-learn) cannot be imported even by code that forges where it comes from:
the kernel (Landlock) refuses to read its files.

>>> "numpy" in library_names(("numpy",)), "scipy" in library_names(("numpy",))
(True, False)
"""

from __future__ import annotations

import functools
import glob
import os
import re
import sysconfig

from cnnzoo.data import mnist_copies
from cnnzoo.grading.coursefolder import FOLDERS

__all__ = ["read_roots", "package_roots", "held_out_files", "library_folders", "library_names",
           "ALWAYS_ALLOWED", "HELD_BACK_FOLDERS", "HELD_BACK_MODULES", "HELD_BACK_PREFIXES"]

ALWAYS_ALLOWED = ("numpy", "matplotlib")  # every exercise may use NumPy, and plot (plotting computes no answer)
# what the grader holds back from a student's process, told to it as paths and names in its setup:
HELD_BACK_FOLDERS = (*FOLDERS, "tests")  # beside the cnnzoo package in a checkout: the course, the tests
HELD_BACK_MODULES = ("cnnzoo", *FOLDERS, "conftest")  # never imported by a child: the answers, the tests
HELD_BACK_PREFIXES = ("test_",)  # nor any module named so: the instructor's tests

_SYSTEM_ROOTS = ("/usr", "/lib", "/lib32", "/lib64", "/etc", "/sys", "/dev/null", "/dev/zero",
                 "/dev/urandom", "/dev/random")
# never readable, even by a root grader: secrets and the raw devices of the machine
_SECRETS = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
            "/etc/ssh", "/etc/ssl/private", "/etc/security/opasswd", "/etc/credstore", "/etc/docker")
_BACKENDS = {"tensorflow": ("tensorflow",), "jax": ("jax", "jaxlib"), "torch": ("torch",), "numpy": ()}


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _carve(root: str, blocked: list[str]) -> list[tuple[str, str]]:
    """``root`` as Landlock rules that leave out every ``blocked`` folder inside it: the
    siblings along the way down may be read; the folders on the way may only be listed
    (so Python still finds the other packages there), the blocked ones not even that."""
    real = os.path.realpath(root)
    if real != root:  # a rule opens what a link points at (/lib is /usr/lib on most systems now)
        return _carve(real, blocked)
    inner = [b for b in blocked if _inside(b, root)]
    if not inner:
        return [(root, "read")]
    if any(b == root for b in inner) or not os.path.isdir(root):
        return []
    granted = [(root, "list")]
    for name in sorted(os.listdir(root)):
        granted += _carve(os.path.join(root, name), inner)
    return granted


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.lru_cache(maxsize=16)
def _closure(libraries: tuple[str, ...], backend: str) -> tuple[frozenset[str], frozenset[str]]:
    """(folders and files, top-level import names) of ``libraries``' distributions and
    every distribution they require."""
    from importlib import metadata

    wanted = list(libraries) + (list(_BACKENDS.get(backend, (backend,))) if "keras" in libraries else [])
    todo = []
    for lib in wanted:  # a library's distribution usually has its name; else the index says which
        try:
            todo.append(metadata.distribution(lib).metadata["Name"])
        except metadata.PackageNotFoundError:
            todo += metadata.packages_distributions().get(lib, [])
    seen: set[str] = set()
    paths: set[str] = set()
    names: set[str] = set(wanted)
    while todo:
        name = todo.pop()
        if _canonical(name) in seen:
            continue
        seen.add(_canonical(name))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for requirement in dist.requires or []:
            if not re.search(r"\bextra\s*==", requirement):
                todo.append(re.match(r"[A-Za-z0-9._-]+", requirement).group())  # type: ignore[union-attr]
        for file in dist.files or []:
            parts = file.parts
            if not parts or parts[0] == "..":
                continue  # scripts and data installed outside site-packages
            if parts[0] == "__pycache__":  # a single-file module's bytecode: that file only
                paths.add(os.path.realpath(dist.locate_file(file)))
                continue
            paths.add(os.path.realpath(dist.locate_file(parts[0])))
            top = parts[0][:-3] if parts[0].endswith(".py") else parts[0]
            if "." not in top:
                names.add(top)
    return frozenset(paths), frozenset(names)


def _backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def library_folders(libraries: tuple[str, ...]) -> list[str]:
    """The installed folders and files of ``libraries`` and all they require."""
    import importlib.util

    paths = set(_closure(tuple(sorted(set(libraries))), _backend())[0])
    for name in libraries:  # a library installed without a file list (a system package): its folder
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
        if spec is not None and spec.submodule_search_locations:
            paths |= {os.path.realpath(p) for p in spec.submodule_search_locations}
    return sorted(paths)


def library_names(libraries: tuple[str, ...]) -> frozenset[str]:
    """The top-level import names ``libraries`` bring, their requirements' included."""
    return _closure(tuple(sorted(set(libraries))), _backend())[1] | frozenset(libraries)


def read_roots(hidden: list[str], blocked: list[str],
               libraries: tuple[str, ...] = ALWAYS_ALLOWED) -> list[tuple[str, str]]:
    """What the child may read, as ``(path, "read" or "list")`` rules: the standard library,
    the folders of ``libraries`` (:func:`library_folders`), site-packages folders to list
    only, and a few system folders; ``hidden`` paths, ``blocked`` folders and the machine's
    secrets carved out. Never the grader's script folder or working folder
    (``sys.path[0]``), nor ``/proc`` (its environment and command line are there)."""
    import site

    paths = sysconfig.get_paths()
    stdlib = {os.path.realpath(paths[key]) for key in ("stdlib", "platstdlib") if key in paths}
    sites = {os.path.realpath(paths[key]) for key in ("purelib", "platlib") if key in paths}
    sites |= {os.path.realpath(p) for p in site.getsitepackages() if os.path.isdir(p)}
    keep = [os.path.realpath(b) for b in blocked] + list(_SECRETS) + [os.path.realpath(p) for p in hidden]
    # every folder of installed libraries (ours, the standard library's own, the system's under /usr)
    # is only listed: what may be read there is the allowed libraries' closure, granted below
    libraries_anywhere = {os.path.realpath(p) for p in glob.glob("/usr/lib*/python3*/*-packages")
                          + glob.glob("/usr/local/lib*/python3*/*-packages")}
    libraries_anywhere |= sites | {os.path.join(s, n) for s in stdlib for n in ("site-packages", "dist-packages")}
    unlisted = keep + sorted(libraries_anywhere)
    out: list[tuple[str, str]] = []
    for root in sorted(stdlib | {r for r in _SYSTEM_ROOTS if os.path.exists(r)}):
        out += _carve(root, unlisted)
    out += [(s, "list") for s in sorted(sites) if s not in keep]
    for root in library_folders(tuple(libraries)):
        if os.path.exists(root):
            out += _carve(root, keep)
    return sorted(set(out))


def package_roots() -> list[str]:
    """What the child may not read: the cnnzoo package, the course folders beside it
    (:data:`HELD_BACK_FOLDERS`), and the data the grader holds out (:func:`held_out_files`)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    beside = [os.path.join(os.path.dirname(package), name) for name in HELD_BACK_FOLDERS]
    return [package] + [folder for folder in beside if os.path.isdir(folder)] + held_out_files()


def held_out_files() -> list[str]:
    """Every copy of the MNIST sample (:func:`cnnzoo.data.mnist_copies`): the grader trains
    students' models on part of it and measures them on the rest, so no student process
    reads it."""
    return mnist_copies()
