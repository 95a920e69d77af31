"""Output sizes: valid convolution, repeated filters, padding, stride (square inputs)."""


def valid_output(n: int, f: int) -> int:
    """Side of the output of an ``f`` x ``f`` filter slid over an ``n`` x ``n`` input, no padding, stride 1."""
    raise NotImplementedError("valid_output: fill this in")


def repeated_valid(n: int, f: int) -> list[int]:
    """Sizes after applying an ``f`` x ``f`` valid convolution again and again, while it fits.

    From 32 with 5: [28, 24, ...]; stop when the filter no longer fits the input.
    """
    raise NotImplementedError("repeated_valid: fill this in")


def pixel_uses(n: int, f: int, row: int, col: int) -> int:
    """How many outputs of a valid, stride-1 ``f`` x ``f`` convolution read pixel (row, col)."""
    raise NotImplementedError("pixel_uses: fill this in")


def padded_output(n: int, f: int, p: int) -> int:
    """Output side with ``p`` zeros of padding on every side, stride 1."""
    raise NotImplementedError("padded_output: fill this in")


def same_padding(f: int) -> int:
    """Padding ``p`` that keeps the size for an odd filter ``f`` at stride 1."""
    raise NotImplementedError("same_padding: fill this in")


def strided_output(n: int, f: int, p: int, s: int) -> int:
    """Output side with padding ``p`` and stride ``s``: the general formula (with the floor)."""
    raise NotImplementedError("strided_output: fill this in")
