"""Feature extraction split between workers through a shared cache folder.

Worker ``i`` of ``n`` extracts the ``i``-th contiguous slice of the images and writes it as
a part; worker 0 waits for every part, merges them under the key a one-worker run uses and
removes the parts; the other workers wait for the merged file. Every worker first writes
its cache key (and what it is made of) beside the parts, so a worker whose key differs
(other weights, other images) is named at once instead of waited for.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Optional

import numpy as np

from cnnzoo.checks import positive_number
from cnnzoo.files import write_json
from cnnzoo.transfer import features as F
from cnnzoo.transfer.devices import worker_info

__all__ = ["extract_features", "DEFAULT_TIMEOUT"]

#: Seconds a worker waits for the others' parts (or worker 0's merged file).
DEFAULT_TIMEOUT = 600.0


def _read_json(path: str) -> Optional[dict[str, Any]]:
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _mismatch(index: int, mine: dict[str, Any], other: int, theirs: dict[str, Any]) -> str:
    differ = [k for k in mine["parts"] if mine["parts"][k] != theirs.get("parts", {}).get(k)]
    detail = "; ".join(f"{k}: worker {index} {mine['parts'][k]}, worker {other} {theirs.get('parts', {}).get(k)}"
                       for k in differ)
    hint = (" (random weights differ between processes: seed them with keras.utils.set_random_seed "
            "or load one weights file everywhere)" if "weights" in differ else "")
    return f"worker {index} and worker {other} have different cache keys: {detail}{hint}"


def _wait(index: int, mine: dict[str, Any], paths: list[tuple[int, str]], announce: str, cache_dir: str,
          since: float, timeout: float) -> None:
    """Wait until every ``(worker, path)`` is readable; raise naming a worker whose key differs."""
    deadline, failed = time.monotonic() + timeout, announce.format("error")
    for other, path in paths:
        while F.load_cache(path) is None:
            error = _read_json(failed)
            if error is not None and os.path.getmtime(failed) >= since:  # another worker found a mismatch
                raise RuntimeError(error["message"])
            theirs = _read_json(announce.format(other))
            fresh = theirs is not None and os.path.getmtime(announce.format(other)) >= since
            if fresh and theirs["key"] != mine["key"]:
                message = _mismatch(index, mine, other, theirs)
                write_json(failed, {"message": message})  # so the other workers stop too
                raise RuntimeError(message)
            if time.monotonic() > deadline:
                seen = (f"worker {other} announced key {theirs['key']} (ours {mine['key']}"
                        f"{'' if fresh else ', an older run'})" if theirs else f"worker {other} never started")
                raise TimeoutError(f"worker {index}: {os.path.basename(path)} did not appear in {cache_dir} "
                                   f"within {timeout:g} s; {seen}. Is cache_dir one folder shared by "
                                   "every worker, and did every worker start?")
            time.sleep(0.2)


def extract_features(model: Any, images: Any, cache_dir: str, *, worker: Optional[tuple[int, int]] = None,
                     batch_size: int = 32, progress: bool = True, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """:func:`cnnzoo.transfer.extract_features` of ``images`` (an (N, H, W, 3) array) split
    between workers; every worker returns all the features, equal to a one-worker run's.

    ``worker``: ``(index, count)``, default :func:`~cnnzoo.transfer.worker_info` (JAX
    processes or ``TF_CONFIG``). ``cache_dir`` must be one folder shared by every worker;
    ``timeout`` (seconds, default 10 minutes) bounds each wait for another worker.
    """
    index, count = worker if worker is not None else worker_info()
    if not (isinstance(index, int) and isinstance(count, int) and 0 <= index < count):
        raise ValueError(f"worker must be (index, count) with 0 <= index < count; got {(index, count)!r}")
    timeout = positive_number(timeout, "timeout", "seconds")
    source = np.asarray(images)
    if source.ndim != 4:
        raise ValueError(f"distributed extraction takes an (N, H, W, 3) array; got shape {source.shape}")
    parts = F.key_parts(model, source)
    path = F.cache_path(model, source, cache_dir)
    merged = F.load_cache(path)
    if merged is not None:
        return merged["features"]
    os.makedirs(cache_dir, exist_ok=True)
    mine = {"key": os.path.basename(path), "parts": parts}
    announce = os.path.join(os.fspath(cache_dir), f".workers-{count}-" + "{}.json")
    write_json(announce.format(index), mine)
    since = os.path.getmtime(announce.format(index)) - 1.0
    part = lambda i: f"{path}.part{i}of{count}"  # noqa: E731
    if F.load_cache(part(index)) is None:
        bounds = np.linspace(0, len(source), count + 1).astype(int)
        own = F.extract_features(model, source[bounds[index]:bounds[index + 1]], batch_size=batch_size,
                                 progress=progress and index == 0)
        F.save_cache(part(index), {"features": own})
    if index != 0:  # worker 0 merges; the others read what it wrote
        _wait(index, mine, [(0, path)], announce, cache_dir, since, timeout)
        return F.load_cache(path)["features"]
    _wait(0, mine, [(i, part(i)) for i in range(1, count)], announce, cache_dir, since, timeout)
    features = np.concatenate([F.load_cache(part(i))["features"] for i in range(count)])
    F.save_cache(path, {"features": features})
    for i in [*range(count), "error"]:
        for stale in (part(i), announce.format(i)):
            if os.path.exists(stale):
                os.unlink(stale)
    return features
