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


def _keras_layers(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for layer in model.layers:
        yield prefix + layer.name, layer
        if hasattr(layer, "layers") and hasattr(layer, "get_config"):
            yield from _keras_layers(layer, prefix + layer.name + "/")



def _size(variables: Any) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def _graph(model: Any) -> Optional[dict[str, Any]]:
    """A Functional or Sequential model's config (it holds the layer graph), else ``None``."""
    try:
        config = model.get_config()
    except NotImplementedError:
        return None
    return config if isinstance(config, dict) and "layers" in config and model.built else None


class _Live:
    """Answers for a live model's layers the engine does not count (see :func:`walk`)."""

    def __init__(self, model: Any):
        self.layers = dict(_keras_layers(model))

    def __call__(self, path: str, shapes: list[Any], depth: int, max_depth: Optional[int]) -> Any:
        layer = self.layers.get(path)
        if layer is None or _graph(layer) is not None:
            return None
        from cnnzoo.summary.trace import expand

        try:
            return expand(layer, shapes, path, depth, max_depth)
        except ValueError:
            return None

    def shapes(self, path: str, shapes: list[Any]) -> Optional[list[Any]]:
        layer = self.layers.get(path)
        if layer is None:
            return None
        try:
            out = layer.output if len(getattr(layer, "_inbound_nodes", ())) == 1 else None
            if out is None and None not in shapes:
                import keras

                args = [keras.KerasTensor((None, *s)) for s in shapes]
                out = layer.compute_output_spec(*args) if len(args) > 1 else \
                    layer.compute_output_spec(args[0])
        except Exception:  # noqa: BLE001  (an unknown layer's shape is then shown as unknown)
            return None
        if out is None:
            return None
        return [tuple(t.shape[1:]) for t in out] if isinstance(out, (list, tuple)) else [tuple(out.shape[1:])]


def _from_keras(model: Any, depth: Optional[int], input_shape: Any) -> Summary:
    config = _graph(model)
    if config is None or input_shape is not None:
        from cnnzoo.summary.trace import trace

        return trace(model, input_shape, depth)
    kind = "Sequential" if type(model).__name__ == "Sequential" else "Functional"
    summary = walk({"class_name": kind, "config": config}, model.name, "keras.Model", depth,
                   _Live(model))
    live = dict(_keras_layers(model))
    for row in summary.rows:
        layer = live.get(row.name)
        if layer is None or (row.container and "some not counted" in row.explain):
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


def summarize(model: Any, *, depth: Optional[int] = None, input_shape: Any = None,
              **spec_options: Any) -> Summary:
    """Per-layer shapes, parameters, MACs and memory of ``model``, counted independently.

    ``model`` is a registered name (``"vgg16"``; ``spec_options`` such as
    ``variant="paper"`` or ``input_shape`` go to the spec), a :class:`~cnnzoo.specs.ModelSpec`,
    a ``keras.Model`` (Functional or Sequential; each row then also carries Keras' own
    count), a ``model.to_json()`` string or its dict, or the path of a ``.keras`` or
    ``.json`` file (read without TensorFlow). A subclassed ``keras.Model`` (or one given
    ``input_shape``, batch axis excluded) is traced through one call, one row per layer
    call (see :mod:`cnnzoo.summary.trace`). ``depth`` limits how far nested models are
    expanded (0: one row each).

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
