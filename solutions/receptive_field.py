"""Receptive field: how many input pixels one output pixel sees after a stack of layers."""


def receptive_field(layers: list) -> int:
    """Receptive field (one side) after ``layers``, a list of (filter, stride) pairs, input first.

    Two 3x3 stride-1 convolutions see 5x5: the answer is 5.
    """
    # BEGIN SOLUTION
    r, jump = 1, 1
    for f, s in layers:
        r += (f - 1) * jump
        jump *= s
    return r
    # END SOLUTION
