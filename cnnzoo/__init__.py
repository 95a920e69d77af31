"""cnnzoo: convolutional networks to learn from and to check, with Keras.

``import cnnzoo`` is light: the arithmetic, the specs and :func:`summarize` never load
TensorFlow. The Keras builders (``cnnzoo.lenet5``, ``cnnzoo.vgg16``, ...) and the
heavier modules load on first use.

>>> import cnnzoo
>>> cnnzoo.summarize("lenet5").total
61706
>>> cnnzoo.arithmetic.conv_output_size(32, 5)
28
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Everything is served on first use, so that importing a submodule (the pytest plugin,
# loaded in every pytest run of the environment) costs nothing here.
_FROM = {"summarize": "cnnzoo.summary", "check_params": "cnnzoo.summary", "Summary": "cnnzoo.summary",
         "Row": "cnnzoo.summary", "list_models": "cnnzoo.specs", "get_spec": "cnnzoo.specs",
         "get_model": "cnnzoo.models"}
_LAZY_MODULES = {"arithmetic", "specs", "summary", "count", "models", "data", "ops", "viz", "training",
                 "grading", "layers", "transfer", "distributed", "demo", "weights", "extras"}


def _builders() -> list[str]:
    """A builder per registered model (``cnnzoo.lenet5``, ...): they import Keras."""
    from cnnzoo.specs import list_models

    return list_models()


def _import(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:  # Keras and friends are the [keras] extra
        from cnnzoo.extras import explain

        raise (explain(err, f"cnnzoo.{what}") or err) from None


def __getattr__(name: str) -> Any:
    if name in _FROM:
        return getattr(_import(_FROM[name], name), name)
    if name in _LAZY_MODULES:
        return _import(f"cnnzoo.{name}", name)
    if name == "__all__":
        return ["arithmetic", "summarize", "check_params", "Summary", "Row", "list_models", "get_spec",
                *_builders(), "get_model"]
    if not name.startswith("_") and name in _builders():
        return getattr(_import("cnnzoo.models", name), name)
    raise AttributeError(f"module 'cnnzoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM) | _LAZY_MODULES | set(_builders()))
