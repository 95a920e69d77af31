"""``check_params``: a model's parameters against a total, a per-layer mapping, or another model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from cnnzoo.summary.readers import summarize
from cnnzoo.summary.rows import Row, Summary

__all__ = ["check_params"]


def _weighted(summary: Summary) -> list[Row]:
    return [r for r in summary.rows if not r.container and (r.params or r.keras_params)]


def _got(row: Row) -> Optional[int]:
    return row.keras_params if row.keras_params is not None else row.params


def check_params(model: Any, expected: Any, *, input_shape: Any = None, **spec_options: Any) -> Summary:
    """Check ``model``'s parameters against ``expected``; raise ``ValueError`` with a diff.

    ``expected`` is a total (int), a mapping of layer name to count, or anything
    :func:`summarize` reads (a registered name, a spec, another model): then layers are
    matched by name, or, when the names differ, the layers that hold weights are matched
    in order, and each difference names the formula of the expected count. ``input_shape``
    is for a subclassed model not yet built (see :func:`summarize`). Returns the model's
    :class:`Summary` when everything agrees.

    >>> _ = check_params("lenet5", 61706)
    >>> check_params("lenet5", {"conv2": 2400})
    Traceback (most recent call last):
    ...
    ValueError: parameter counts differ:
      conv2: expected 2,400, got 2,416
    >>> check_params("lenet5", "lenet5", variant="paper")
    Traceback (most recent call last):
    ...
    ValueError: parameter counts differ:
      total: expected 60,840, got 61,706
      layers with weights: expected 7, got 5 (C1, S2, C3, S4, C5, F6, output)
    """
    got = summarize(model, input_shape=input_shape)
    problems: list[str] = []
    if isinstance(expected, bool) or (not isinstance(expected, int) and isinstance(expected, float)):
        raise TypeError(f"expected must be an int, a mapping or a model; got {expected!r}")
    if isinstance(expected, int):
        total = got.keras_total if got.keras_total is not None else got.total
        if total != expected:
            rows = "; ".join(f"{r.name} {_got(r):,}" for r in _weighted(got))
            problems.append(f"total: expected {expected:,}, got {total:,} (per layer: {rows})")
    elif isinstance(expected, Mapping):
        for name, count in expected.items():
            try:
                row = got[name]
            except KeyError:
                problems.append(f"{name}: expected {count:,}, but the model has no such layer")
                continue
            if _got(row) != count:
                problems.append(f"{name}: expected {count:,}, got {_got(row):,}")
    else:
        want = summarize(expected, **spec_options)
        total = got.keras_total if got.keras_total is not None else got.total
        if total != want.total:
            problems.append(f"total: expected {want.total:,}, got {total:,}")
        want_rows, got_rows = _weighted(want), _weighted(got)
        names = {r.name for r in got.rows}
        if all(r.name in names for r in want_rows):
            pairs = [(w, got[w.name]) for w in want_rows]
        elif len(want_rows) != len(got_rows):
            problems.append(f"layers with weights: expected {len(want_rows)}, got {len(got_rows)} "
                            f"({', '.join(r.name for r in want_rows)})")
            pairs = []
        else:
            pairs = list(zip(want_rows, got_rows))
        for w, g in pairs:
            if _got(g) != w.params:
                label = w.name if w.name == g.name else f"{g.name} (as {w.name})"
                problems.append(f"{label}: expected {w.explain}, got {_got(g):,}")
    if problems:
        raise ValueError("parameter counts differ:\n  " + "\n  ".join(problems))
    return got
