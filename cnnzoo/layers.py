"""Keras layers of the historical networks, real layers that serialize and load.

- :class:`LocalResponseNormalization`: AlexNet's across-channel normalization,
  ``x / (bias + alpha * sum(x^2 over 2r+1 channels))**beta`` (as ``tf.nn.local_response_normalization``).
- :class:`Subsampling`: LeNet-5's S2/S4, the sum of each 2x2 window times a trainable
  coefficient plus a trainable bias, one pair per map.
- :class:`LeNetC3`: LeNet-5's C3, a 5x5 convolution where each output map sees only the
  input maps of its column of the connection table (1,516 parameters).
- :class:`EuclideanRBF`: LeNet-5's output, the squared distance of the input to a fixed
  prototype per class (its weights are not trained).
- :func:`lecun_tanh`: ``1.7159 * tanh(2x/3)``, the squashing function of the paper.
"""

from __future__ import annotations

from typing import Any

try:
    import keras
except ModuleNotFoundError as _err:  # Keras is the [keras] extra
    from cnnzoo.extras import explain

    raise (explain(_err, "cnnzoo.layers") or _err) from None
import numpy as np
from keras import ops

from cnnzoo.count.historic import lenet_c3_shape, rbf_shape, subsampling_shape

__all__ = ["LocalResponseNormalization", "Subsampling", "LeNetC3", "EuclideanRBF", "lecun_tanh",
           "get_activation", "CUSTOM_OBJECTS"]

_register = keras.saving.register_keras_serializable(package="cnnzoo")


@keras.saving.register_keras_serializable(package="cnnzoo", name="lecun_tanh")
def lecun_tanh(x: Any) -> Any:
    """LeCun's scaled hyperbolic tangent ``1.7159 * tanh(2x/3)`` (f(1) = 1, f(-1) = -1)."""
    return 1.7159 * ops.tanh(x * (2.0 / 3.0))


def get_activation(name: Any) -> Any:
    """Keras activation by name (or as it is serialized), knowing ``"lecun_tanh"``."""
    if name in ("lecun_tanh", "cnnzoo>lecun_tanh") or name is lecun_tanh:
        return lecun_tanh
    return keras.activations.get(name)


def serialize_activation(fn: Any) -> Any:
    """The name a config stores for an activation (``"lecun_tanh"`` for LeCun's)."""
    return "lecun_tanh" if fn is lecun_tanh else keras.activations.serialize(fn)


@_register
class LocalResponseNormalization(keras.layers.Layer):
    """Across-channel local response normalization (Krizhevsky et al. 2012, section 3.3)."""

    def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4,
                 beta: float = 0.75, **kwargs: Any):
        super().__init__(**kwargs)
        if depth_radius < 0:
            raise ValueError(f"depth_radius must be non-negative; got {depth_radius}")
        self.depth_radius, self.bias, self.alpha, self.beta = depth_radius, bias, alpha, beta

    def call(self, x: Any) -> Any:
        r = self.depth_radius
        channels = x.shape[-1]
        padded = ops.pad(ops.square(x), [[0, 0]] * (len(x.shape) - 1) + [[r, r]])
        total = sum(padded[..., i:i + channels] for i in range(2 * r + 1))  # (B, H, W, C)
        return x / ops.power(self.bias + self.alpha * total, self.beta)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias,
                "alpha": self.alpha, "beta": self.beta}


@_register
class Subsampling(keras.layers.Layer):
    """Sum over ``pool_size`` windows, times a coefficient, plus a bias, per map."""

    def __init__(self, pool_size: int = 2, activation: Any = "lecun_tanh", **kwargs: Any):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.activation = get_activation(activation)

    def build(self, input_shape: Any) -> None:
        c = input_shape[-1]
        self.coefficient = self.add_weight(name="coefficient", shape=(c,), initializer="ones")
        self.bias = self.add_weight(name="bias", shape=(c,), initializer="zeros")

    def call(self, x: Any) -> Any:
        p = self.pool_size
        window_sum = ops.average_pool(x, p, p, "valid") * float(p * p)  # (B, H/p, W/p, C)
        return self.activation(window_sum * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], *subsampling_shape(tuple(input_shape[1:]), self.pool_size))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size,
                "activation": serialize_activation(self.activation)}


@_register
class LeNetC3(keras.layers.Layer):
    """Partially connected convolution: output map ``j`` reads the input maps ``table[j]``."""

    def __init__(self, filters: int, kernel_size: int, table: list[list[int]],
                 activation: Any = "lecun_tanh", **kwargs: Any):
        super().__init__(**kwargs)
        if len(table) != filters:
            raise ValueError(f"table must have one entry per filter ({filters}); got {len(table)}")
        self.filters, self.kernel_size = int(filters), int(kernel_size)
        self.table = [list(map(int, t)) for t in table]
        self.activation = get_activation(activation)

    def build(self, input_shape: Any) -> None:
        c = input_shape[-1]
        for j, inputs in enumerate(self.table):
            if not inputs or max(inputs) >= c or min(inputs) < 0:
                raise ValueError(f"table entry {j} must name input maps 0..{c - 1}; got {inputs}")
        k = self.kernel_size
        self.kernels = [self.add_weight(name=f"kernel_{j}", shape=(k, k, len(t), 1),
                                        initializer="glorot_uniform")
                        for j, t in enumerate(self.table)]
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, x: Any) -> Any:
        maps = [ops.conv(ops.take(x, inputs, axis=-1), kernel, padding="valid")  # (B, H', W', 1)
                for inputs, kernel in zip(self.table, self.kernels)]
        return self.activation(ops.concatenate(maps, axis=-1) + self.bias)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], *lenet_c3_shape(tuple(input_shape[1:]), self.kernel_size, self.filters))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "table": self.table, "activation": serialize_activation(self.activation)}


@_register
class EuclideanRBF(keras.layers.Layer):
    """Squared Euclidean distance to a fixed +-1 prototype per class (lower means closer).

    The prototypes are drawn once from ``seed`` and are not trained, as in the paper, so
    the layer's weights count as non-trainable. Train with ``-distances`` as logits.
    """

    def __init__(self, units: int, seed: int = 1998, **kwargs: Any):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.units, self.seed = int(units), int(seed)

    def build(self, input_shape: Any) -> None:
        n = input_shape[-1]
        bits = np.random.default_rng(self.seed).choice([-1.0, 1.0], size=(n, self.units))
        self.prototypes = self.add_weight(
            name="prototypes", shape=(n, self.units), trainable=False,
            initializer=keras.initializers.Constant(bits.astype("float32")))

    def call(self, x: Any) -> Any:
        diff = ops.expand_dims(x, -1) - self.prototypes  # (B, n, units)
        return ops.sum(ops.square(diff), axis=1)  # (B, units)

    #: its output is distances (lower is closer): training uses their negatives as logits
    outputs_distances = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], *rbf_shape(tuple(input_shape[1:]), self.units))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "seed": self.seed}


#: Everything ``keras.models.load_model`` needs to read a cnnzoo model.
CUSTOM_OBJECTS = {c.__name__: c for c in (LocalResponseNormalization, Subsampling, LeNetC3,
                                          EuclideanRBF)} | {"lecun_tanh": lecun_tanh}
