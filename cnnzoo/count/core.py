"""The engine's core: :class:`LayerCount`, the handler registry (one handler per Keras
layer class, registered by :func:`handles`), :func:`count_layer`, and the helpers the
handlers share. The handlers live in :mod:`.weighted`, :mod:`.shapes` and
:mod:`.historic`; :mod:`cnnzoo.count` imports them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

__all__ = ["LayerCount", "UnknownLayer", "count_layer", "known_layers", "Shape", "Dim", "CALL_OPTIONS"]

Dim = Optional[int]
Shape = tuple[Dim, ...]


@dataclass
class LayerCount:
    """What the engine knows of one layer call: output shape(s), weights, work."""

    output: Union[Shape, list[Shape]]
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    explain: str = "no weights"
    shape_explain: str = ""


class UnknownLayer(LookupError):
    """The engine has no formula for this layer class (reported, never guessed)."""


_Handler = Callable[[dict[str, Any], list[Shape]], LayerCount]
CALL_OPTIONS = ("return_attention_scores", "reverse")  # call arguments that change the outputs
_HANDLERS: dict[str, _Handler] = {}


def handles(*names: str) -> Callable[[_Handler], _Handler]:
    def add(fn: _Handler) -> _Handler:
        for name in names:
            _HANDLERS[name] = fn
        return fn

    return add


def known_layers() -> list[str]:
    """Layer class names the engine counts."""
    return sorted(_HANDLERS)


def count_layer(class_name: str, config: dict[str, Any], input_shapes: Sequence[Shape],
                module: str | None = None, *, registered_name: str | None = None,
                call: dict[str, Any] | None = None) -> LayerCount:
    """Shape, parameters and MACs of one call of a layer, from its config alone.

    ``module`` and ``registered_name`` are the config's entries of those names (the
    class's home): a handler is chosen by Keras' (or cnnzoo's) registered class, never by
    the name alone, so a user's own ``Dense`` is unknown. Keras operations used on symbolic tensors (``keras.src.ops.*``)
    share some class names with layers. Raises :class:`UnknownLayer` for a class the
    engine has no formula for. ``call`` holds the call's own arguments that change its
    outputs (:data:`CALL_OPTIONS`: an attention layer's ``return_attention_scores``,
    ``ReversibleEmbedding``'s ``reverse``); the handlers read them as config fields.

    >>> count_layer("Dense", {"units": 2}, [(3,)], "keras.layers").trainable
    8
    >>> count_layer("Dense", {"units": 2}, [(3,)], "my_project.layers")
    Traceback (most recent call last):
    ...
    cnnzoo.count.core.UnknownLayer: my_project.layers.Dense (a user's class)
    """
    shapes = [tuple(s) for s in input_shapes]
    if (module is not None and not _builtin(module)) or (module is None and (
            registered_name is not None and not _builtin(registered_name.split(">")[0]))):
        home = registered_name if module is None else f"{module}.{class_name}"
        raise UnknownLayer(f"{home} (a user's class)")  # whatever its name
    if module and module.startswith("keras.src.ops"):
        from cnnzoo.count.shapes import keras_op

        return keras_op(class_name, shapes)
    handler = _HANDLERS.get(class_name)
    if handler is None:
        raise UnknownLayer(class_name)
    if call and isinstance(config, dict):
        config = {**config, **{k: call[k] for k in CALL_OPTIONS if k in call}}
    m = None if class_name.startswith("ConvLSTM") else re.search(r"([123])D(Transpose)?$", class_name)
    if m and shapes and len(shapes[0]) != int(m.group(1)) + 1:
        raise ValueError(f"{class_name} expects inputs of rank {int(m.group(1)) + 2} (batch, "
                         f"{m.group(1)} spatial axes, channels); got shape {(None, *shapes[0])}")
    result = handler(config, shapes)
    if config.get("trainable") is False and result.trainable:
        result.non_trainable += result.trainable
        result.trainable = 0
    return result



# ----------------------------------------------------------------------------- helpers


def _builtin(module: str) -> bool:
    """Whether a config's ``module`` is Keras' or cnnzoo's own (not a user's class)."""
    return any(module == home or module.startswith(home + ".") for home in ("keras", "cnnzoo"))


def _prod(values: Sequence[Dim]) -> Dim:
    out = 1
    for v in values:
        if v is None:
            return None
        out *= v
    return out


def _tuple(value: Any, rank: int) -> tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and rank > 1:
            return tuple(value) * rank
        return tuple(value)
    return (value,) * rank


def _one(shapes: list[Shape], rank: int | None = None, what: str = "") -> Shape:
    if len(shapes) != 1:
        raise ValueError(f"{what or 'layer'} takes one input; got {len(shapes)}")
    shape = shapes[0]
    if rank is not None and len(shape) != rank:
        raise ValueError(f"{what} expects inputs of rank {rank + 1} (with the batch axis); "
                         f"got shape {(None, *shape)}")
    return shape


def _split_channels(cfg: dict[str, Any], shape: Shape) -> tuple[list[Dim], Dim, bool]:
    first = cfg.get("data_format") == "channels_first"
    if first:
        return list(shape[1:]), shape[0], True
    return list(shape[:-1]), shape[-1], False


def _join_channels(spatial: Sequence[Dim], channels: Dim, first: bool) -> Shape:
    return (channels, *spatial) if first else (*spatial, channels)


def _sizes(fn: Callable[..., Any], ns: Sequence[Dim], f: Sequence[Any], **per_axis: Sequence[Any]
           ) -> tuple[list[Dim], str]:
    """Apply an arithmetic function ``fn(n, f, *, p, s, ...)`` per spatial axis; unknown sizes stay unknown."""
    out, texts = [], []
    for i, n in enumerate(ns):
        if n is None:
            out.append(None)
            texts.append("unknown")
            continue
        r = fn(n, f[i], **{name: values[i] for name, values in per_axis.items()}, explain=True)
        out.append(r.value)
        texts.append(r.text)
    text = texts[0] if len(set(texts)) == 1 else "; ".join(texts)
    return out, text


def _need(value: Dim, what: str) -> int:
    if value is None:
        raise ValueError(f"the {what} must be known to count weights; got None")
    return value


def _fmt(n: int) -> str:
    return f"{n:,}"


