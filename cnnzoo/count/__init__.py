"""Per-layer output shape, parameters and MACs from a Keras layer config, without TensorFlow.

One handler per layer class reads the config (``layer.get_config()``, a ``.keras``
file's ``config.json`` or a spec) and the input shapes, and computes the output shape
with :mod:`cnnzoo.arithmetic` and the weights from the layer's formula. Shapes here
leave out the batch axis. :mod:`.layer` holds the registry and what handlers share,
:mod:`.config` the field readers, :mod:`.core` :func:`count_layer`;
:mod:`.weighted`, :mod:`.shapes` and :mod:`.historic` the handlers.

>>> c = count_layer("Conv2D", {"filters": 16, "kernel_size": 5}, [(14, 14, 6)])
>>> c.output, c.trainable, c.explain
((10, 10, 16), 2416, '(5*5*6 + 1)*16 = 2,416')
>>> count_layer("Dense", {"units": 120}, [(400,)]).explain
'400*120 + 120 = 48,120'
"""

from cnnzoo.count import (  # noqa: F401  (they register their handlers)
    attention,
    historic,
    preprocessing,
    recurrent,
    shapes,
    weighted,
)
from cnnzoo.count.core import CALL_OPTIONS, Dim, LayerCount, Shape, UnknownLayer, count_layer, known_layers

__all__ = ["LayerCount", "UnknownLayer", "count_layer", "known_layers", "Shape", "Dim", "CALL_OPTIONS"]
