"""Per-layer summaries of any model, counted independently, and ``check_params``.

:func:`summarize` walks a model's layer graph from its config (a registered spec, a
live ``keras.Model``, a ``model.to_json()`` string, or a saved ``.keras`` file) and asks
:mod:`cnnzoo.count` for every layer's output shape, parameters and MACs. For a live
model it then sets Keras' own count beside each row; :attr:`Summary.mismatches` lists
where they differ. Nothing here imports TensorFlow: a live model is read through its
own methods.

>>> s = summarize("lenet5")
>>> s.total, s.trainable, s.non_trainable
(61706, 61706, 0)
>>> s["conv2"].explain
'(5*5*6 + 1)*16 = 2,416'
>>> s["flatten"].output_shape
(400,)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Union

from cnnzoo.count import LayerCount, Shape, UnknownLayer, count_layer
from cnnzoo.specs import ModelSpec, get_spec, is_registered, list_models

__all__ = ["Row", "Summary", "summarize", "check_params"]

_CONTAINERS = {"Functional", "Sequential", "Model"}


@dataclass
class Row:
    """One layer: what the engine computed and, for a live model, what Keras reports.

    ``output_shape`` leaves out the batch axis. ``params`` is ``None`` when the engine
    does not know the layer (it is then listed in :attr:`Summary.uncounted`).
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

    @property
    def counted(self) -> bool:
        return self.params is not None

    @property
    def agrees(self) -> bool:
        """False when Keras reports a different count, trainable split or shape."""
        if self.keras_params is not None and (
            self.params != self.keras_params or self.trainable != self.keras_trainable
        ):
            return False
        return self.keras_shape is None or self.output_shape is None or \
            _norm(self.keras_shape) == _norm(self.output_shape)


def _norm(shape: Any) -> Any:
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape) if isinstance(shape, (list, tuple)) else shape


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
    dtype_bytes: int = 4
    keras_total: Optional[int] = None
    notes: list[str] = field(default_factory=list)

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
        """Rows where Keras' own count, trainable split or output shape differs."""
        return [r for r in self.rows if not r.agrees]

    @property
    def uncounted(self) -> list[Row]:
        """Rows whose layer class the engine has no formula for (reported, never guessed)."""
        return [r for r in self.rows if not r.counted]

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
            for shape in shapes:
                size = 1
                for d in shape:
                    size *= d or 0
                total += size
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
            "mismatches": [r.name for r in self.mismatches],
            "uncounted": [r.name for r in self.uncounted], "rows": self.to_rows(),
        }

    def __str__(self) -> str:
        live = any(r.keras_params is not None for r in self.rows)
        head = ["Layer (type)", "Output shape", "Param #", "How"]
        if live:
            head.insert(3, "Keras")
        table = [head]
        for r in self.rows:
            shape = _shape_text(r.output_shape)
            params = "?" if r.params is None else f"{r.params:,}"
            line = ["  " * r.depth + f"{r.name} ({r.kind})", shape, params,
                    r.explain if r.counted else "not counted: unknown layer"]
            if live:
                line.insert(3, "" if r.keras_params is None else
                            ("ok" if r.agrees else f"{r.keras_params:,} !"))
            table.append(line)
        widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
        lines = [f'Model "{self.name}" ({self.source})']
        for i, row in enumerate(table):
            cells = [c.ljust(w) if j != 2 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))]
            lines.append("  ".join(cells + [row[-1]]).rstrip())
            if i == 0:
                lines.append("-" * min(120, sum(widths) + 2 * len(widths) + 20))
        lines.append("-" * min(120, sum(widths) + 2 * len(widths) + 20))
        lines.append(f"Total params: {self.total:,} ({_bytes(self.weight_bytes)})")
        lines.append(f"Trainable params: {self.trainable:,}")
        lines.append(f"Non-trainable params: {self.non_trainable:,}")
        lines.append(f"Multiply-accumulates per image: {self.macs:,}")
        lines.append(f"Activations per image: {_bytes(self.activation_bytes)}")
        if self.keras_total is not None:
            verdict = "agrees" if self.keras_total == self.total and not self.mismatches else "DIFFERS"
            lines.append(f"Keras count_params(): {self.keras_total:,} ({verdict})")
        for r in self.mismatches:
            lines.append(f"MISMATCH {r.name}: cnnzoo {r.params} ({r.trainable} trainable) "
                         f"shape {_shape_text(r.output_shape)}; Keras {r.keras_params} "
                         f"({r.keras_trainable} trainable) shape {_shape_text(r.keras_shape)}")
        if self.uncounted:
            lines.append("Not counted (unknown layers): " + ", ".join(
                f"{r.name} ({r.kind})" for r in self.uncounted))
        lines += self.notes
        return "\n".join(lines)


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.2f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return ""


# -------------------------------------------------------------------- the graph walk

_Ref = tuple[str, int, int]


def _tensors(obj: Any) -> Iterator[tuple[_Ref, Optional[Shape]]]:
    """Every Keras tensor reference (layer, node, index) inside a call's arguments."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            cfg = obj["config"]
            name, node, index = cfg["keras_history"]
            shape = cfg.get("shape")
            yield (name, node, index), None if shape is None else tuple(shape[1:])
            return
        for value in obj.values():
            yield from _tensors(value)
    elif isinstance(obj, (list, tuple)):
        # Keras 2 format: [layer_name, node_index, tensor_index, kwargs]
        if len(obj) in (3, 4) and isinstance(obj[0], str) and isinstance(obj[1], int) \
                and isinstance(obj[2], int):
            yield (obj[0], obj[1], obj[2]), None
            return
        for value in obj:
            yield from _tensors(value)


def _calls(layer: dict[str, Any]) -> list[list[tuple[_Ref, Optional[Shape]]]]:
    return [list(_tensors(node)) for node in layer.get("inbound_nodes", [])]


def _unwrap(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(class name, inner config) of a serialized model, or of a bare get_config() dict."""
    if "config" in config and "class_name" in config:
        return str(config["class_name"]), config["config"]
    kind = "Functional" if "input_layers" in config else "Sequential"
    return kind, config


class _Walker:
    """Evaluates a model config's graph with :func:`count_layer`, collecting rows."""

    def __init__(self, max_depth: Optional[int]):
        self.max_depth = max_depth
        self.rows: list[Row] = []

    def model(self, kind: str, cfg: dict[str, Any], inputs: Optional[list[Shape]],
              prefix: str, depth: int, frozen: bool) -> tuple[list[Shape], LayerCount]:
        frozen = frozen or cfg.get("trainable") is False
        if kind == "Sequential" or "input_layers" not in cfg:
            return self._sequential(cfg, inputs, prefix, depth, frozen)
        return self._functional(cfg, inputs, prefix, depth, frozen)

    # A call of one layer: returns its output shapes and its count (first call only).
    def _call(self, layer: dict[str, Any], shapes: list[Shape], prefix: str, depth: int,
              frozen: bool, first: bool, recorded: Optional[list[Shape]]) -> list[Shape]:
        cls, cfg = layer["class_name"], layer.get("config", {})
        name = cfg.get("name") or layer.get("name") or cls
        if cls in _CONTAINERS or "layers" in cfg:
            start = len(self.rows)
            row = Row(name=prefix + name, kind=cls, output_shape=None, params=0, trainable=0,
                      non_trainable=0, depth=depth, container=True)
            if first:
                self.rows.append(row)
            outs, total = self.model(cls, cfg, shapes, prefix + name + "/", depth + 1, frozen)
            if not first:
                del self.rows[start:]
                return outs
            row.output_shape = outs[0] if len(outs) == 1 else outs
            row.params = total.trainable + total.non_trainable
            row.trainable, row.non_trainable, row.macs = total.trainable, total.non_trainable, total.macs
            row.explain = f"sum of {len(self.rows) - start - 1} nested layers"
            if self.max_depth is not None and depth >= self.max_depth:
                del self.rows[start + 1:]  # collapse: keep the model's own row only
                row.container = False
            return outs
        try:
            result = count_layer(cls, cfg, shapes, layer.get("module"))
            counted = True
        except UnknownLayer:
            result, counted = LayerCount(output=recorded[0] if recorded and len(recorded) == 1
                                         else (recorded or None)), False  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"layer {prefix + name!r} ({cls}): {err}") from err
        if frozen and result.trainable:
            result.non_trainable += result.trainable
            result.trainable = 0
        outs = result.output if isinstance(result.output, list) else [result.output]
        if first:
            params = result.trainable + result.non_trainable if counted else None
            self.rows.append(Row(
                name=prefix + name, kind=cls, output_shape=result.output, params=params,
                trainable=result.trainable if counted else None,
                non_trainable=result.non_trainable if counted else None, macs=result.macs,
                explain=result.explain if counted else "", shape_explain=result.shape_explain,
                depth=depth))
        return [o for o in outs if o is not None] if counted else list(recorded or [])

    def _sequential(self, cfg: dict[str, Any], inputs: Optional[list[Shape]], prefix: str,
                    depth: int, frozen: bool) -> tuple[list[Shape], LayerCount]:
        layers = list(cfg["layers"])
        start = len(self.rows)
        shapes: Optional[list[Shape]] = inputs
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                given = tuple(layer["config"].get("batch_shape") or
                              layer["config"]["batch_input_shape"])[1:]
                shapes = [given] if inputs is None else inputs
                if inputs is None:
                    self._call(layer, [], prefix, depth, frozen, True, None)
                continue
            if shapes is None:
                build = layer.get("build_config", {}).get("input_shape") or cfg.get("build_input_shape")
                if build is None:
                    raise ValueError(f"Sequential model {cfg.get('name')!r} has no input shape: "
                                     "build it or start it with keras.Input")
                shapes = [tuple(build[1:])]
            shapes = self._call(layer, shapes, prefix, depth, frozen, True, None)
        return shapes or [], self._total(start, depth)

    def _functional(self, cfg: dict[str, Any], inputs: Optional[list[Shape]], prefix: str,
                    depth: int, frozen: bool) -> tuple[list[Shape], LayerCount]:
        start = len(self.rows)
        layers = {layer.get("name") or layer["config"]["name"]: layer for layer in cfg["layers"]}
        recorded: dict[_Ref, Shape] = {}
        for layer in cfg["layers"]:
            for call in _calls(layer):
                for ref, shape in call:
                    if shape is not None:
                        recorded[ref] = shape
        values: dict[tuple[str, int], list[Shape]] = {}
        input_refs = [tuple(r) for r in _as_refs(cfg["input_layers"])]
        for i, (name, node, _) in enumerate(input_refs):
            layer = layers[name]
            if inputs is None:
                values[(name, node)] = self._call(layer, [], prefix, depth, frozen, True, None)
            else:
                values[(name, node)] = [inputs[i]]
        pending = [(name, i, call) for name, layer in layers.items()
                   for i, call in enumerate(_calls(layer)) if (name, i) not in values]
        done_names: set[str] = {name for name, _ in values}
        while pending:
            progress = False
            for item in list(pending):
                name, index, call = item
                if not all((ref[0], ref[1]) in values for ref, _ in call):
                    continue
                shapes = [values[(r[0], r[1])][r[2]] for r, _ in call]
                rec = [recorded[(name, index, t)] for t in range(8) if (name, index, t) in recorded]
                values[(name, index)] = self._call(layers[name], shapes, prefix, depth, frozen,
                                                   name not in done_names, rec)
                done_names.add(name)
                pending.remove(item)
                progress = True
            if not progress:
                stuck = ", ".join(sorted({p[0] for p in pending}))
                raise ValueError(f"the layer graph cannot be evaluated; waiting: {stuck}")
        outs = [values[(n, node)][t] for n, node, t in _as_refs(cfg["output_layers"])]
        return outs, self._total(start, depth)

    def _total(self, start: int, depth: int) -> LayerCount:
        total = LayerCount(output=())
        for row in self.rows[start:]:
            if row.depth == depth and row.counted:
                total.trainable += row.trainable or 0
                total.non_trainable += row.non_trainable or 0
                total.macs += row.macs
        return total


def _as_refs(value: Any) -> list[_Ref]:
    if value and isinstance(value[0], str):  # a single [name, node, index]
        return [tuple(value)]  # type: ignore[list-item]
    return [tuple(v) for v in value]  # type: ignore[misc]


def _walk(config: dict[str, Any], name: str, source: str, depth: Optional[int]) -> Summary:
    kind, cfg = _unwrap(config)
    walker = _Walker(depth)
    _, total = walker.model(kind, cfg, None, "", 0, False)
    return Summary(name=cfg.get("name", name) or name, rows=walker.rows,
                   total=total.trainable + total.non_trainable, trainable=total.trainable,
                   non_trainable=total.non_trainable, macs=total.macs, source=source)


# ------------------------------------------------------------------------- public API


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
    total = 0
    for v in variables:
        n = 1
        for d in v.shape:
            n *= int(d)
        total += n
    return total


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
    summary = _walk({"class_name": kind, "config": config}, model.name, "keras.Model", depth)
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
        summary = _walk({"class_name": "Sequential", "config": spec.to_config()}, spec.name,
                        "analytic spec" + (f", {spec.variant}" if spec.variant else ""), depth)
        return summary
    if isinstance(model, (str, os.PathLike)):
        config, source = _read_config(os.fspath(model))
        return _walk(config, source, source, depth)
    if isinstance(model, Mapping):
        return _walk(dict(model), "model", "config", depth)
    if _is_keras_model(model):
        return _from_keras(model, depth)
    raise TypeError(f"summarize takes a model name, a keras.Model, a ModelSpec, model JSON or a "
                    f"path; got {type(model).__name__}")


def _weighted(summary: Summary) -> list[Row]:
    return [r for r in summary.rows if not r.container and (r.params or r.keras_params)]


def _got(row: Row) -> Optional[int]:
    return row.keras_params if row.keras_params is not None else row.params


def check_params(model: Any, expected: Any, **spec_options: Any) -> Summary:
    """Check ``model``'s parameters against ``expected``; raise ``ValueError`` with a diff.

    ``expected`` is a total (int), a mapping of layer name to count, or anything
    :func:`summarize` reads (a registered name, a spec, another model): then layers are
    matched by name, or, when the names differ, the layers that hold weights are matched
    in order, and each difference names the formula of the expected count. Returns the
    model's :class:`Summary` when everything agrees.

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
    got = summarize(model)
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
