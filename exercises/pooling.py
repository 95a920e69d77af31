"""Max and average pooling by hand; pooling has no parameters."""


def max_pool(x: list[list[float]], f: int, s: int) -> list[list[float]]:
    """The largest value of each ``f`` x ``f`` window, windows ``s`` apart (no padding)."""
    raise NotImplementedError("max_pool: fill this in")


def avg_pool(x: list[list[float]], f: int, s: int) -> list[list[float]]:
    """The mean of each ``f`` x ``f`` window, windows ``s`` apart (no padding)."""
    raise NotImplementedError("avg_pool: fill this in")


def pool_output(n: int, f: int, s: int) -> int:
    """Output side of pooling an ``n`` x ``n`` map with window ``f`` and stride ``s``."""
    raise NotImplementedError("pool_output: fill this in")


def pool_params(f: int, channels: int) -> int:
    """Trainable parameters of an ``f`` x ``f`` pooling layer over ``channels`` maps."""
    raise NotImplementedError("pool_params: fill this in")
