"""The layer API every handler imports: :class:`LayerCount`, the handler registry
(:func:`handles`), and the shape helpers and formatting the handlers share.

It imports no handler module, so a handler module can import it (and
:mod:`.config`'s field readers) without forming a circle.

>>> split_channels({"data_format": "channels_first"}, (3, 32, 32))
([32, 32], 3, True)
>>> join_channels([16, 16], 8, False)
(16, 16, 8)
>>> broadcast([(4, 1), (None, 3)])
(4, 3)
>>> fmt(48120)
'48,120'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

from cnnzoo.arithmetic.core import fmt

__all__ = [
    "Dim", "Shape", "LayerCount", "UnknownLayer", "Handler", "CALL_OPTIONS", "HANDLERS", "handles",
    "known_layers", "builtin", "prod", "one", "split_channels", "join_channels", "sizes", "need",
    "fmt", "output_shapes", "broadcast", "axes",
]

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


Handler = Callable[[dict[str, Any], list[Shape]], LayerCount]
CALL_OPTIONS = ("return_attention_scores", "reverse")  # call arguments that change the outputs
HANDLERS: dict[str, Handler] = {}  # Keras layer class name -> its handler


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for the Keras layer classes ``names``."""
    def add(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return add


def known_layers() -> list[str]:
    """Layer class names the engine counts."""
    return sorted(HANDLERS)


def builtin(module: str) -> bool:
    """Whether a config's ``module`` is Keras' or cnnzoo's own (not a user's class)."""
    return any(module == home or module.startswith(home + ".") for home in ("keras", "cnnzoo"))


def prod(values: Sequence[Dim]) -> Dim:
    """The product of sizes; ``None`` when one is unknown."""
    out = 1
    for v in values:
        if v is None:
            return None
        out *= v
    return out


def one(shapes: list[Shape], rank: int | None = None, what: str = "") -> Shape:
    """The only input shape (of ``rank`` axes without the batch axis, when given)."""
    if len(shapes) != 1:
        raise ValueError(f"{what or 'layer'} takes one input; got {len(shapes)}")
    shape = shapes[0]
    if rank is not None and len(shape) != rank:
        raise ValueError(f"{what} expects inputs of rank {rank + 1} (with the batch axis); "
                         f"got shape {(None, *shape)}")
    return shape


def split_channels(cfg: dict[str, Any], shape: Shape) -> tuple[list[Dim], Dim, bool]:
    """(spatial sizes, channels, channels-first) of a batchless shape."""
    first = cfg.get("data_format") == "channels_first"
    if first:
        return list(shape[1:]), shape[0], True
    return list(shape[:-1]), shape[-1], False


def join_channels(spatial: Sequence[Dim], channels: Dim, first: bool) -> Shape:
    """:func:`split_channels` undone."""
    return (channels, *spatial) if first else (*spatial, channels)


def sizes(fn: Callable[..., Any], ns: Sequence[Dim], f: Sequence[Any], **per_axis: Sequence[Any]
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


def need(value: Dim, what: str) -> int:
    """A size the weights depend on, which must be known."""
    if value is None:
        raise ValueError(f"the {what} must be known to count weights; got None")
    return value


def output_shapes(result: LayerCount) -> list[Shape]:
    """A result's output shapes as a list (one output is a list of one)."""
    return result.output if isinstance(result.output, list) else [result.output]


def broadcast(shapes: list[Shape]) -> Shape:
    """The shape NumPy-style broadcasting gives ``shapes`` (unknown sizes stay unknown)."""
    rank = max(len(s) for s in shapes)
    out: list[Dim] = []
    for i in range(rank):
        dims = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0} - {1}
        known = dims - {None}
        if len(known) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast together")
        out.append(known.pop() if known else (None if None in dims else 1))
    return tuple(out)


def axes(cfg: dict[str, Any], shape: Shape, default: Any = -1) -> list[int]:
    """Keras axis numbers (they count the batch axis) as indices into a batchless shape."""
    axis = cfg.get("axis", default) if isinstance(cfg, dict) else default
    values = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    full = len(shape) + 1
    out = []
    if not values or any(isinstance(a, bool) or not isinstance(a, int) for a in values):
        raise ValueError(f"'axis' must be an integer or a list of integers; got {axis!r}")
    for a in values:
        a = a + full if a < 0 else a
        if not 1 <= a < full:
            raise ValueError(f"axis {axis} does not name a feature axis of inputs with shape "
                             f"{(None, *shape)}")
        out.append(a - 1)
    return out
