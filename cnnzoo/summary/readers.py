"""Readers: a model name or spec, model JSON, a ``.keras`` file, or a live ``keras.Model``,
all turned into one :class:`Summary` by the same walk; :func:`summarize` chooses.

Nothing here imports TensorFlow: a live model is read through its own methods, a
``.keras`` file as the zip it is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Optional

from cnnzoo.specs import ModelSpec, get_spec, is_registered, list_models
from cnnzoo.summary.live import from_functional, is_functional
from cnnzoo.summary.rows import Summary
from cnnzoo.summary.trace import trace
from cnnzoo.summary.walk import walk

__all__ = ["summarize"]


def _loads(text: Any, where: str) -> dict[str, Any]:
    try:
        config = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{where} is not JSON: {err}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{where} must hold a JSON object (a model config); got {type(config).__name__}")
    return config


def _read_config(obj: str) -> tuple[dict[str, Any], str]:
    text = obj.strip()
    if text.startswith("{"):
        return _loads(text, "the model JSON"), "model JSON"
    if not os.path.exists(obj):
        raise ValueError(f"{obj!r} is neither a registered model ({', '.join(list_models())}), "
                         "a model JSON string, nor an existing .keras/.json file")
    import zipfile  # only for .keras files

    with open(obj, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK") or obj.endswith(".keras"):
        try:
            with zipfile.ZipFile(obj) as archive:
                if "config.json" not in archive.namelist():
                    raise ValueError(f"{obj!r} is a zip file without config.json: not a .keras model")
                raw = archive.read("config.json")
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as err:
            raise ValueError(f"{obj!r} is not a readable .keras file (a zip archive): {err}") from None
        return _loads(raw, f"{obj!r}'s config.json"), os.path.basename(obj)
    with open(obj, "rb") as fh:
        return _loads(fh.read(), repr(obj)), os.path.basename(obj)


def _is_keras_model(obj: Any) -> bool:
    return hasattr(obj, "count_params") and hasattr(obj, "layers") and hasattr(obj, "get_config")


def _from_keras(model: Any, depth: Optional[int], input_shape: Any) -> Summary:
    if is_functional(model) or (input_shape is None and type(model).__name__ == "Sequential"
                                and model.built and "layers" in model.get_config()):
        return from_functional(model, depth, input_shape)
    return trace(model, input_shape, depth)


def summarize(model: Any, *, depth: Optional[int] = None, input_shape: Any = None,
              **spec_options: Any) -> Summary:
    """Per-layer shapes, parameters, MACs and memory of ``model``, counted independently.

    ``model`` is a registered name (``"vgg16"``; ``spec_options`` such as
    ``variant="paper"`` or ``input_shape`` go to the spec), a :class:`~cnnzoo.specs.ModelSpec`,
    a ``keras.Model`` (each row then also carries Keras' own count), a ``model.to_json()``
    string or its dict, or the path of a ``.keras`` or ``.json`` file (read without
    TensorFlow). A Functional model, a subclass of one too (a KerasHub backbone), is walked
    through its layer graph, on ``input_shape`` (batch axis excluded) when given; a user's
    or KerasHub's layer in it is expanded into the rows of the layers it calls and of its
    own variables (see :mod:`cnnzoo.summary.live`). Any other ``keras.Model`` is traced
    through one call, one row per layer call (see :mod:`cnnzoo.summary.trace`). ``depth``
    limits how far nested models and layers are expanded (0: one row each).

    >>> summarize("alexnet", variant="paper").total
    60965224
    >>> summarize("vgg16", include_top=False).total
    14714688
    """
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"depth must be None or a non-negative integer; got {depth!r}")
    if _is_keras_model(model):
        if spec_options:
            raise TypeError(f"options {sorted(spec_options)} apply to registered model names only")
        return _from_keras(model, depth, input_shape)
    if input_shape is not None:
        spec_options["input_shape"] = input_shape
    if isinstance(model, ModelSpec):
        spec = model
    elif is_registered(model):
        spec = get_spec(model, **spec_options)
    else:
        spec = None
        if spec_options:
            raise TypeError(f"options {sorted(spec_options)} apply to registered model names only")
    if spec is not None:
        summary = walk({"class_name": "Sequential", "config": spec.to_config()}, spec.name,
                        "analytic spec" + (f", {spec.variant}" if spec.variant else ""), depth)
        return summary
    if isinstance(model, (str, os.PathLike)):
        config, source = _read_config(os.fspath(model))
        return walk(config, source, source, depth)
    if isinstance(model, Mapping):
        return walk(dict(model), "model", "config", depth)
    raise TypeError(f"summarize takes a model name, a keras.Model, a ModelSpec, model JSON or a "
                    f"path; got {type(model).__name__}")
