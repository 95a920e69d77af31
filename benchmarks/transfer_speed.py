"""Transfer learning speed, side by side in one run: feature extraction throughput
(images/s) on this machine's device, and one epoch of head training on stored activations
vs. recomputing the frozen backbone every epoch.

Usage: python benchmarks/transfer_speed.py [--size 96] [--images 512]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--images", type=int, default=512)
    args = parser.parse_args()
    import keras
    import numpy as np

    from cnnzoo import transfer

    shape = (args.size, args.size, 3)
    x = np.random.default_rng(0).integers(0, 256, (args.images, *shape)).astype(np.uint8)
    y = np.arange(args.images) % 10
    model = transfer.backbone("MobileNetV2", weights=None, input_shape=shape)
    transfer.extract_features(model, x[:64], progress=False)  # warm-up
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        features = transfer.extract_features(model, x, cache_dir=cache, progress=False)
        extract = time.perf_counter() - start
        start = time.perf_counter()
        transfer.extract_features(model, x, cache_dir=cache, progress=False)
        cached = time.perf_counter() - start
    head = transfer.train_head(features, y, 10, epochs=1)
    start = time.perf_counter()
    head.fit(features, y, epochs=1, batch_size=32, verbose=0)
    head_epoch = time.perf_counter() - start
    full = transfer.attach_head(model, head)
    full.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    full.fit(x[:64].astype("float32"), y[:64], epochs=1, batch_size=32, verbose=0)  # warm-up
    start = time.perf_counter()
    full.fit(x.astype("float32"), y, epochs=1, batch_size=32, verbose=0)
    full_epoch = time.perf_counter() - start
    print(f"device: {transfer.device()}; MobileNetV2 {args.size}x{args.size}, {args.images} images")
    print(f"feature extraction: {args.images / extract:8.0f} images/s ({extract:.2f} s)")
    print(f"features from the cache: {cached:.3f} s ({extract / cached:.0f}x faster than extracting)")
    print(f"one epoch of head training: stored activations {head_epoch:.3f} s, "
          f"recomputing the backbone {full_epoch:.2f} s ({full_epoch / head_epoch:.0f}x)")


if __name__ == "__main__":
    main()
