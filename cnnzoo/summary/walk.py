"""The graph walk: evaluate a model config's layer graph with :func:`cnnzoo.count.count_layer`.

Sequential and Functional configs, nested models (expanded to ``depth``), shared layers
(counted at their first call), several inputs and outputs, frozen sub-models.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

from cnnzoo.count import LayerCount, Shape, UnknownLayer, count_layer
from cnnzoo.summary.rows import Row, Summary

__all__ = ["walk"]

_CONTAINERS = {"Functional", "Sequential", "Model"}
MAX_CALLS = 50_000  # layer calls evaluated for one model: keras.applications' largest needs ~2,000
MAX_NESTING = 64  # models inside models
MAX_SCANS = 2_000_000  # steps spent ordering a graph's calls (legitimate graphs take a few passes)


@dataclass(frozen=True)
class _Place:
    """Where a layer call sits: its name prefix, nesting depth, and whether it is frozen."""

    prefix: str = ""
    depth: int = 0
    frozen: bool = False

    def inside(self, name: str, cfg: dict[str, Any]) -> _Place:
        return _Place(self.prefix + name + "/", self.depth + 1, self.frozen or cfg.get("trainable") is False)


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
        self.calls = 0
        self.scans = 0

    def model(self, kind: str, cfg: dict[str, Any], inputs: Optional[list[Shape]],
              at: _Place) -> tuple[list[Shape], LayerCount]:
        if kind == "Sequential" or "input_layers" not in cfg:
            return self._sequential(cfg, inputs, at)
        return self._functional(cfg, inputs, at)

    def _call(self, layer: dict[str, Any], shapes: list[Shape], at: _Place, first: bool = True,
              recorded: Optional[list[Shape]] = None) -> list[Shape]:
        """One call of a layer: its output shapes; its row (and count) at its ``first`` call."""
        self.calls += 1
        if self.calls > MAX_CALLS or at.depth > MAX_NESTING:
            raise ValueError(f"the model is too large to walk: more than {MAX_CALLS:,} layer calls or "
                             f"{MAX_NESTING} nested models (a config written to exhaust the reader?)")
        cls, cfg = layer["class_name"], layer.get("config", {})
        name = cfg.get("name") or layer.get("name") or cls
        if cls in _CONTAINERS or "layers" in cfg:
            start = len(self.rows)
            row = Row(name=at.prefix + name, kind=cls, output_shape=None, params=0, trainable=0,
                      non_trainable=0, depth=at.depth, container=True)
            if first:
                self.rows.append(row)
            outs, total = self.model(cls, cfg, shapes, at.inside(name, cfg))
            if not first:
                del self.rows[start:]
                return outs
            row.output_shape = outs[0] if len(outs) == 1 else outs
            row.params = total.trainable + total.non_trainable
            row.trainable, row.non_trainable, row.macs = total.trainable, total.non_trainable, total.macs
            row.explain = f"sum of {len(self.rows) - start - 1} nested layers"
            if self.max_depth is not None and at.depth >= self.max_depth:
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
            raise ValueError(f"layer {at.prefix + name!r} ({cls}): {err}") from err
        if at.frozen and result.trainable:
            result.non_trainable += result.trainable
            result.trainable = 0
        outs = result.output if isinstance(result.output, list) else [result.output]
        if first:
            params = result.trainable + result.non_trainable if counted else None
            self.rows.append(Row(
                name=at.prefix + name, kind=cls, output_shape=result.output, params=params,
                trainable=result.trainable if counted else None,
                non_trainable=result.non_trainable if counted else None, macs=result.macs,
                explain=result.explain if counted else "", shape_explain=result.shape_explain,
                depth=at.depth))
        return [o for o in outs if o is not None] if counted else list(recorded or [])

    def _sequential(self, cfg: dict[str, Any], inputs: Optional[list[Shape]],
                    at: _Place) -> tuple[list[Shape], LayerCount]:
        layers = list(cfg["layers"])
        start = len(self.rows)
        shapes: Optional[list[Shape]] = inputs
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                given = tuple(layer["config"].get("batch_shape") or
                              layer["config"]["batch_input_shape"])[1:]
                shapes = [given] if inputs is None else inputs
                if inputs is None:
                    self._call(layer, [], at)
                continue
            if shapes is None:
                build = layer.get("build_config", {}).get("input_shape") or cfg.get("build_input_shape")
                if build is None:
                    raise ValueError(f"Sequential model {cfg.get('name')!r} has no input shape: "
                                     "build it or start it with keras.Input")
                shapes = [tuple(build[1:])]
            shapes = self._call(layer, shapes, at)
        return shapes or [], self._total(start, at.depth)

    def _functional(self, cfg: dict[str, Any], inputs: Optional[list[Shape]],
                    at: _Place) -> tuple[list[Shape], LayerCount]:
        start = len(self.rows)
        layers = {layer.get("name") or layer["config"]["name"]: layer for layer in cfg["layers"]}
        recorded: dict[tuple[str, int], dict[int, Shape]] = {}  # (layer, node) -> output index -> shape
        for layer in cfg["layers"]:
            for call in _calls(layer):
                for (ref_name, ref_node, ref_index), shape in call:
                    if shape is not None:
                        recorded.setdefault((ref_name, ref_node), {})[ref_index] = shape
        values: dict[tuple[str, int], list[Shape]] = {}
        input_refs = [tuple(r) for r in _as_refs(cfg["input_layers"])]
        for i, (name, node, _) in enumerate(input_refs):
            layer = layers[name]
            if inputs is None:
                values[(name, node)] = self._call(layer, [], at)
            else:
                values[(name, node)] = [inputs[i]]
        pending = [(name, i, call) for name, layer in layers.items()
                   for i, call in enumerate(_calls(layer)) if (name, i) not in values]
        done_names: set[str] = {name for name, _ in values}
        while pending:
            progress = False
            self.scans += len(pending)
            if self.scans > MAX_SCANS:
                raise ValueError(f"the model is too large to walk: its calls took more than {MAX_SCANS:,} "
                                 "steps to order (a config written to exhaust the reader?)")
            for item in list(pending):
                name, index, call = item
                if not all((ref[0], ref[1]) in values for ref, _ in call):
                    continue
                shapes = [values[(r[0], r[1])][r[2]] for r, _ in call]
                known = recorded.get((name, index), {})
                rec = [known[t] for t in sorted(known)]
                values[(name, index)] = self._call(layers[name], shapes, at, name not in done_names, rec)
                done_names.add(name)
                pending.remove(item)
                progress = True
            if not progress:
                stuck = ", ".join(sorted({p[0] for p in pending}))
                raise ValueError(f"the layer graph cannot be evaluated; waiting: {stuck}")
        outs = [values[(n, node)][t] for n, node, t in _as_refs(cfg["output_layers"])]
        return outs, self._total(start, at.depth)

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



def walk(config: dict[str, Any], name: str, source: str, depth: Optional[int]) -> Summary:
    """The :class:`Summary` of a serialized model (``{"class_name", "config"}`` or a bare config)."""
    kind, cfg = _unwrap(config)
    walker = _Walker(depth)
    _, total = walker.model(kind, cfg, None, _Place(frozen=cfg.get("trainable") is False))
    return Summary(name=cfg.get("name", name) or name, rows=walker.rows,
                   total=total.trainable + total.non_trainable, trainable=total.trainable,
                   non_trainable=total.non_trainable, macs=total.macs, source=source)
