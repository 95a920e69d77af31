"""A student's Keras model rebuilt in the grader from data alone, to measure it there.

A model crosses the boundary as a :class:`~cnnzoo.grading.wire.KerasModel`: its JSON
config and its weights as float arrays. Before Keras reads the config, every object in it
is checked against a list: Keras' own layers from :data:`LAYERS` (module ``keras.layers``,
no registered name but their own, which Keras would look up first), cnnzoo's historic layers, the
Functional and Sequential containers, Keras' initializers, regularizers, constraints and
dtype policy, and graph tensors. Nothing else passes: no ``Lambda``, no ``TFSMLayer``
(which loads files), no class or function of the student's, no constants, no lambdas.
``build_config``, ``build_input_shape`` and ``compile_config`` are dropped (a forged
build shape could make the grader allocate anything; a compile config names losses and
optimizers); the size of every layer's output and the number of weights are bounded with
:func:`cnnzoo.summarize` before anything is built, on the input shape the grader chose;
Keras then deserializes in safe mode with no custom objects, and the weights are set from
the arrays only when they match the rebuilt model's, one by one. No student code runs here,
and the graded questions measure a model through :mod:`cnnzoo.grading.measure`, in a
grader-owned process: a TensorFlow abort, a hang or a memory blow-up costs that case only.

>>> refusal("{}")
'the model could not be read: it is not a Keras model config'
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from cnnzoo.grading.hints import MAX_CONFIG, MAX_LAYERS
from cnnzoo.grading.wire import MAX_WEIGHT_VALUES, KerasModel

__all__ = ["LAYERS", "Refused", "refusal", "rebuild", "predict", "accuracy"]

#: Keras layers a graded model may use (all counted by cnnzoo.summarize).
LAYERS = frozenset({
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dense", "Activation", "Dropout",
    "SpatialDropout2D", "GaussianNoise", "BatchNormalization", "LayerNormalization", "ReLU", "LeakyReLU",
    "Softmax", "ELU", "ZeroPadding2D", "Reshape", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "Rescaling", "Identity", "DepthwiseConv2D", "SeparableConv2D"})
_CNNZOO = frozenset({"Subsampling", "LeNetC3", "LocalResponseNormalization"})
_OBJECTS = {  # module -> classes a config may name there
    "keras.initializers": {"Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
                           "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform",
                           "TruncatedNormal", "VarianceScaling", "Zeros"},
    "keras.regularizers": {"L1", "L1L2", "L2"},
    "keras.constraints": {"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"},
    "keras": {"DTypePolicy", "Functional", "Sequential"},
    "keras.src.models.functional": {"Functional"},
    "keras.src.models.sequential": {"Sequential"},
    "keras.layers": LAYERS,
}
_DROPPED = ("build_config", "build_input_shape", "compile_config")
MAX_OUTPUT = 1 << 18  # values one layer may output per example (LeNet-5's largest: 4,704)
MAX_WORK = 20_000_000  # multiply-accumulates and pooling comparisons per example (LeNet-5: ~420,000)


class Refused(ValueError):
    """The model cannot be rebuilt; the message is the hint for the student."""


def _clean(node: Any, depth: int = 0) -> Any:
    """``node`` with the dropped keys removed; :class:`Refused` for anything not on the lists."""
    if depth > 60:
        raise Refused("the model config is nested too deeply")
    if isinstance(node, list):
        return [_clean(item, depth + 1) for item in node]
    if not isinstance(node, dict):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        raise Refused("the model config holds something that is not JSON")
    if "class_name" in node:
        name, module, registered = node.get("class_name"), node.get("module"), node.get("registered_name")
        if name == "__keras_tensor__":
            if set(node) - {"class_name", "config"}:
                raise Refused("the model config holds a malformed graph tensor")
        elif module == "cnnzoo.layers" and name in _CNNZOO and registered == f"cnnzoo>{name}":
            pass
        elif registered not in (None, name) or name not in _OBJECTS.get(module, ()):
            shown = f"{module}.{name}" if isinstance(module, str) and isinstance(name, str) else repr(name)[:60]
            if registered not in (None, name):
                raise Refused(f"the model's config names a registered class ({str(registered)[:60]}), "
                              "which the grader does not rebuild: use Keras' own layers")
            if module != "keras.layers":
                raise Refused(f"the model's config names {shown[:80]}, which the grader does not rebuild: "
                              "use Keras' built-in initializers, regularizers and constraints")
            raise Refused(f"the model uses {shown[:80]}, a layer the grader does not rebuild: use Keras' "
                          f"own layers ({', '.join(sorted(LAYERS - {'InputLayer'}))}) with built-in "
                          "activations given by name, and no Lambda or custom layers")
    return {k: _clean(v, depth + 1) for k, v in node.items() if k not in _DROPPED}


def _bounded(config: dict[str, Any], input_shape: tuple[int, ...]) -> None:
    """Refuse a model whose inputs differ from ``input_shape`` or whose size is too large,
    from the config alone (cnnzoo.summarize builds nothing)."""
    import cnnzoo

    try:
        summary = cnnzoo.summarize(json.dumps(config))
    except (ValueError, TypeError, KeyError) as err:
        raise Refused(f"the model could not be read: {err}") from None
    first = summary.rows[0].output_shape if summary.rows else None
    if first is None or tuple(first) != tuple(input_shape):
        raise Refused(f"the model must take inputs of shape {tuple(input_shape)}; it takes "
                      f"{tuple(first) if first else 'an unknown shape'}")
    for row in summary.rows:
        shape = row.output_shape
        if shape is None or not all(isinstance(d, int) for d in shape):
            raise Refused(f"the grader cannot tell what {row.name} outputs")
        if math.prod(shape) > MAX_OUTPUT:
            raise Refused(f"{row.name} outputs {math.prod(shape):,} values per image, over the grader's "
                          f"{MAX_OUTPUT:,}")
    if summary.total > MAX_WEIGHT_VALUES:
        raise Refused(f"the model holds {summary.total:,} parameters, over the grader's {MAX_WEIGHT_VALUES:,}")
    layers = {layer.get("config", {}).get("name"): layer for layer in _layer_configs(config)}
    if any(layer.get("class_name") in ("Functional", "Sequential") for layer in layers.values()):
        raise Refused("the model holds a model inside it: build one Sequential or Functional model of layers")
    work = summary.macs
    for row in summary.rows:  # a pooling window's work is not a multiply-accumulate, but it is work
        pool = layers.get(row.name, {}).get("config", {}).get("pool_size") if "Pool" in row.kind else None
        if pool is not None:
            work += math.prod(row.output_shape) * math.prod(pool if isinstance(pool, (list, tuple)) else [pool] * 2)
    if work > MAX_WORK:
        raise Refused(f"the model takes {work:,} operations per image, over the grader's {MAX_WORK:,} "
                      "(LeNet-5 takes about 420,000)")


def refusal(config_json: str, input_shape: tuple[int, ...] | None = None) -> str | None:
    """Why the config cannot be rebuilt (with ``input_shape``: on that input), or ``None``."""
    try:
        _checked(config_json, input_shape)
    except Refused as err:
        return str(err)
    return None


def _checked(config_json: str, input_shape: tuple[int, ...] | None) -> dict[str, Any]:
    if not isinstance(config_json, str) or len(config_json) > MAX_CONFIG or \
            config_json.count('"class_name"') > MAX_LAYERS:
        raise Refused(f"the model is far too large to read (over {MAX_LAYERS:,} layers or {MAX_CONFIG >> 10} KiB)")
    try:
        config = json.loads(config_json)
    except ValueError:
        raise Refused("the model could not be read: its config is not JSON") from None
    if not isinstance(config, dict) or config.get("class_name") not in ("Functional", "Sequential"):
        raise Refused("the model could not be read: it is not a Keras model config")
    config = _clean(config)
    if input_shape is not None:
        _bounded(config, tuple(input_shape))
    return config


def rebuild(model: Any, input_shape: tuple[int, ...]) -> Any:
    """A ``keras.Model`` made from a :class:`KerasModel` taking ``input_shape`` (per example),
    with the student's weights; :class:`Refused` (its message a hint) when it cannot be."""
    if not isinstance(model, KerasModel):
        raise Refused("return a keras.Model")
    if model.values is None:
        raise Refused(f"the model's weights did not reach the grader (it holds over {MAX_WEIGHT_VALUES:,})")
    config = _checked(model.config, input_shape)
    import keras

    if any(layer.get("module") == "cnnzoo.layers" for layer in _layer_configs(config)):
        import cnnzoo.layers  # noqa: F401  (registers the historic layers by name)
    try:
        net = keras.saving.deserialize_keras_object(config, custom_objects={}, safe_mode=True)
        if not net.built:
            net.build((None, *input_shape))
    except Refused:
        raise
    except Exception as err:  # noqa: BLE001  (a config Keras cannot read is a wrong answer)
        raise Refused(f"Keras could not rebuild the model ({type(err).__name__})") from None
    want = [tuple(w.shape) for w in net.weights]
    got = [tuple(v.shape) for v in model.values]
    if want != got:
        raise Refused(f"the model's weights do not fit it: {len(got)} arrays for {len(want)} weights, or "
                      "arrays of other shapes")
    if not all(np.isfinite(v).all() for v in model.values):
        raise Refused("the model's weights hold NaN or infinity: training diverged")
    net.set_weights([np.asarray(v, dtype=w.dtype) for v, w in zip(model.values, net.weights)])
    return net


def _layer_configs(config: dict[str, Any]) -> list[dict[str, Any]]:
    out, todo = [], [config]
    while todo:
        node = todo.pop()
        for layer in (node.get("config") or {}).get("layers", []) if isinstance(node.get("config"), dict) else []:
            if isinstance(layer, dict):
                out.append(layer)
                todo.append(layer)
    return out


def predict(net: Any, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """The rebuilt model's outputs on ``x``, in batches."""
    return np.asarray(net.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0))


def accuracy(net: Any, x: np.ndarray, y: np.ndarray) -> float:
    """The share of ``x`` whose highest output is at index ``y``; :class:`Refused` when the
    model does not output one score per class."""
    scores = predict(net, x)
    if scores.ndim != 2 or scores.shape[0] != len(y) or scores.shape[1] <= int(np.max(y)):
        raise Refused(f"the model must output one score per class; it outputs shape {scores.shape[1:]}")
    return float(np.mean(np.argmax(scores, axis=1) == np.asarray(y)))
