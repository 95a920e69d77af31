"""What a layer costs to run: multiply-accumulates, FLOPs and activation memory.

Conventions (the ones cnnzoo's model summaries use):

- a *multiply-accumulate* (MAC) is one ``a * b`` added to a running sum. A convolution
  computes, for each output value, one MAC per weight of its filter; a dense layer one MAC
  per weight. Bias additions, activations and pooling are not counted.
- FLOPs count a MAC as two floating-point operations (a multiply and an add).
- activation memory is float32 (4 bytes a value) for one image: the input and the output
  of every layer, pooling and flatten included (flatten's output is counted as its own
  copy), with no batch axis.

The lecture's LeNet-5 (32x32x1, 10 classes): conv1 6@5x5, pool 2/2, conv2 16@5x5,
pool 2/2, flatten, dense 120, 84, 10. VGG as in parameters.py: 3x3 "same" convolutions,
2x2 max pools of stride 2, then dense 4096, 4096 and the classes.
"""


def conv_macs(n: int, f: int, c_in: int, c_out: int, p: int = 0, s: int = 1) -> int:
    """MACs of a convolution of ``c_out`` filters ``f`` x ``f`` over an ``n`` x ``n`` x ``c_in``
    input with padding ``p`` and stride ``s``."""
    raise NotImplementedError("conv_macs: fill this in")


def conv_flops(n: int, f: int, c_in: int, c_out: int, p: int = 0, s: int = 1) -> int:
    """Floating-point operations of the same convolution."""
    raise NotImplementedError("conv_flops: fill this in")


def dense_macs(inputs: int, units: int) -> int:
    """MACs of a dense layer from ``inputs`` values to ``units`` units."""
    raise NotImplementedError("dense_macs: fill this in")


def conv_activation_bytes(n: int, f: int, c_out: int, p: int = 0, s: int = 1, dtype_bytes: int = 4) -> int:
    """Bytes of the output of that convolution for one image, ``dtype_bytes`` a value."""
    raise NotImplementedError("conv_activation_bytes: fill this in")


def lenet5_cost(size: int = 32, channels: int = 1, num_classes: int = 10) -> dict:
    """``{"macs": ..., "activation_bytes": ...}`` of the lecture's LeNet-5 on a ``size`` x
    ``size`` x ``channels`` input with ``num_classes`` outputs."""
    raise NotImplementedError("lenet5_cost: fill this in")


def vgg_cost(cfg: list, input_size: int = 224, channels: int = 3, num_classes: int = 1000) -> dict:
    """``{"macs": ..., "activation_bytes": ...}`` of a VGG network (``cfg`` as in parameters.py:
    filters of each 3x3 "same" convolution, ``"M"`` for each 2x2 max pool of stride 2)."""
    raise NotImplementedError("vgg_cost: fill this in")
