"""Pretrained weights, one loader for the zoo's builders and the transfer backbones.

``weights`` is ``None``, ``"imagenet"`` (from the Keras cache, or downloaded when the host
answers within seconds, else :class:`WeightsUnavailable` saying which file and where) or a
local file: a ``.weights.h5`` saved from the same architecture, or a ``.keras`` model whose
layers carry the same names. ``cnnzoo weights list|import`` place files for offline machines.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any, Optional

from cnnzoo.files import atomic_path

__all__ = ["WeightsUnavailable", "weights_dir", "list_weights", "import_weights", "check", "load_file",
           "copy_by_name", "fail_fast_downloads"]


class WeightsUnavailable(FileNotFoundError):
    """Pretrained weights are neither in the Keras cache nor downloadable."""


def weights_dir() -> str:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras/models``).

    Keras fixes its home when it is imported; once it is, its own answer is used.
    """
    if "keras" in sys.modules:
        from keras.src.backend import config

        home = config.keras_home()
    else:
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(os.path.expanduser(home), "models")


def list_weights() -> list[tuple[str, int]]:
    """(file name, size in bytes) of the weight files in :func:`weights_dir`."""
    folder = weights_dir()
    if not os.path.isdir(folder):
        return []
    return sorted((f, os.path.getsize(os.path.join(folder, f))) for f in os.listdir(folder)
                  if f.endswith((".h5", ".keras")))


def import_weights(path: str) -> str:
    """Copy a weights file (downloaded elsewhere) into the Keras cache, atomically."""
    if not os.path.isfile(path):
        raise ValueError(f"no such weights file: {path!r}")
    target = os.path.join(weights_dir(), os.path.basename(path))
    with atomic_path(target) as tmp:
        shutil.copyfile(path, tmp)
    return target


def check(weights: Any) -> Optional[str]:
    """``None`` or ``"imagenet"`` as they are, else the path of an existing file."""
    if weights is None or weights == "imagenet":
        return weights
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise ValueError(f"weights must be None, 'imagenet' or an existing file; got {path!r}")
    return path


def copy_by_name(source: Any, target: Any) -> None:
    """Copy weights layer by layer, by name; every weighted layer of ``target`` must be found."""
    for layer in target.layers:
        if not layer.weights:
            continue
        try:
            src = source.get_layer(layer.name)
        except ValueError:
            raise ValueError(f"the weights have no layer named {layer.name!r}") from None
        layer.set_weights(src.get_weights())


def load_file(model: Any, path: str) -> Any:
    """Load a ``.weights.h5`` file, or a ``.keras`` model's weights by layer name, into ``model``."""
    import keras

    from cnnzoo.layers import CUSTOM_OBJECTS

    if path.endswith(".keras"):
        copy_by_name(keras.models.load_model(path, custom_objects=CUSTOM_OBJECTS, compile=False), model)
    else:
        model.load_weights(path)
    return model


@contextlib.contextmanager
def fail_fast_downloads(name: str, timeout: float = 3.0) -> Iterator[None]:
    """While building a backbone: a cached file is used as is; a missing one is fetched only
    when its host answers within ``timeout`` s, else :class:`WeightsUnavailable`."""
    from keras.src.utils import file_utils

    original = file_utils.get_file

    def get_file(fname: Any = None, origin: Any = None, *args: Any, **kwargs: Any) -> Any:
        cache_dir = kwargs.get("cache_dir") or os.path.dirname(weights_dir())
        subdir = kwargs.get("cache_subdir", "datasets")
        fname = fname or os.path.basename(urllib.parse.urlsplit(origin).path)
        target = os.path.join(os.path.expanduser(cache_dir), subdir, fname)
        if not os.path.exists(target):
            host = urllib.parse.urlsplit(origin).hostname or ""
            try:
                socket.create_connection((host, 443), timeout=timeout).close()
            except OSError as err:
                raise WeightsUnavailable(
                    f"ImageNet weights for {name} are not cached and cannot be downloaded ({err}).\n"
                    f"  missing file: {fname}\n  looked for:   {target}\n"
                    f"  fix: copy the file there (cnnzoo weights import {fname}), set KERAS_HOME to "
                    f"a folder holding models/{fname}, or pass weights='path/to/file.weights.h5'"
                ) from None
        return original(fname, origin, *args, **kwargs)

    file_utils.get_file = get_file
    try:
        yield
    finally:
        file_utils.get_file = original
