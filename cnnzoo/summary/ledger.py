"""Weights counted once: a live model's rows checked against the variables they hold.

Each counted row of a live model's table names the variables it counts (a Keras layer's
weights, a user's layer's own variables). Taken in the table's order, a variable already
counted by an earlier row is *tied* there: it leaves the later row's count (``Row.tied``,
said in its explanation), as ``model.count_params()`` counts it once. A shared embedding
table (KerasHub's ``ReversibleEmbedding`` as the output layer, a layer met both inside a
backbone and in the task model around it) is counted where it is first used. Containers
and the summary's totals are then summed again.
"""

from __future__ import annotations

import math
from typing import Any

from cnnzoo.summary.rows import Row, Summary

__all__ = ["Weights", "weights", "settle"]

Weights = list[tuple[Any, bool]]  # (variable, counted as trainable)


def weights(layer: Any) -> Weights:
    """``layer``'s weights (as ``count_params`` sees them), each once, with its trainability."""
    out: Weights = []
    seen: set[int] = set()
    for trainable, group in ((True, layer.trainable_weights), (False, layer.non_trainable_weights)):
        for v in group:
            if id(v) not in seen:
                seen.add(id(v))
                out.append((v, trainable))
    return out


def _size(held: Weights) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v, _ in held)


def _children(rows: list[Row], i: int) -> list[Row]:
    out = []
    for row in rows[i + 1:]:
        if row.depth <= rows[i].depth:
            break
        if row.depth == rows[i].depth + 1:
            out.append(row)
    return out


def settle(summary: Summary, variables: dict[int, Weights]) -> None:
    """Take tied variables out of the later rows holding them (``variables``: by ``id(row)``),
    then sum the containers and the totals again."""
    first: dict[int, str] = {}  # id(variable) -> the row counting it
    ties: dict[str, list[tuple[str, int]]] = {}  # row -> (where counted, how many)
    for row in summary.rows:
        held = variables.get(id(row))
        if held is None or row.shared or not row.counted:
            continue
        tied = [(v, t) for v, t in held if id(v) in first]
        where = sorted({first[id(v)] for v, _ in tied})
        for v, _ in held:
            first.setdefault(id(v), row.name)
        if not tied:
            continue
        n, nt = _size(tied), _size([(v, t) for v, t in tied if t])
        row.trainable = max(0, (row.trainable or 0) - nt)
        row.non_trainable = max(0, (row.non_trainable or 0) - (n - nt))
        row.params, row.tied = row.trainable + row.non_trainable, n
        row.formula_params = max(0, row.formula_params - n)
        ties[row.name] = [(first[id(v)], _size([(v, t)])) for v, t in tied]
        row.explain += f"; {n:,} tied with {', '.join(where)} (counted there once)"
    rows = summary.rows
    for i in reversed(range(len(rows))):
        row = rows[i]
        if not row.container or row.shared:
            continue
        inner = [c for c in _children(rows, i) if c.counted and not c.shared]
        row.trainable = sum(c.trainable or 0 for c in inner)
        row.non_trainable = sum(c.non_trainable or 0 for c in inner)
        row.params = row.trainable + row.non_trainable
        row.formula_params = sum(c.formula_params for c in inner)
        row.tied = sum(n for name, pairs in ties.items() if name.startswith(row.name + "/")
                       for where, n in pairs if not where.startswith(row.name + "/"))
    top = [r for r in rows if r.depth == 0 and r.counted and not r.shared]
    summary.trainable = sum(r.trainable or 0 for r in top)
    summary.non_trainable = sum(r.non_trainable or 0 for r in top)
    summary.total = summary.trainable + summary.non_trainable
