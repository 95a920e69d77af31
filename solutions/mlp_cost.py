"""Why not an MLP on raw pixels? Count the cost (lecture: the 108-megapixel camera).

The slide says "324 billion" parameters at "32 bytes" each. Both are slips: 108e6 pixels
x 3 channels x 100 hidden units is 32.4 billion weights, and float32 is 32 *bits*, 4 bytes.
"""


def mlp_params(height: int, width: int, channels: int, hidden: int) -> int:
    """Parameters of one fully connected layer from every pixel value to ``hidden`` units.

    Count the weights and the biases. Example: a 2x2 RGB image into 5 units -> 65.
    """
    # BEGIN SOLUTION
    inputs = height * width * channels
    return inputs * hidden + hidden
    # END SOLUTION


def weight_bytes(params: int, bits: int = 32) -> int:
    """Bytes needed to store ``params`` numbers of ``bits`` bits each (8 bits per byte)."""
    # BEGIN SOLUTION
    return params * bits // 8
    # END SOLUTION
