"""cnnzoo.ops.conv2d vs tf.nn.conv2d on the CPU, side by side: 8x56x56x64 input, 3x3x64x64 kernel.

Usage: python benchmarks/conv_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _timing import median_time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import numpy as np
    import tensorflow as tf

    from cnnzoo import ops

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 56, 56, 64)).astype(np.float32)
    k = rng.standard_normal((3, 3, 64, 64)).astype(np.float32)
    tx, tk = tf.constant(x), tf.constant(k)
    for padding in ("valid", "same"):
        ours = median_time(lambda p=padding: ops.conv2d(x, k, padding=p), args.repeat)
        theirs = median_time(lambda p=padding: tf.nn.conv2d(tx, tk, 1, p.upper()).numpy(), args.repeat)
        assert ops.conv2d(x, k, padding=padding).dtype == np.float32
        print(f"conv2d {padding:5s} 8x56x56x64 * 3x3x64x64: cnnzoo {ours * 1e3:7.1f} ms, "
              f"tf.nn.conv2d {theirs * 1e3:7.1f} ms, ratio {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
