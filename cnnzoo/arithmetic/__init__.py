"""Convolution arithmetic in pure Python: output sizes, padding, parameters, receptive field.

Every function takes integers (or ``(height, width)`` pairs: a pair anywhere gives a
pair back) and, with ``explain=True``, returns an :class:`Explained` value that carries
the formula with the numbers filled in.

>>> conv_output_size(32, 5)
28
>>> print(conv_output_size(32, 5, explain=True))
(32 + 2*0 - 5)//1 + 1 = 28
>>> conv_output_size((32, 24), 5, p="same", s=2)
(16, 12)

Semantics follow Keras/TensorFlow: ``"same"`` gives ``ceil(n / s)`` whatever the
filter, dilation enlarges a filter to ``d*(f - 1) + 1``, pooling strides default to the
pool size. Bad input raises ``TypeError`` (not an integer) or ``ValueError`` (the rule
it breaks and the value received); a size is never silently 0 or negative.
"""

from cnnzoo.arithmetic.core import DTYPE_BYTES, Explained
from cnnzoo.arithmetic.counts import conv_params, dense_params, param_bytes
from cnnzoo.arithmetic.fields import pixel_usage, receptive_field
from cnnzoo.arithmetic.sizes import (
    conv_output_size,
    effective_filter,
    pool_output_size,
    same_padding,
    transposed_output_size,
)

__all__ = [
    "Explained",
    "conv_output_size",
    "same_padding",
    "pool_output_size",
    "transposed_output_size",
    "effective_filter",
    "receptive_field",
    "pixel_usage",
    "conv_params",
    "dense_params",
    "param_bytes",
    "DTYPE_BYTES",
]
