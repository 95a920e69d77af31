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
    if isinstance(expected, bool) or (not isinstance(expected, int) and isinstance(expected, float)):
        raise TypeError(f"expected must be an int, a mapping or a model; got {expected!r}")
    if isinstance(expected, int):
        problems = _against_total(got, expected)
    elif isinstance(expected, Mapping):
        problems = _against_mapping(got, expected)
    else:
        problems = _against_model(got, summarize(expected, **spec_options))
    if problems:
        raise ValueError("parameter counts differ:\n  " + "\n  ".join(problems))
    return got


def _total(summary: Summary) -> int:
    """Keras' own total for a live model, else the engine's."""
    return summary.keras_total if summary.keras_total is not None else summary.total


def _against_total(got: Summary, expected: int) -> list[str]:
    total = _total(got)
    if total == expected:
        return []
    rows = "; ".join(f"{r.name} {_got(r):,}" for r in _weighted(got))
    return [f"total: expected {expected:,}, got {total:,} (per layer: {rows})"]


def _against_mapping(got: Summary, expected: Mapping[str, int]) -> list[str]:
    problems = []
    for name, count in expected.items():
        try:
            row = got[name]
        except KeyError:
            problems.append(f"{name}: expected {count:,}, but the model has no such layer")
            continue
        if _got(row) != count:
            problems.append(f"{name}: expected {count:,}, got {_got(row):,}")
    return problems


def _pairs(want: Summary, got: Summary, problems: list[str]) -> list[tuple[Row, Row]]:
    """The layers with weights matched by name, or else in order (a count that differs is a problem)."""
    want_rows, got_rows = _weighted(want), _weighted(got)
    names = {r.name for r in got.rows}
    if all(r.name in names for r in want_rows):
        return [(w, got[w.name]) for w in want_rows]
    if len(want_rows) != len(got_rows):
        problems.append(f"layers with weights: expected {len(want_rows)}, got {len(got_rows)} "
                        f"({', '.join(r.name for r in want_rows)})")
        return []
    return list(zip(want_rows, got_rows))


def _against_model(got: Summary, want: Summary) -> list[str]:
    problems = []
    total = _total(got)
    if total != want.total:
        problems.append(f"total: expected {want.total:,}, got {total:,}")
    for w, g in _pairs(want, got, problems):
        if _got(g) != w.params:
            label = w.name if w.name == g.name else f"{g.name} (as {w.name})"
            problems.append(f"{label}: expected {w.explain}, got {_got(g):,}")
    return problems
