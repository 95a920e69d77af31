"""Keras functional builders made from :mod:`cnnzoo.specs`: one per registered model.

A builder (``cnnzoo.lenet5``, ``cnnzoo.vgg16``, ...) is made from the spec function by
:func:`builder`: the spec's parameters, in order and with its defaults, then ``weights``;
its docstring is the spec's. Registering a spec is all a new model needs.

>>> import cnnzoo
>>> cnnzoo.lenet5().count_params()
61706
>>> import inspect
>>> print(inspect.signature(cnnzoo.vgg16))
(input_shape: 'tuple[int, int, int]' = (224, 224, 3), num_classes: 'int' = 1000, include_top: 'bool' = True, weights: 'Any' = None, *, batch_norm: 'bool' = False) -> 'keras.Model'
>>> cnnzoo.lenet5(input_shape=(8, 8, 1))
Traceback (most recent call last):
...
ValueError: input_shape (8, 8, 1) is too small for lenet5: layer 'conv2' (Conv2D): the filter of size 5 does not fit the padded input 2 + 2*0 = 2; the padded input must be at least as large as the filter
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

try:
    import keras
except ModuleNotFoundError as _err:  # Keras is the [keras] extra
    from cnnzoo.extras import explain

    raise (explain(_err, "cnnzoo.models") or _err) from None

from cnnzoo import layers as zoo_layers
from cnnzoo import weights as zoo_weights
from cnnzoo.specs import ModelSpec, canonical_name, get_spec, is_registered, list_models, spec_function
from cnnzoo.summary import summarize

_API = ["build", "builder", "get_model", "load_weights"]


def _make_layer(layer: dict[str, Any]) -> keras.layers.Layer:
    cls_name, config = layer["class_name"], dict(layer["config"])
    cls = zoo_layers.CUSTOM_OBJECTS.get(cls_name) or getattr(keras.layers, cls_name)
    if "activation" in config:  # one resolver for Keras' names and LeCun's tanh, every class alike
        config["activation"] = zoo_layers.get_activation(config["activation"])
    return cls(**config)


def build(spec: ModelSpec) -> keras.Model:
    """Turn a spec into a functional ``keras.Model`` (the spec is checked first, no TF needed)."""
    try:
        summarize(spec)
    except ValueError as err:
        raise ValueError(f"input_shape {spec.input_shape} is too small for {spec.name}: {err}") from None
    inputs = keras.Input(shape=spec.input_shape, name=spec.layers[0]["config"]["name"])
    x = inputs
    for layer in spec.layers[1:]:
        x = _make_layer(layer)(x)
    name = spec.name + (f"_{spec.variant}" if spec.variant else "")
    return keras.Model(inputs, x, name=name)


def get_model(name: str, *, weights: Any = None, **options: Any) -> keras.Model:
    """Build the registered model ``name`` (see :func:`cnnzoo.list_models`): the spec made
    with ``options``, then ``weights`` (None, ``"imagenet"`` where keras.applications has
    them, or a ``.weights.h5`` / ``.keras`` file).

    >>> get_model("VGG-11", input_shape=(32, 32, 3), num_classes=10).count_params()
    28144010
    """
    return _model(name, (), options, weights)


def _model(name: str, args: tuple[Any, ...], options: dict[str, Any], weights: Any) -> keras.Model:
    spec = get_spec(name, *args, **options)
    model = build(spec)
    return model if weights is None else load_weights(model, weights, spec)


def load_weights(model: keras.Model, weights: Any, spec: ModelSpec) -> keras.Model:
    """Put ``weights`` into a zoo model: ``"imagenet"`` where keras.applications has them
    (plain VGG-16 and VGG-19), or a file (see :mod:`cnnzoo.weights`)."""
    source = zoo_weights.check(weights)
    if source != "imagenet":
        return zoo_weights.load_file(model, source)
    reference = getattr(keras.applications, spec.name.upper(), None)
    if reference is None or spec.options.get("batch_norm"):
        raise ValueError(f"keras.applications has ImageNet weights for plain VGG16 and VGG19 only; "
                         f"got {spec.name}{' with batch_norm' if spec.options.get('batch_norm') else ''}")
    if spec.options.get("include_top") and spec.options.get("num_classes") != 1000:
        raise ValueError(f"ImageNet weights with the top need num_classes=1000; got {spec.options['num_classes']}")
    with zoo_weights.fail_fast_downloads(spec.name.upper()):
        source_model = reference(weights="imagenet", include_top=spec.options["include_top"],
                                 input_shape=spec.input_shape)
    zoo_weights.copy_by_name(source_model, model)
    return model


_WEIGHTS_DOC = """
``weights``: None, ``"imagenet"`` (where keras.applications has them: plain VGG-16 and
VGG-19, through its own loader) or a file: a ``.weights.h5`` saved from this model (or
from its ``keras.applications`` twin), or a ``.keras`` model whose layers carry the same
names. Made from the registered spec ``{name!r}`` (:func:`cnnzoo.specs.get_spec`).
"""


def _builder_signature(spec: Callable[..., ModelSpec], name: str) -> inspect.Signature:
    """The spec's parameters, then ``weights``: positional after the spec's positional ones
    (keyword-only after a ``*args``)."""
    params = list(inspect.signature(spec).parameters.values())
    if any(p.name == "weights" for p in params):
        raise TypeError(f"the spec function of {name!r} must not take 'weights': its builder adds it")
    kinds = [p.kind for p in params]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        at, kind = kinds.index(inspect.Parameter.VAR_POSITIONAL) + 1, inspect.Parameter.KEYWORD_ONLY
    else:
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        at, kind = sum(k in positional for k in kinds), inspect.Parameter.POSITIONAL_OR_KEYWORD
    params.insert(at, inspect.Parameter("weights", kind, default=None, annotation="Any"))
    return inspect.Signature(params, return_annotation="keras.Model")


_BUILDERS: dict[str, tuple[Callable[..., ModelSpec], Callable[..., keras.Model]]] = {}


def builder(name: str) -> Callable[..., keras.Model]:
    """The Keras builder of the registered model ``name``, made from its spec function: the
    same parameters and defaults, then ``weights`` (see :func:`get_model`); the spec's
    docstring. ``cnnzoo.<name>`` is this function.

    >>> builder("lenet5") is builder("LeNet-5")
    True
    >>> builder("lenet5").__name__
    'lenet5'
    """
    key = canonical_name(name)
    spec = spec_function(key)
    made = _BUILDERS.get(key)
    if made is not None and made[0] is spec:
        return made[1]
    signature = _builder_signature(spec, key)

    def build_model(*args: Any, **kwargs: Any) -> keras.Model:
        bound = signature.bind(*args, **kwargs)
        weights = bound.arguments.pop("weights", None)
        return _model(key, bound.args, bound.kwargs, weights)

    build_model.__name__ = build_model.__qualname__ = key
    build_model.__module__ = __name__
    build_model.__signature__ = signature  # type: ignore[attr-defined]
    build_model.__doc__ = (inspect.getdoc(spec) or f"The registered model {key!r}.") + "\n" + \
        _WEIGHTS_DOC.format(name=key)
    _BUILDERS[key] = (spec, build_model)
    return build_model


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return [*_API, *list_models()]
    if not name.startswith("_") and is_registered(name) and canonical_name(name) == name:
        return builder(name)
    raise AttributeError(f"module 'cnnzoo.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(list_models()))
