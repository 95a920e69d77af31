"""Why not an MLP on raw pixels? Count the cost (lecture: the 108-megapixel camera).

Errata to find: the slide says "324 billion" parameters for a 108-megapixel RGB image into
100 hidden units, "32 bytes" each. Both numbers are slips. What are the right ones, and
why? :func:`mlp_params` and :func:`weight_bytes` answer it for the slide's camera (12,000 x
9,000 pixels) and any other.
"""


def mlp_params(height: int, width: int, channels: int, hidden: int) -> int:
    """Parameters of one fully connected layer from every pixel value to ``hidden`` units.

    Count the weights and the biases. Example: a 2x2 RGB image into 5 units -> 65.
    """
    raise NotImplementedError("mlp_params: fill this in")


def weight_bytes(params: int, bits: int = 32) -> int:
    """Bytes needed to store ``params`` numbers of ``bits`` bits each (8 bits per byte)."""
    raise NotImplementedError("weight_bytes: fill this in")
