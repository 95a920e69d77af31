"""Reading a submission, a folder or a ``.zip``, with every cost bounded.

Only files named like an exercise module (``<module>.py``, or a notebook ``<module>.ipynb``
read as a module by :mod:`cnnzoo.grading.notebooks`) are read; nothing is extracted, imported
or executed. A zip member is read only when it is stored or deflated (bzip2 and LZMA inflate
without an output limit), inflated in a stream that stops at :data:`MAX_SOURCE` bytes
whatever size the archive declares, and only the one copy per module that will be graded
(the shallowest) is read. Entries, depth, the archive's size and the reading time are
bounded too; what was refused is said in ``notes`` (the report's problem column).

>>> import io, zipfile, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "ada.zip")
>>> with zipfile.ZipFile(path, "w") as zf:
...     zf.writestr("hw/output_size.py", "def f(): return 1\\n")
...     zf.writestr("pooling.py", "x = 1\\n", compress_type=zipfile.ZIP_BZIP2)
>>> notes = []
>>> read_submission(path, ["output_size", "pooling"], notes=notes)
{'output_size': 'def f(): return 1\\n'}
>>> notes
['pooling.py: not read: compressed with bzip2; zip it with the usual (deflate) compression']
"""

from __future__ import annotations

import os
import stat
import struct
import time
import zipfile
from pathlib import Path

from cnnzoo.grading import notebooks

__all__ = ["read_submission", "list_files", "read_files", "MAX_SOURCE", "MAX_ENTRIES", "MAX_ARCHIVE"]

MAX_SOURCE = 1 << 20  # bytes of one module
MAX_ENTRIES = 10_000  # files and folders looked at in one submission
MAX_ARCHIVE = 64 << 20  # bytes of one submission's zip
_MAX_DEPTH = 32
_MAX_DIRECTORY = 2 << 20  # bytes of a zip's central directory (10,000 entries need under 1 MiB)
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}


def _late(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ValueError("reading the submission took longer than its time limit")


def read_submission(path: str | Path, modules: list[str], *, deadline: float | None = None,
                    notes: list[str] | None = None) -> dict[str, str]:
    """The exercise modules found by file name anywhere in a folder or ``.zip``: module name
    to text. A broken or oversized zip, too many entries, or reading past ``deadline`` (a
    :func:`time.monotonic` time) raise ``ValueError``; a member or file that is refused is
    named in ``notes``."""
    path, wanted = Path(path), {f"{m}{kind}": m for m in modules for kind in (".py", ".ipynb")}
    notes = [] if notes is None else notes
    if path.is_symlink():  # a link may point anywhere, the answer key included
        raise ValueError(f"{path.name} is a link, not a submission")
    if path.is_file():
        files = _read_zip(path, wanted, deadline, notes)
    elif path.is_dir():
        files = _read_folder(path, wanted, deadline, notes)
    else:
        raise ValueError(f"{path} is neither a folder nor a .zip file")
    return _chosen(modules, files, notes)


def _chosen(modules: list[str], files: dict[str, str | None], notes: list[str]) -> dict[str, str]:
    """Each module's text from its ``.py`` or notebook, of both the one :func:`notebooks.choose` picks."""
    chosen = {m: notebooks.choose(m, files.get(f"{m}.py"), files.get(f"{m}.ipynb"), notes) for m in modules}
    return {m: text for m, text in chosen.items() if text is not None}


def _cap(name: str) -> int:
    return notebooks.MAX_NOTEBOOK if name.endswith(".ipynb") else MAX_SOURCE


def _decoded(name: str, data: bytes, notes: list[str]) -> str | None:
    """A module's text; a notebook's code as a module's (at once: its bytes are not kept)."""
    if name.endswith(".ipynb"):
        return notebooks.notebook_source(data, name, notes)
    return data.decode("utf-8", "replace")


def _read_zip(path: Path, wanted: dict[str, str], deadline: float | None,
              notes: list[str]) -> dict[str, str | None]:
    size = path.stat().st_size
    if size > MAX_ARCHIVE:
        raise ValueError(f"the zip is {size >> 20} MiB; submissions of more than {MAX_ARCHIVE >> 20} MiB are not read")
    _late(deadline)
    entries, directory = _declared(path, size)
    if entries > MAX_ENTRIES or directory > _MAX_DIRECTORY:  # before zipfile reads the directory into memory
        raise ValueError(f"the zip declares {entries} entries in {directory} bytes; at most {MAX_ENTRIES} are read")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise ValueError(f"the zip holds {len(infos)} entries; at most {MAX_ENTRIES} are read")
            chosen: dict[str, tuple[int, zipfile.ZipInfo]] = {}
            for info in infos:
                parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
                if info.is_dir() or not parts or "__MACOSX" in parts or parts[-1] not in wanted:
                    continue
                name = parts[-1]
                if name not in chosen or len(parts) < chosen[name][0]:
                    chosen[name] = (len(parts), info)
            found = {}
            for name, (_, info) in sorted(chosen.items()):
                _late(deadline)
                if info.compress_type not in _METHODS:
                    method = _NAMES.get(info.compress_type, f"method {info.compress_type}")
                    notes.append(f"{name}: not read: compressed with {method}; "
                                 "zip it with the usual (deflate) compression")
                    continue
                with zf.open(info) as member:
                    data = member.read(_cap(name) + 1)
                if len(data) > _cap(name):
                    notes.append(f"{name}: not read: larger than {_cap(name) >> 20} MiB")
                    continue
                found[name] = _decoded(name, data, notes)
            return found
    except ValueError:
        raise
    except Exception as err:  # noqa: BLE001  (encrypted, corrupt, truncated: a broken zip)
        raise ValueError(f"not a readable zip file ({type(err).__name__}: {err}): {path.name!r}") from None


def list_files(folder: str | Path) -> list[Path]:
    """The regular files in ``folder`` and below, walked without recursion: links are not
    followed, at most :data:`MAX_ENTRIES` entries and 32 folders deep are looked at."""
    found, seen, stack = [], 0, [(str(folder), 0)]
    while stack and seen <= MAX_ENTRIES:
        where, depth = stack.pop()
        try:
            with os.scandir(where) as entries:
                for entry in entries:
                    seen += 1
                    if entry.is_symlink() or seen > MAX_ENTRIES:
                        continue
                    if entry.is_dir():
                        stack += [(entry.path, depth + 1)] if depth < _MAX_DEPTH else []
                    elif entry.is_file():
                        found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


def _declared(path: Path, size: int) -> tuple[int, int]:
    """(entries, central directory bytes) a zip declares in its end record; (0, 0) where none
    is found (zipfile then says the file is broken). A zip64 archive raises ``ValueError``."""
    with path.open("rb") as f:
        f.seek(max(0, size - (1 << 16) - 22))
        tail = f.read()
        end = tail.rfind(b"PK\x05\x06")
        if end < 0 or len(tail) < end + 22:
            return 0, 0
        if b"PK\x06\x07" in tail[max(0, end - 20):end]:  # zip64: never needed for a few modules
            raise ValueError("a zip64 archive is not read; zip the modules again with the usual tools")
        return struct.unpack("<HI", tail[end + 10:end + 16])


def _read_folder(path: Path, wanted: dict[str, str], deadline: float | None,
                 notes: list[str]) -> dict[str, str | None]:
    chosen: dict[str, tuple[int, str]] = {}
    seen, stack = 0, [(str(path), 0)]
    while stack:
        folder, depth = stack.pop()
        _late(deadline)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if seen > MAX_ENTRIES:
                        raise ValueError(f"the submission holds more than {MAX_ENTRIES} files and folders")
                    if entry.is_symlink():
                        continue
                    if entry.is_dir() and not entry.name.startswith("__MACOSX") and depth < _MAX_DEPTH:
                        stack.append((entry.path, depth + 1))
                    elif entry.is_file() and entry.name in wanted:
                        if entry.name not in chosen or depth < chosen[entry.name][0]:
                            chosen[entry.name] = (depth, entry.path)
        except OSError:
            continue
    found = {}
    for name, (_, file) in sorted(chosen.items()):
        _late(deadline)
        text = _read_file(file, name, notes)
        if text is not False:
            found[name] = text
    return found


def _read_file(file: str | Path, name: str, notes: list[str]) -> str | None | bool:
    """One file, bounded: its text (``None``: a notebook with no code); ``False`` when it is a
    link, not a regular file, unreadable or over its cap (said in ``notes``)."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return False
        data = f.read(_cap(name) + 1)
    if len(data) > _cap(name):
        notes.append(f"{name}: not read: larger than {_cap(name) >> 20} MiB")
        return False
    return _decoded(name, data, notes)


def read_files(files: list[tuple[Path, str]], modules: list[str], *, deadline: float | None = None,
               notes: list[str] | None = None) -> dict[str, str]:
    """Single files, each ``(path, the file name it stands for)`` (an LMS's renamed uploads:
    :mod:`cnnzoo.grading.lms`), read as :func:`read_submission` reads a folder's."""
    notes = [] if notes is None else notes
    wanted = {f"{m}{kind}" for m in modules for kind in (".py", ".ipynb")}
    read: dict[str, str | None] = {}
    for path, name in files:
        _late(deadline)
        if name in wanted and name not in read:
            text = _read_file(path, name, notes)
            if text is not False:
                read[name] = text
    return _chosen(modules, read, notes)
