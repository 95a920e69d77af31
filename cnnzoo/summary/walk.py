"""The graph walk: evaluate a model config's layer graph with :func:`cnnzoo.count.count_layer`.

Sequential and Functional configs, nested models (expanded to ``depth``), shared layers
(counted at their first call), several inputs and outputs, frozen sub-models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol

from cnnzoo.count import LayerCount, Shape, UnknownLayer, count_layer
from cnnzoo.count.layer import output_shapes
from cnnzoo.summary.graph import as_refs, calls, nested_graph, pick, unwrap, why
from cnnzoo.summary.rows import Row, Summary

__all__ = ["walk"]

_CONTAINERS = {"Functional", "Sequential", "Model"}
MAX_CALLS = 50_000  # layer calls evaluated for one model: keras.applications' largest needs ~2,000
MAX_MODEL_DEPTH = 64  # models inside models
MAX_SCANS = 2_000_000  # steps spent ordering a graph's calls (legitimate graphs take a few passes)


@dataclass(frozen=True)
class _Place:
    """Where a layer call sits: its name prefix, nesting depth, and whether it is frozen."""

    prefix: str = ""
    depth: int = 0
    frozen: bool = False

    def inside(self, name: str, cfg: dict[str, Any]) -> _Place:
        return _Place(self.prefix + name + "/", self.depth + 1, self.frozen or cfg.get("trainable") is False)


class _Live(Protocol):
    """What a live model answers for layers the engine does not count."""

    def shapes(self, path: str, node: int, shapes: list) -> Optional[list]: ...

    def __call__(self, path: str, node: int, depth: int) -> Any: ...


class _Walker:
    """Evaluates a model config's graph with :func:`count_layer`, collecting rows."""

    def __init__(self, max_depth: Optional[int], live: Optional[_Live] = None):
        self.max_depth = max_depth
        self.live = live
        self.where = ""
        self.rows: list[Row] = []
        self.calls = 0
        self.scans = 0
        self.node = 0

    def model(self, kind: str, cfg: dict[str, Any], inputs: Optional[list[Shape]],
              at: _Place) -> tuple[list[Shape], LayerCount]:
        if kind == "Sequential" or "input_layers" not in cfg:
            return self._sequential(cfg, inputs, at)
        return self._functional(cfg, inputs, at)

    def _call(self, layer: dict[str, Any], shapes: list[Optional[Shape]], at: _Place,
              first: bool = True, recorded: Optional[list[Optional[Shape]]] = None,
              options: Optional[dict[str, Any]] = None, node: int = 0) -> list[Optional[Shape]]:
        """One call of a layer: its output shapes; its row (and count) at its ``first`` call."""
        cls, cfg, name = self._read(layer, at)
        self.where = at.prefix + name
        if (cls in _CONTAINERS or "layers" in cfg) and None not in shapes:
            return self._container(cls, cfg, name, shapes, at, first)  # type: ignore[arg-type]
        self.node = node
        result, reason = self._count(layer, cls, cfg, shapes, recorded, options)
        traced = self._traced(node, at, shapes, recorded) if reason and self.live is not None and first else None
        if traced is not None:
            return traced
        if reason:
            outs = list(recorded) if recorded else self._ask_live(shapes)
            result = LayerCount(output=outs[0] if len(outs) == 1 else (outs or None),  # type: ignore[arg-type]
                                explain=f"not counted: {reason}")
        elif at.frozen and result.trainable:  # type: ignore[union-attr]
            result.non_trainable, result.trainable = result.non_trainable + result.trainable, 0  # type: ignore
        if first:
            self._add_row(at.prefix + name, cls, result, not reason, at.depth)  # type: ignore[arg-type]
        return outs if reason else output_shapes(result)  # type: ignore[arg-type]

    def _read(self, layer: dict[str, Any], at: _Place) -> tuple[str, dict[str, Any], str]:
        """A layer entry's class, config and name, checked (and the walk's size limits)."""
        self.calls += 1
        if self.calls > MAX_CALLS or at.depth > MAX_MODEL_DEPTH:
            raise ValueError(f"the model is too large to walk: more than {MAX_CALLS:,} layer calls or "
                             f"{MAX_MODEL_DEPTH} nested models (a config written to exhaust the reader?)")
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            raise ValueError(f"a layer of {at.prefix or 'the model'} is not a dict with a 'class_name' "
                             f"string; got {str(layer)[:80]}")
        cls, cfg = layer["class_name"], layer.get("config", {})
        if not isinstance(cfg, dict):
            raise ValueError(f"layer {cls}: 'config' must be a dict; got {type(cfg).__name__}")
        return cls, cfg, str(cfg.get("name") or layer.get("name") or cls)

    def _count(self, layer: dict[str, Any], cls: str, cfg: dict[str, Any], shapes: list[Optional[Shape]],
               recorded: Optional[list[Optional[Shape]]], options: Optional[dict[str, Any]]
               ) -> tuple[Optional[LayerCount], str]:
        """The engine's count, or why there is none (a config's error raised, with the layer's name)."""
        try:
            if None in shapes:
                raise UnknownLayer("its input shape is unknown")
            return count_layer(cls, cfg, shapes, layer.get("module"),  # type: ignore[arg-type]
                               registered_name=layer.get("registered_name"), call=options), ""
        except UnknownLayer as err:
            if str(layer.get("module")).startswith("keras.src.ops"):  # an operation: never weights
                outs = list(recorded) if recorded and None not in recorded else self._ask_live(shapes)
                return LayerCount(output=outs[0] if len(outs) == 1 else outs,  # type: ignore[arg-type]
                                  explain="an operation: no weights"), ""
            return None, "input shape unknown" if None in shapes else f"unknown layer {err}"
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, ArithmeticError) as err:
            if self.live is None:  # a config's error: named
                raise ValueError(f"layer {self.where!r} ({cls}): {why(err)}") from err
            return None, f"no formula fits this call ({why(err)})"  # Keras built it: never a crash

    def _traced(self, node: int, at: _Place, shapes: list[Optional[Shape]],
                recorded: Optional[list[Optional[Shape]]]) -> Optional[list[Optional[Shape]]]:
        """A user's model or layer in a live model, traced: its rows added, its output shapes."""
        expanded = self.live(self.where, node, at.depth)  # type: ignore[misc]
        if expanded is None:
            return None
        row, rows, outs = expanded
        self.rows += [row, *rows]
        return outs if outs != [None] else list(recorded or ()) or self._ask_live(shapes)

    def _add_row(self, name: str, cls: str, result: LayerCount, counted: bool, depth: int) -> None:
        n, t, nt = (result.trainable + result.non_trainable, result.trainable, result.non_trainable) \
            if counted else (None, None, None)
        self.rows.append(Row(name=name, kind=cls, output_shape=result.output, params=n, trainable=t,
                             non_trainable=nt, macs=result.macs, explain=result.explain,
                             shape_explain=result.shape_explain, depth=depth, formula_params=n or 0))

    def _ask_live(self, shapes: list[Optional[Shape]]) -> list[Optional[Shape]]:
        """Output shapes of the current layer from the live model, when there is one."""
        if self.live is None:
            return [None]
        return self.live.shapes(self.where, self.node, shapes) or [None]

    def _container(self, cls: str, cfg: dict[str, Any], name: str, shapes: list[Shape], at: _Place,
                   first: bool) -> list[Optional[Shape]]:
        start = len(self.rows)
        row = Row(name=at.prefix + name, kind=cls, output_shape=None, params=0, trainable=0,
                  non_trainable=0, depth=at.depth, container=True)
        if first:
            self.rows.append(row)
        outs, total = self.model(cls, cfg, shapes, at.inside(name, cfg))
        if not first:
            del self.rows[start:]
            return outs
        row.output_shape = outs[0] if len(outs) == 1 else outs  # type: ignore[assignment]
        row.params = total.trainable + total.non_trainable
        row.trainable, row.non_trainable, row.macs = total.trainable, total.non_trainable, total.macs
        row.explain = f"sum of {len(self.rows) - start - 1} nested layers"
        if any(not r.counted for r in self.rows[start + 1:]):
            row.explain += " (some not counted)"  # an incomplete sum, not compared with Keras
        if self.max_depth is not None and at.depth >= self.max_depth:
            row.formula_params = sum(r.formula_params for r in self.rows[start + 1:] if not r.container)
            del self.rows[start + 1:]  # collapse: keep the model's own row only
            row.container = False
        return outs

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
            for node in calls(layer):
                for (ref_name, ref_node, ref_index), shape in node.tensors:
                    if shape is not None:
                        recorded.setdefault((ref_name, ref_node), {})[ref_index] = shape
        values: dict[tuple[str, int], list[Shape]] = {}
        input_refs = [tuple(r) for r in as_refs(cfg["input_layers"])]
        for i, (name, node, _) in enumerate(input_refs):
            layer = layers[name]
            if inputs is None:
                values[(name, node)] = self._call(layer, [], at)
            else:
                values[(name, node)] = [inputs[i]]
        pending = [(name, i, node) for name, layer in layers.items()
                   for i, node in enumerate(calls(layer)) if (name, i) not in values]
        done_names: set[str] = {name for name, _ in values}
        while pending:
            progress = False
            self.scans += len(pending)
            if self.scans > MAX_SCANS:
                raise ValueError(f"the model is too large to walk: its calls took more than {MAX_SCANS:,} "
                                 "steps to order (a config written to exhaust the reader?)")
            for item in list(pending):
                name, index, node = item
                if not all((ref[0], ref[1]) in values for ref, _ in node.tensors):
                    continue
                shapes = [pick(values[(r[0], r[1])], r[2]) or given for r, given in node.inputs]
                known = recorded.get((name, index), {})  # a later output may be the only one used
                rec = [known.get(t) for t in range(max(known) + 1)] if known else []
                values[(name, index)] = self._call(layers[name], shapes, at, name not in done_names, rec,
                                                   node.options, index)
                done_names.add(name)
                pending.remove(item)
                progress = True
            if not progress:
                stuck = ", ".join(sorted({p[0] for p in pending}))
                raise ValueError(f"the layer graph cannot be evaluated; waiting: {stuck}")
        outs = [pick(values[(n, node - nested_graph(layers.get(n)))], t)  # a model's own call is node 0
                for n, node, t in as_refs(cfg["output_layers"])]
        return outs, self._total(start, at.depth)

    def _total(self, start: int, depth: int) -> LayerCount:
        total = LayerCount(output=())
        for row in self.rows[start:]:
            if row.depth == depth and row.counted:
                total.trainable += row.trainable or 0
                total.non_trainable += row.non_trainable or 0
                total.macs += row.macs
        return total


def walk(config: dict[str, Any], name: str, source: str, depth: Optional[int],
         live: Optional[_Live] = None) -> Summary:
    """The :class:`Summary` of a serialized model (``{"class_name", "config"}`` or a bare config).

    ``live`` answers for a live model's layers the engine does not count: a user's model
    or layer is expanded from its call (``live(path, node, depth)`` gives its rows), any
    other gets its output shapes from Keras (``live.shapes(path, node, shapes)``); without
    ``live`` they are unknown. A model saved as its constructor's arguments (a subclass of
    Functional, as KerasHub's models are) has no graph to walk: a ``ValueError`` says so.
    """
    if not isinstance(config, dict):
        raise TypeError(f"a model config must be a dict; got {type(config).__name__}")
    kind, cfg = unwrap(config)
    if not isinstance(cfg, dict):
        raise ValueError(f"the model's 'config' must be a dict; got {type(cfg).__name__}")
    if not isinstance(cfg.get("layers"), list) and "class_name" not in config:
        raise ValueError(f"{source}: a model config needs a 'layers' list (a Sequential or Functional "
                         f"model's); got the fields {sorted(map(str, cfg))[:8]}")
    if not isinstance(cfg.get("layers"), list):
        registered = str(config.get("registered_name") or "")
        home = registered if ">" in registered else config.get("module") or registered or "an unknown module"
        raise ValueError(
            f"{source}: {kind} ({home}) is saved as its constructor's arguments "
            f"({', '.join(sorted(map(str, cfg))[:5]) or 'none'}, ...), not as a layer graph: its layers "
            "are built only by its code, which a saved config does not run. For a table, build the "
            "model in Python (keras.saving.load_model, or the class itself) and pass the live model: "
            "cnnzoo.summarize(model)")
    walker = _Walker(depth, live)
    try:
        _, total = walker.model(kind, cfg, None, _Place(frozen=cfg.get("trainable") is False))
    except (KeyError, TypeError, AttributeError, IndexError) as err:
        where = f"layer {walker.where!r}" if walker.where else f"model {cfg.get('name', name)!r}"
        raise ValueError(f"{where}: {why(err)}") from err
    return Summary(name=str(cfg.get("name", name) or name), rows=walker.rows,
                   total=total.trainable + total.non_trainable, trainable=total.trainable,
                   non_trainable=total.non_trainable, macs=total.macs, source=source)
