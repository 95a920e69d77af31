"""The zoo's architectures as data: one table per family, one registry.

A spec is a list of Keras-style layer configs (``class_name`` + ``config``), so the
same counting engine reads a spec, a live ``keras.Model`` and a saved ``.keras`` file,
and the Keras builders in :mod:`cnnzoo.models` turn a spec into a model without
repeating it. Nothing here imports TensorFlow.

>>> list_models()
['alexnet', 'lenet5', 'vgg11', 'vgg13', 'vgg16', 'vgg19']
>>> spec = get_spec("vgg16", include_top=False)
>>> spec.layers[1]["config"]["name"]
'block1_conv1'
"""

from cnnzoo.specs import alexnet, lenet, vgg  # noqa: F401  (each registers its models)
from cnnzoo.specs.lenet import C3_TABLE
from cnnzoo.specs.registry import (
           ModelSpec,
           canonical_name,
           get_spec,
           is_registered,
           list_models,
           register_model,
           spec_function,
           unregister_model,
)
from cnnzoo.specs.vgg import VGG_CFGS

__all__ = ["ModelSpec", "list_models", "get_spec", "register_model", "unregister_model", "spec_function",
           "canonical_name", "is_registered", "C3_TABLE", "VGG_CFGS"]
