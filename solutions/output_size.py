"""Output sizes: valid convolution, repeated filters, padding, stride (square inputs)."""


def valid_output(n: int, f: int) -> int:
    """Side of the output of an ``f`` x ``f`` filter slid over an ``n`` x ``n`` input, no padding, stride 1."""
    # BEGIN SOLUTION
    return n - f + 1
    # END SOLUTION


def repeated_valid(n: int, f: int) -> list[int]:
    """Sizes after applying an ``f`` x ``f`` valid convolution again and again, while it fits.

    From 32 with 5: [28, 24, ...]; stop when the filter no longer fits the input.
    """
    # BEGIN SOLUTION
    sizes = []
    while n >= f:
        n = n - f + 1
        sizes.append(n)
    return sizes
    # END SOLUTION


def pixel_uses(n: int, f: int, row: int, col: int) -> int:
    """How many outputs of a valid, stride-1 ``f`` x ``f`` convolution read pixel (row, col)."""
    # BEGIN SOLUTION
    def along(i: int) -> int:
        first = max(0, i - f + 1)  # first output window that covers i
        last = min(i, n - f)  # last output window that covers i
        return last - first + 1

    return along(row) * along(col)
    # END SOLUTION


def padded_output(n: int, f: int, p: int) -> int:
    """Output side with ``p`` zeros of padding on every side, stride 1."""
    # BEGIN SOLUTION
    return n + 2 * p - f + 1
    # END SOLUTION


def same_padding(f: int) -> int:
    """Padding ``p`` that keeps the size for an odd filter ``f`` at stride 1."""
    # BEGIN SOLUTION
    return (f - 1) // 2
    # END SOLUTION


def strided_output(n: int, f: int, p: int, s: int) -> int:
    """Output side with padding ``p`` and stride ``s``: the general formula (with the floor)."""
    # BEGIN SOLUTION
    return (n + 2 * p - f) // s + 1
    # END SOLUTION
