"""Files written whole or not at all: a temporary file beside the target, then a rename.

A reader (another worker, a teaching assistant, a restarted job) sees the old file or the
complete new one, never half of one. The one helper every module uses for that.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> write_atomic(os.path.join(folder, "notes", "a.txt"), "hello\\n")
>>> open(os.path.join(folder, "notes", "a.txt")).read()
'hello\\n'
>>> with atomic_path(os.path.join(folder, "b.bin")) as tmp:
...     with open(tmp, "wb") as fh:
...         _ = fh.write(b"\\x00\\x01")
>>> sorted(os.listdir(folder))
['b.bin', 'notes']
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any, Union

__all__ = ["PRIVATE", "SHARED", "atomic_path", "write_atomic", "write_json"]

PathLike = Union[str, "os.PathLike[str]"]

PRIVATE = 0o600  #: readable by the owner only (a course secret)
SHARED = 0o640  #: what an instructor shares with their group (teaching assistants): grades, reports


@contextlib.contextmanager
def atomic_path(path: PathLike, *, mode: int | None = None, fsync: bool = True) -> Iterator[str]:
    """Yield a temporary path beside ``path``; when the block ends without an error, flush it
    to disk (``fsync``), set ``mode`` and rename it over ``path``. On an error the temporary
    file is removed and ``path`` is left as it was. Missing folders are made."""
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix="-" + os.path.basename(target))
    os.close(fd)
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        if fsync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomic(path: PathLike, data: str | bytes, mode: int = PRIVATE) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` whole, with permissions ``mode``
    (:data:`PRIVATE` unless told: :data:`SHARED` is readable by the owner's group)."""
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"data must be str or bytes; got {type(data).__name__}")
    with atomic_path(path, mode=mode) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_json(path: PathLike, data: Any, mode: int = PRIVATE) -> None:
    """Write ``data`` as indented JSON, whole (see :func:`write_atomic`)."""
    write_atomic(path, json.dumps(data, indent=2) + "\n", mode)
