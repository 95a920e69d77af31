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
    # BEGIN SOLUTION
    side = (n + 2 * p - f) // s + 1
    return side * side * c_out * f * f * c_in
    # END SOLUTION


def conv_flops(n: int, f: int, c_in: int, c_out: int, p: int = 0, s: int = 1) -> int:
    """Floating-point operations of the same convolution."""
    # BEGIN SOLUTION
    return 2 * conv_macs(n, f, c_in, c_out, p, s)
    # END SOLUTION


def dense_macs(inputs: int, units: int) -> int:
    """MACs of a dense layer from ``inputs`` values to ``units`` units."""
    # BEGIN SOLUTION
    return inputs * units
    # END SOLUTION


def conv_activation_bytes(n: int, f: int, c_out: int, p: int = 0, s: int = 1, dtype_bytes: int = 4) -> int:
    """Bytes of the output of that convolution for one image, ``dtype_bytes`` a value."""
    # BEGIN SOLUTION
    side = (n + 2 * p - f) // s + 1
    return side * side * c_out * dtype_bytes
    # END SOLUTION


def lenet5_cost(size: int = 32, channels: int = 1, num_classes: int = 10) -> dict:
    """``{"macs": ..., "activation_bytes": ...}`` of the lecture's LeNet-5 on a ``size`` x
    ``size`` x ``channels`` input with ``num_classes`` outputs."""
    # BEGIN SOLUTION
    c1 = size - 5 + 1
    p1 = c1 // 2
    c2 = p1 - 5 + 1
    p2 = c2 // 2
    flat = p2 * p2 * 16
    macs = (conv_macs(size, 5, channels, 6) + conv_macs(p1, 5, 6, 16)
            + dense_macs(flat, 120) + dense_macs(120, 84) + dense_macs(84, num_classes))
    values = (size * size * channels + c1 * c1 * 6 + p1 * p1 * 6 + c2 * c2 * 16 + p2 * p2 * 16
              + flat + 120 + 84 + num_classes)
    return {"macs": macs, "activation_bytes": 4 * values}
    # END SOLUTION


def vgg_cost(cfg: list, input_size: int = 224, channels: int = 3, num_classes: int = 1000) -> dict:
    """``{"macs": ..., "activation_bytes": ...}`` of a VGG network (``cfg`` as in parameters.py:
    filters of each 3x3 "same" convolution, ``"M"`` for each 2x2 max pool of stride 2)."""
    # BEGIN SOLUTION
    side, depth = input_size, channels
    macs, values = 0, side * side * depth
    for item in cfg:
        if item == "M":
            side //= 2
        else:
            macs += conv_macs(side, 3, depth, item, p=1)
            depth = item
        values += side * side * depth
    flat = side * side * depth
    macs += dense_macs(flat, 4096) + dense_macs(4096, 4096) + dense_macs(4096, num_classes)
    values += flat + 4096 + 4096 + num_classes
    return {"macs": macs, "activation_bytes": 4 * values}
    # END SOLUTION
