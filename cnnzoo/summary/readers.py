"""Readers: a model name or spec, model JSON, a ``.keras`` file, or a live ``keras.Model``,
all turned into one :class:`Summary` by the same walk; :func:`summarize` chooses.

Nothing here imports TensorFlow: a live model is read through its own methods, a
``.keras`` file as the zip it is.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping
from typing import Any, Optional

from cnnzoo.specs import ModelSpec, get_spec, is_registered, list_models
from cnnzoo.summary.rows import Summary
from cnnzoo.summary.walk import walk

__all__ = ["summarize"]


def _read_config(obj: str) -> tuple[dict[str, Any], str]:
    text = obj.strip()
    if text.startswith("{"):
        return json.loads(text), "model JSON"
    if not os.path.exists(obj):
        raise ValueError(f"{obj!r} is neither a registered model ({', '.join(list_models())}), "
                         "a model JSON string, nor an existing .keras/.json file")
    import zipfile  # only for .keras files

    if zipfile.is_zipfile(obj):
        with zipfile.ZipFile(obj) as archive:
            if "config.json" not in archive.namelist():
                raise ValueError(f"{obj!r} is a zip file without config.json: not a .keras model")
            return json.loads(archive.read("config.json")), os.path.basename(obj)
    with open(obj, encoding="utf-8") as fh:
        try:
            return json.load(fh), os.path.basename(obj)
        except json.JSONDecodeError as err:
            raise ValueError(f"{obj!r} is not a .keras file nor model JSON: {err}") from None


def _is_keras_model(obj: Any) -> bool:
    return hasattr(obj, "count_params") and hasattr(obj, "layers") and hasattr(obj, "get_config")


def _keras_layers(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for layer in model.layers:
        yield prefix + layer.name, layer
        if hasattr(layer, "layers") and hasattr(layer, "get_config"):
            yield from _keras_layers(layer, prefix + layer.name + "/")



def _size(variables: Any) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def _from_keras(model: Any, depth: Optional[int]) -> Summary:
    try:
        config = model.get_config()
    except NotImplementedError:
        config = None
    if not config or "layers" not in config:
        raise TypeError(f"summarize needs a Functional or Sequential keras.Model; "
                        f"{type(model).__name__} is subclassed and has no layer graph in its config")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built: give it an Input or call build()")
    kind = "Sequential" if type(model).__name__ == "Sequential" else "Functional"
    summary = walk({"class_name": kind, "config": config}, model.name, "keras.Model", depth)
    live = dict(_keras_layers(model))
    for row in summary.rows:
        layer = live.get(row.name)
        if layer is None:
            continue
        row.keras_trainable = _size(layer.trainable_weights)
        row.keras_params = row.keras_trainable + _size(layer.non_trainable_weights)
        try:
            out = layer.output
            shapes = [tuple(t.shape[1:]) for t in out] if isinstance(out, (list, tuple)) \
                else tuple(out.shape[1:])
            row.keras_shape = shapes
        except (AttributeError, ValueError, RuntimeError):
            pass
    summary.keras_total = int(model.count_params())
    return summary


def summarize(model: Any, *, depth: Optional[int] = None, **spec_options: Any) -> Summary:
    """Per-layer shapes, parameters, MACs and memory of ``model``, counted independently.

    ``model`` is a registered name (``"vgg16"``; ``spec_options`` such as
    ``variant="paper"`` or ``input_shape`` go to the spec), a :class:`~cnnzoo.specs.ModelSpec`,
    a ``keras.Model`` (Functional or Sequential; each row then also carries Keras' own
    count), a ``model.to_json()`` string or its dict, or the path of a ``.keras`` or
    ``.json`` file (read without TensorFlow). ``depth`` limits how far nested models
    are expanded (0: one row each).

    >>> summarize("alexnet", variant="paper").total
    60965224
    >>> summarize("vgg16", include_top=False).total
    14714688
    """
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"depth must be None or a non-negative integer; got {depth!r}")
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
    if _is_keras_model(model):
        return _from_keras(model, depth)
    raise TypeError(f"summarize takes a model name, a keras.Model, a ModelSpec, model JSON or a "
                    f"path; got {type(model).__name__}")
