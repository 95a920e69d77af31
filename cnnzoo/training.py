"""Train a zoo model on MNIST (5,000 digits shipped with cnnzoo), with a progress bar.

``cnnzoo train lenet5`` on the command line; :func:`train` from Python. ``data="digits"``
trains on scikit-learn's small 8x8 digits instead.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from cnnzoo.checks import positive_int

__all__ = ["TrainResult", "train", "progress_bar", "load", "DATASETS"]

#: What :func:`train` can train on, with the words that describe it.
DATASETS = {"mnist": "MNIST (5,000 digits shipped with cnnzoo), 32x32x1",
            "digits": "scikit-learn's digits (8x8 resized), 32x32x1"}


@dataclass
class TrainResult:
    """The trained model, its per-epoch history, test accuracy, time, and figure path."""

    model: Any
    history: dict[str, list[float]]
    test_accuracy: float
    seconds: float
    figure: Optional[str] = None
    data: Any = field(default=None, repr=False)


def progress_bar(epochs: int, enabled: bool = True) -> Any:
    """A Keras callback showing one tqdm bar over epochs with loss and accuracy."""
    import keras
    from tqdm.auto import tqdm

    class _Bar(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            self.bar = tqdm(total=epochs, desc="training", unit="epoch", disable=not enabled,
                            leave=True)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            logs = logs or {}
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in logs.items()
                                  if k in ("loss", "accuracy", "val_accuracy")})
            self.bar.update(1)

        def on_train_end(self, logs: Any = None) -> None:
            self.bar.close()

    return _Bar()


def load(data: str = "mnist", seed: int = 0) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)`` of ``data`` (see :data:`DATASETS`) as a model
    takes them: float32 images (N, 32, 32, 1) in [0, 1] and int64 labels."""
    import numpy as np

    from cnnzoo.data import digits, mnist

    if data == "digits":
        return digits(seed=seed)
    if data != "mnist":
        raise ValueError(f"data must be one of {', '.join(DATASETS)}; got {data!r}")
    (x, y), (xt, yt) = mnist(pad=True, seed=seed)
    scale = lambda images: (images[..., None] / np.float32(255.0)).astype(np.float32)  # noqa: E731
    return (scale(x), y.astype(np.int64)), (scale(xt), yt.astype(np.int64))


def train(model: Any = "lenet5", *, epochs: int = 20, batch_size: int = 32,
          learning_rate: float = 2e-3, seed: int = 0, out: Optional[str] = None,
          progress: bool = True, data: str = "mnist", **model_options: Any) -> TrainResult:
    """Train ``model`` (a registered name or a ``keras.Model`` taking 32x32x1) on ``data``
    (MNIST by default, padded to 32x32 as in LeCun et al. 1998; ``"digits"`` for scikit-learn's).

    Adam with a cosine decay of the learning rate to 0 over the run, sparse categorical
    cross-entropy, the test split as validation (reported, never used to pick weights). With ``out``,
    the learning curves are written to ``out/<name>_training.png``. The paper LeNet-5's
    RBF layer outputs distances; it trains on their negatives as logits.
    """
    import keras

    from cnnzoo.models import get_model
    from cnnzoo.transfer.devices import even_batches  # under a keras.distribution: batches that split

    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load(data, seed)
    if isinstance(model, str):
        model = get_model(model, input_shape=x_train.shape[1:], num_classes=10, **model_options)
    _compile(model, learning_rate, epochs * -(-len(x_train) // batch_size))
    (x_train, y_train), (x_test, y_test) = even_batches(x_train, y_train, batch_size), even_batches(x_test, y_test, batch_size)
    start = time.perf_counter()
    fit = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                    validation_data=(x_test, y_test), verbose=0,
                    callbacks=[progress_bar(epochs, progress)])
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vs] for k, vs in fit.history.items()}
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    figure = None if out is None else _plot_curves(history, out, model.name, data)
    return TrainResult(model, history, float(test_accuracy), seconds, figure,
                       ((x_train, y_train), (x_test, y_test)))


def _compile(model: Any, learning_rate: float, steps: int) -> None:
    """Adam with a cosine decay over ``steps``; a distance output (the paper LeNet-5's RBF)
    trains on the negated distances as logits."""
    import keras

    distances = getattr(model.layers[-1], "outputs_distances", False)

    def loss(y: Any, out: Any) -> Any:
        return keras.losses.sparse_categorical_crossentropy(y, -out, from_logits=True)

    def accuracy(y: Any, out: Any) -> Any:
        return keras.metrics.sparse_categorical_accuracy(y, -out)

    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=loss if distances else "sparse_categorical_crossentropy",
                  metrics=[accuracy if distances else "accuracy"])


def _plot_curves(history: dict[str, list[float]], out: str, name: str, data: str) -> str:
    """The learning curves, written to ``out/<name>_training.png``; the path."""
    from cnnzoo.viz import plot_history

    os.makedirs(out, exist_ok=True)
    figure = os.path.join(out, f"{name}_training.png")
    plot_history(history, title=f"{name} on {data}", path=figure)
    return figure
