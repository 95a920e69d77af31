"""Convolution by hand, as in the lecture: cross-correlation (the filter is not flipped).

Inputs and filters are lists of lists of numbers; return lists of lists.

Errata to find, in the lecture's padding frames:

- the frames turn the 5x5 input, padded by 1 to 7x7, and the 3x3 filter into a 3x3
  output, but the next slide's formula, ``n + 2p - f + 1``, gives 5. Which formula do the
  frames follow, with which stride? :func:`frames_stride` answers it for any frames.
- they show the output ``[[6, 17, 3], [6, 17, 13], [6, 4, 4]]``, and one frame shows 4.0
  at its top right. The slide shows 6.0 in the middle of the left column: what is the
  right value there, and at the top right, and why? Work them out by hand, then write
  :func:`slide_errata`, which finds such slips in any output shown.
"""


def cross_correlate(x: list[list[float]], k: list[list[float]]) -> list[list[float]]:
    """Valid, stride-1 cross-correlation: out[i][j] = sum of x[i+a][j+b] * k[a][b]."""
    # BEGIN SOLUTION
    n, f = len(x), len(k)
    size = n - f + 1
    return [[sum(x[i + a][j + b] * k[a][b] for a in range(f) for b in range(f))
             for j in range(size)] for i in range(size)]
    # END SOLUTION


def pad(x: list[list[float]], p: int) -> list[list[float]]:
    """``x`` with ``p`` rows and columns of zeros added on every side."""
    # BEGIN SOLUTION
    width = len(x[0]) + 2 * p
    rows = [[0] * width for _ in range(p)]
    return rows + [[0] * p + list(r) + [0] * p for r in x] + [[0] * width for _ in range(p)]
    # END SOLUTION


def conv2d(x: list[list[float]], k: list[list[float]], p: int = 0, s: int = 1) -> list[list[float]]:
    """Cross-correlation with ``p`` zeros of padding and stride ``s``."""
    # BEGIN SOLUTION
    x = pad(x, p)
    n, f = len(x), len(k)
    size = (n - f) // s + 1
    return [[sum(x[i * s + a][j * s + b] * k[a][b] for a in range(f) for b in range(f))
             for j in range(size)] for i in range(size)]
    # END SOLUTION


def slide_errata(x: list[list[float]], k: list[list[float]], p: int, s: int,
                 shown: list[list[float]]) -> list[tuple[int, int, float]]:
    """The entries of ``shown`` that are not ``conv2d(x, k, p, s)``: a list of
    ``(row, col, right value)``, row by row (empty when the slide is right)."""
    # BEGIN SOLUTION
    right = conv2d(x, k, p, s)
    return [(i, j, right[i][j]) for i in range(len(right)) for j in range(len(right[0]))
            if right[i][j] != shown[i][j]]
    # END SOLUTION


def frames_stride(n: int, f: int, p: int, out: int) -> int:
    """The smallest stride at which an ``f`` x ``f`` filter with padding ``p`` turns an
    ``n`` x ``n`` input into an ``out`` x ``out`` output, as the frames of a slide show it."""
    # BEGIN SOLUTION
    s = 1
    while (n + 2 * p - f) // s + 1 != out:
        s += 1
    return s
    # END SOLUTION
