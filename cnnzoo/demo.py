"""The steps of ``cnnzoo demo``, each a function returning what it measured.

:func:`sizes` (the lecture's worked output sizes), :func:`figures` (every figure, with a
trained LeNet-5), :func:`transfer_learning` (MobileNetV2 features, cache, heads, t-SNE) and
:func:`run` (all of them, printed). The CLI only parses arguments and calls these.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo.extras import require

__all__ = ["sizes", "figures", "transfer_learning", "transfer_lines", "TransferDemo", "run"]


def sizes() -> list[str]:
    """The lecture's worked examples, one line each, with their formulas."""
    chain, n = [], 32
    while n >= 5:
        n = ar.conv_output_size(n, 5)
        chain.append(n)
    grid = ar.pixel_usage(5, 3)
    params = ar.dense_params(108_000_000 * 3, 100)
    return [
        f"valid 5x5 filter on 32x32:         {ar.conv_output_size(32, 5, explain=True)}",
        f"repeated 5x5 from 32:              {', '.join(map(str, chain))} "
        f"(a 5x5 filter no longer fits {n}x{n}: 1x1 is never reached)",
        f"padding 1, stride 2, 5x5 by 3x3:   {ar.conv_output_size(5, 3, p=1, s=2, explain=True)}",
        f"'same' padding for a 5x5 filter:   {ar.same_padding(5, explain=True)}",
        f"max pool 2x2 stride 2 on 28:       {ar.pool_output_size(28, 2, explain=True)}",
        f"MLP on a 108-megapixel RGB image:  {ar.dense_params(108_000_000 * 3, 100, explain=True)} "
        f"parameters; {ar.param_bytes(params) / 1e9:.1f} GB at float32",
        f"5x5 input, 3x3 filter: corner pixel used {grid[0][0]} time, centre {grid[2][2]} times",
    ]


def figures(out: str = "figures", trained: Any = None, progress: bool = True) -> list[str]:
    """Write every figure of the lecture into ``out``; return the paths.

    ``trained`` is a :class:`cnnzoo.training.TrainResult` of LeNet-5 (trained here when
    not given) for the filters, feature maps and embeddings before and after training.
    """
    from tqdm.auto import tqdm

    from cnnzoo import viz
    from cnnzoo.models import lenet5
    from cnnzoo.summary import summarize
    from cnnzoo.training import train

    os.makedirs(out, exist_ok=True)
    jobs = [
        ("convolution_steps.png", lambda p: viz.convolution_steps(path=p)),
        ("convolution_padding1_stride2.png", lambda p: viz.convolution_steps(p=1, s=2, path=p)),
        ("max_pooling.png", lambda p: viz.pooling_steps(kind="max", path=p)),
        ("average_pooling.png", lambda p: viz.pooling_steps(kind="avg", path=p)),
        ("pixel_usage.png", lambda p: viz.pixel_usage_map(path=p)),
        ("edge_detection.png", lambda p: viz.edge_detection(path=p)),
        ("lenet5_architecture.png", lambda p: viz.architecture(summarize("lenet5"), path=p)),
        ("vgg16_architecture.png", lambda p: viz.architecture(summarize("vgg16"), path=p)),
    ]
    written = []
    for name, job in tqdm(jobs, desc="figures", unit="fig", disable=not progress):
        written.append(os.path.join(out, name))
        job(written[-1])
    trained = trained if trained is not None else train("lenet5", out=out, progress=False)
    (_, _), (x_test, y_test) = trained.data
    written.append(os.path.join(out, "lenet5_filters_and_maps.png"))
    viz.filters_and_feature_maps(trained.model, x_test[0], path=written[-1])
    written.append(os.path.join(out, "lenet5_embedding.png"))
    viz.embedding({"before training": viz.hidden_features(lenet5(), x_test),
                   "after training": viz.hidden_features(trained.model, x_test)}, y_test, path=written[-1])
    return written


@dataclass
class TransferDemo:
    """What :func:`transfer_learning` measured."""

    device: str
    weights: str
    features: int
    extract_seconds: float
    cached_seconds: float
    dense_accuracy: float
    logistic_accuracy: float
    pixels_accuracy: float
    figure: str


def transfer_learning(out: str = "out", size: int = 96, epochs: int = 30, progress: bool = True) -> TransferDemo:
    """End to end on MNIST digits (1,500 to train, 500 to test, of the 5,000 shipped):
    MobileNetV2 at ``size`` x ``size`` (ImageNet weights when cached or downloadable;
    otherwise weights saved to and loaded from a local file, the offline path), cached
    features, a dense head and the logistic baseline (and logistic regression on the 28x28
    pixels), and the t-SNE of the features."""

    import keras

    from cnnzoo import transfer
    from cnnzoo.data import mnist
    from cnnzoo.viz import embedding

    keras.utils.set_random_seed(0)  # the same offline weights, the same numbers, every run
    (pixels_train, y_train), (pixels_test, y_test) = mnist(test_size=500)
    pixels_train, y_train = pixels_train[:1500], y_train[:1500]  # a shuffled, stratified split: any classes
    x_train, x_test = _to_rgb(pixels_train, size), _to_rgb(pixels_test, size)
    os.makedirs(out, exist_ok=True)
    model, source = _mobilenet(out, size, x_train)
    (f_train, f_test), first, again = _features_twice(model, x_train, x_test, os.path.join(out, "feature_cache"),
                                                      progress)
    head = transfer.train_head(f_train, y_train, 10, epochs=epochs)
    dense_acc = float(head.evaluate(f_test, y_test, verbose=0)[1])
    logistic_acc = float(transfer.logistic_baseline(f_train, y_train).score(f_test, y_test))
    flat = lambda x: x.reshape(len(x), -1) / 255.0  # noqa: E731  (the 28x28 pixels themselves)
    pixels_acc = float(transfer.logistic_baseline(flat(pixels_train), y_train).score(flat(pixels_test), y_test))
    figure = os.path.join(out, "mobilenetv2_features_tsne.png")
    embedding({f"MobileNetV2 features ({'ImageNet' if source == 'ImageNet' else 'offline weights'})": f_test},
              y_test, methods=("tsne",), path=figure)
    return TransferDemo(transfer.device(), source, f_train.shape[1], first, again, dense_acc, logistic_acc,
                        pixels_acc, figure)


def _to_rgb(x: np.ndarray, size: int) -> np.ndarray:
    """28x28 grey to ``size`` x ``size`` RGB, uint8 as a camera gives."""
    import keras

    big = keras.ops.convert_to_numpy(keras.ops.image.resize(x[..., None].astype(np.float32), (size, size)))
    return np.repeat(np.clip(np.round(big), 0, 255), 3, axis=-1).astype(np.uint8)


def _mobilenet(out: str, size: int, x_train: np.ndarray) -> tuple[Any, str]:
    """MobileNetV2 with ImageNet weights, or offline random weights through the same
    local-file path (saved once in ``out``); the model and where its weights came from."""
    from cnnzoo import transfer

    try:
        return transfer.backbone("MobileNetV2", "imagenet", (size, size, 3)), "ImageNet"
    except transfer.WeightsUnavailable:
        path = os.path.join(out, f"mobilenetv2_{size}_random.weights.h5")
        if not os.path.exists(path):
            fresh = transfer.backbone("MobileNetV2", None, (size, size, 3))
            transfer.estimate_batch_norm(fresh, x_train[:256])
            fresh.save_weights(path)
        return transfer.backbone("MobileNetV2", path, (size, size, 3)), f"random, file {path}"


def _features_twice(model: Any, x_train: np.ndarray, x_test: np.ndarray, cache: str,
                    progress: bool) -> tuple[tuple[np.ndarray, np.ndarray], float, float]:
    """The features of both splits, extracted then read back from the cache: the features and
    the two times."""
    from cnnzoo import transfer

    start = time.perf_counter()
    features = (transfer.extract_features(model, x_train, cache, progress=progress),
                transfer.extract_features(model, x_test, cache, progress=progress))
    first = time.perf_counter() - start
    start = time.perf_counter()
    transfer.extract_features(model, x_train, cache, progress=False)
    transfer.extract_features(model, x_test, cache, progress=False)
    return features, first, time.perf_counter() - start


def transfer_lines(r: TransferDemo, size: int) -> list[str]:
    """:func:`transfer_learning`'s numbers, told."""
    lines = [f"transfer learning on {r.device}: MobileNetV2 {size}x{size}, weights from {r.weights}",
             f"  features: {r.features} per image; extracted in {r.extract_seconds:.1f} s, read back from the "
             f"cache in {r.cached_seconds:.2f} s ({r.extract_seconds / max(r.cached_seconds, 1e-9):.0f}x)",
             f"  test accuracy: dense head {r.dense_accuracy:.2%}, logistic regression on the features "
             f"{r.logistic_accuracy:.2%}, logistic regression on raw pixels {r.pixels_accuracy:.2%}",
             f"  t-SNE of the features: {r.figure}"]
    if r.weights != "ImageNet":
        lines.append("  ImageNet weights are not reachable here, so the backbone is random (its BatchNormalization\n"
                     "  statistics estimated on the images): random features carry little, which is why transfer\n"
                     "  learning starts from pretrained weights. Place them with: cnnzoo weights import FILE")
    return lines


def run(out: str = "out", quick: bool = False, transfer_size: int = 96, log: Optional[Any] = print) -> None:
    """The whole demo: sizes, the LeNet-5 and VGG-16 tables, then (unless ``quick``) LeNet-5
    training, every figure, and transfer learning, told through ``log``. Without Keras
    (the core install) the first part runs, then :class:`~cnnzoo.extras.MissingExtra`
    says what the rest needs."""
    from cnnzoo.summary import summarize

    log("Worked output sizes from the lecture")
    for line in sizes():
        log("  " + line)
    log()
    for name in ("lenet5", "vgg16"):
        log(summarize(name))
        log()
    if quick:
        return
    require(["keras", "matplotlib", "sklearn"], "the rest of cnnzoo demo (training, figures, transfer learning)")
    from cnnzoo.training import train

    log("Training LeNet-5 (lecture) on MNIST (5,000 digits shipped with cnnzoo, padded to 32x32x1)")
    result = train("lenet5", out=out)
    log(f"test accuracy {result.test_accuracy:.2%} on {len(result.data[1][0]):,} held-out digits "
        f"in {result.seconds:.1f} s; curves: {result.figure}\n")
    paths = figures(out, result)
    log(f"{len(paths)} figures written to {os.path.abspath(out)}\n")
    for line in transfer_lines(transfer_learning(out, size=transfer_size), transfer_size):
        log(line)
