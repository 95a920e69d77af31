"""A summary's data: one :class:`Row` per layer call, the :class:`Summary` and its totals."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Optional, Union

from cnnzoo.count import Shape
from cnnzoo.summary.render import render

__all__ = ["Row", "Summary"]


@dataclass
class Row:
    """One layer: what the engine computed and, for a live model, what Keras reports.

    ``output_shape`` leaves out the batch axis (``None``: a size unknown, never a
    mismatch). ``params`` is ``None`` when the engine does not know the layer (it is then
    listed in :attr:`Summary.uncounted`, never in :attr:`Summary.mismatches`). A ``shared``
    row is a later call of a layer already shown: its parameters are counted at the first
    call only (``params == 0``). ``basis`` says how ``params`` was found: ``"formula"``
    (cnnzoo's own, ``formula_params`` of them), ``"variables"`` (read from a live layer's
    variables: a user's layer's own weights) or ``"keras"`` (Keras' count kept, the reason
    in ``explain``). ``tied`` weights are held here but counted at an earlier row.
    """

    name: str
    kind: str
    output_shape: Optional[Union[Shape, list[Shape]]]
    params: Optional[int]
    trainable: Optional[int]
    non_trainable: Optional[int]
    macs: int = 0
    explain: str = ""
    shape_explain: str = ""
    depth: int = 0
    container: bool = False
    keras_params: Optional[int] = None
    keras_trainable: Optional[int] = None
    keras_shape: Optional[Union[Shape, list[Shape]]] = None
    shared: bool = False
    basis: str = "formula"
    formula_params: int = 0
    tied: int = 0

    @property
    def counted(self) -> bool:
        return self.params is not None

    @property
    def agrees(self) -> bool:
        """False when Keras reports a different count, trainable split or shape (counted rows only)."""
        if not self.counted:
            return True
        if self.keras_params is not None and ((self.params or 0) + self.tied != self.keras_params or (
                not self.tied and self.trainable != self.keras_trainable)):
            return False
        return self.keras_shape is None or self.output_shape is None or \
            _fits(_norm(self.keras_shape), _norm(self.output_shape))


def _norm(shape: Any) -> Any:
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape) if isinstance(shape, (list, tuple)) else shape


def _fits(a: Any, b: Any) -> bool:
    """Whether two shapes (or lists of them) can be the same: ``None`` is a size not known.

    >>> _fits((None, 4), (5, 4)), _fits([(3,), (None, 2)], [(3,), (7, 2)]), _fits((5, 4), (5, 3))
    (True, True, False)
    """
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and \
            all(_fits(x, y) for x, y in zip(a, b))
    if not isinstance(a, tuple) or not isinstance(b, tuple):
        return a == b
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


@dataclass
class Summary:
    """The per-layer table of a model and its totals (parameters, MACs, memory)."""

    name: str
    rows: list[Row]
    total: int
    trainable: int
    non_trainable: int
    macs: int
    source: str
    keras_total: Optional[int] = None
    dtype_bytes: int = 4  # float32

    def __getitem__(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no layer named {name!r}; layers: {', '.join(r.name for r in self.rows)}")

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def mismatches(self) -> list[Row]:
        """Counted rows where Keras' own count, trainable split or output shape differs."""
        return [r for r in self.rows if not r.agrees]

    @property
    def uncounted(self) -> list[Row]:
        """Rows whose layer class the engine has no formula for (reported, never guessed)."""
        return [r for r in self.rows if not r.counted]

    @property
    def formula_params(self) -> int:
        """Parameters counted by cnnzoo's own formulas (the rest: read from variables)."""
        return sum(r.formula_params for r in self.rows
                   if r.counted and not r.container and not r.shared)

    @property
    def formula_share(self) -> float:
        """The share of :attr:`total` counted by cnnzoo's formulas (1.0 when there is none)."""
        return self.formula_params / self.total if self.total else 1.0

    @property
    def weight_bytes(self) -> int:
        """Memory for all parameters at ``dtype_bytes`` each (float32: 4)."""
        return self.total * self.dtype_bytes

    @property
    def activation_bytes(self) -> int:
        """Memory for every layer's output for one input (batch of 1)."""
        total = 0
        for row in self.rows:
            if row.container or row.output_shape is None:
                continue
            shapes = row.output_shape if isinstance(row.output_shape, list) else [row.output_shape]
            total += sum(math.prod(d or 0 for d in shape) for shape in shapes)
        return total * self.dtype_bytes

    def to_rows(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (for pandas, CSV or JSON)."""
        return [{**asdict(r), "agrees": r.agrees} for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data: totals, memory and rows."""
        return {
            "name": self.name, "source": self.source, "total": self.total,
            "trainable": self.trainable, "non_trainable": self.non_trainable,
            "macs": self.macs, "weight_bytes": self.weight_bytes,
            "activation_bytes": self.activation_bytes, "keras_total": self.keras_total,
            "formula_share": self.formula_share,
            "mismatches": [r.name for r in self.mismatches],
            "uncounted": [r.name for r in self.uncounted], "rows": self.to_rows(),
        }

    def __str__(self) -> str:
        return render(self)
