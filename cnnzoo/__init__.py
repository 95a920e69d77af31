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

from cnnzoo import arithmetic
from cnnzoo.specs import get_spec, list_models
from cnnzoo.summary import Row, Summary, check_params, summarize

__version__ = "0.1.0"

# Names served lazily (they import Keras): a builder per registered model, and get_model.
_LAZY = {name: "cnnzoo.models" for name in [*list_models(), "get_model"]}
_LAZY_MODULES = {"models", "data", "ops", "viz", "training", "grading", "layers", "transfer", "distributed",
                 "demo", "weights"}

__all__ = [
    "arithmetic", "summarize", "check_params", "Summary", "Row", "list_models", "get_spec",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _LAZY_MODULES:
        return importlib.import_module(f"cnnzoo.{name}")
    raise AttributeError(f"module 'cnnzoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _LAZY_MODULES)
