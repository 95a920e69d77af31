"""The one registry: :class:`ModelSpec`, :func:`register_model`, :func:`get_spec`,
:func:`list_models` and :func:`canonical_name`, the only name normaliser.

A model is one registered spec function: its signature and defaults are the builder's
(:func:`cnnzoo.models.builder`), its docstring the builder's docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ModelSpec", "Layer", "register_model", "unregister_model", "spec_function", "get_spec", "list_models",
           "canonical_name", "is_registered"]

Layer = dict[str, Any]


@dataclass
class ModelSpec:
    """A sequential architecture: an input layer then layer configs in order.

    ``variant`` and ``options`` record the arguments the spec was made with.
    """

    name: str
    layers: list[Layer]
    variant: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.layers[0]["config"]["batch_shape"][1:])

    def receptive_layers(self) -> list[tuple[int, int, int]]:
        """``(filter, stride, dilation)`` of each spatial layer, for the receptive field."""
        out = []
        for layer in self.layers:
            cfg = layer["config"]
            size = cfg.get("kernel_size", cfg.get("pool_size"))
            if size is None:
                continue
            stride = cfg.get("strides") or size
            out.append((_first(size), _first(stride), _first(cfg.get("dilation_rate", 1))))
        return out

    def to_config(self) -> dict[str, Any]:
        """The spec as a Keras ``Sequential`` config (what ``model.get_config()`` returns)."""
        return {"name": self.name, "layers": [dict(layer) for layer in self.layers]}


def _first(value: Any) -> int:
    """The height entry of an int-or-pair layer argument."""
    return value[0] if isinstance(value, (list, tuple)) else value


_REGISTRY: dict[str, Callable[..., ModelSpec]] = {}


def canonical_name(name: Any) -> str:
    """The registry's key for a model name: lower case, without ``-`` and ``_``.

    >>> canonical_name("VGG-16"), canonical_name("lenet_5")
    ('vgg16', 'lenet5')
    """
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string; got {type(name).__name__}")
    return name.lower().replace("-", "").replace("_", "")


def is_registered(name: Any) -> bool:
    """Whether ``name`` (any spelling :func:`canonical_name` accepts) names a registered model."""
    return isinstance(name, str) and canonical_name(name) in _REGISTRY


def register_model(name: str) -> Callable[[Callable[..., ModelSpec]], Callable[..., ModelSpec]]:
    """Add a spec function to the registry under ``name``; a second registration raises."""
    name = canonical_name(name)

    def add(fn: Callable[..., ModelSpec]) -> Callable[..., ModelSpec]:
        if name in _REGISTRY:
            raise ValueError(f"a model named {name!r} is already registered")
        _REGISTRY[name] = fn
        return fn

    return add


def unregister_model(name: str) -> Callable[..., ModelSpec]:
    """Remove the model ``name`` from the registry (a test's throwaway model); its spec function."""
    key = canonical_name(name)
    if key not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; registered models: {', '.join(list_models())}")
    return _REGISTRY.pop(key)


def list_models() -> list[str]:
    """Names of the registered architectures, sorted."""
    return sorted(_REGISTRY)


def spec_function(name: str) -> Callable[..., ModelSpec]:
    """The spec function registered under ``name`` (any spelling :func:`canonical_name` accepts)."""
    key = canonical_name(name)
    if key not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; registered models: {', '.join(list_models())}")
    return _REGISTRY[key]


def get_spec(name: str, *args: Any, **kwargs: Any) -> ModelSpec:
    """The spec registered under ``name``, made with ``args`` and ``kwargs`` (input_shape,
    num_classes, variant, ...: the spec function's parameters)."""
    return spec_function(name)(*args, **kwargs)
