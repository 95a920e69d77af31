"""What an output pixel sees and how often an input pixel is read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cnnzoo.arithmetic.core import Explained, Size, is_pair, per_axis
from cnnzoo.arithmetic.sizes import conv_one
from cnnzoo.checks import check_int

__all__ = ["receptive_field", "pixel_usage"]


def _layer_triples(layers: Any) -> list[tuple[int, int, int]]:
    if isinstance(layers, str):
        from cnnzoo.specs import get_spec  # a model name: read its layers from the spec

        return get_spec(layers).receptive_layers()
    triples = []
    for i, layer in enumerate(layers):
        if isinstance(layer, dict):
            f, s, d = layer.get("f"), layer.get("s", 1), layer.get("d", 1)
        elif is_pair(layer) and len(layer) in (2, 3):
            f, s, d = (*layer, 1)[:3]
        else:
            raise ValueError(
                f"layer {i} must be (filter, stride), (filter, stride, dilation) or a dict "
                f"with keys f, s, d; got {layer!r}"
            )
        triples.append(
            (check_int(f, f"layer {i} filter", 1), check_int(s, f"layer {i} stride", 1),
             check_int(d, f"layer {i} dilation", 1))
        )
    return triples


def receptive_field(layers: Sequence[Any] | str, *, explain: bool = False) -> Any:
    """Receptive field of one output pixel after a stack of layers, in input pixels.

    ``layers`` lists ``(filter, stride)`` or ``(filter, stride, dilation)`` per layer
    (convolutions and pooling alike), or names a model in the registry.
    ``r = 1 + sum_l (f'_l - 1) * prod_{k<l} s_k``.

    >>> receptive_field([(3, 1), (3, 1)])
    5
    >>> receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)])  # LeNet-5 up to pool2
    16
    >>> print(receptive_field([(3, 1), (2, 2), (3, 1)], explain=True))
    1 + (3-1)*1 + (2-1)*1 + (3-1)*2 = 8
    """
    triples = _layer_triples(layers)
    if not triples:
        raise ValueError("receptive_field needs at least one layer; got none")
    r, jump, terms = 1, 1, []
    for f, s, d in triples:
        fe = d * (f - 1) + 1
        r += (fe - 1) * jump
        terms.append(f"({fe}-1)*{jump}")
        jump *= s
    return Explained(r, f"1 + {' + '.join(terms)} = {r}") if explain else r


def pixel_usage(n: Size, f: Size, *, p: Size = 0, s: Size = 1, d: Size = 1) -> list[list[int]]:
    """How many output positions read each input pixel (a grid of the input's size).

    >>> grid = pixel_usage(5, 3)
    >>> grid[0][0], grid[2][2]
    (1, 9)
    >>> grid[0]
    [1, 2, 3, 2, 1]
    """

    def counts(n: int, f: int, s: int, p: int, d: int) -> tuple[list[int], str]:
        out = conv_one(n, f, p, s, d)[0]  # validates every argument
        use = [0] * n
        for o in range(out):
            for k in range(f):
                i = o * s - p + k * d  # input index read by output o, filter tap k
                if 0 <= i < n:
                    use[i] += 1
        return use, ""

    if not is_pair(n):
        n = (n, n)
    rows, cols = per_axis(counts, False, n=n, f=f, s=s, p=p, d=d)
    return [[r * c for c in cols] for r in rows]
