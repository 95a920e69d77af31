"""Training and feature extraction on several replicas or machines, under any ``tf.distribute`` strategy.

Keras 3's ``Model.fit`` fails under ``MultiWorkerMirroredStrategy`` ("PerReplica ... to a
Tensor", keras-team/keras#20585). :func:`fit` is the loop written for it: every replica
takes its slice of each global batch, losses are averaged over the global batch, the
optimizer all-reduces the gradients, metrics are summed across workers, and only worker
0 shows a progress bar and writes checkpoints. The same call runs with no strategy, a
``MirroredStrategy`` and a ``MultiWorkerMirroredStrategy`` from ``TF_CONFIG``, and gives
the same weights on one worker or two at the same global batch (to float rounding).

With ``checkpoint_dir``, the model, the optimizer and the history are saved after every
epoch (atomically: a temporary file, then a rename); a run restarted after a worker was
lost resumes from the last epoch and ends with the weights of an uninterrupted run. On
more than one machine ``checkpoint_dir`` (and ``cache_dir``) must be shared storage.

:func:`extract_features` splits the images between the workers: each writes its part of
the activation cache, the parts are merged by key, and any later run, on any number of
workers, reads the merged cache.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from cnnzoo.transfer.devices import require_tensorflow, worker_info

__all__ = ["worker_info", "fit", "FitResult", "extract_features"]


@dataclass
class FitResult:
    """Per-epoch ``history`` (``loss``, ``accuracy``, over the whole global batch), the epochs run
    by this call, and the epoch its checkpoint resumed from (0 for a fresh start)."""

    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "accuracy": []})
    epochs_run: int = 0
    resumed_from: int = 0


def _check_positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _checkpoint_path(folder: str) -> str:
    return os.path.join(folder, "cnnzoo-fit.npz")


def _save_checkpoint(folder: str, epoch: int, net: Any, optimizer: Any, history: dict[str, list[float]]) -> None:
    import io
    import tempfile

    os.makedirs(folder, exist_ok=True)
    arrays = {"epoch": np.array(epoch), "loss": np.array(history["loss"]), "accuracy": np.array(history["accuracy"])}
    arrays.update({f"w{i}": w for i, w in enumerate(net.get_weights())})
    arrays.update({f"o{i}": np.asarray(v.numpy()) for i, v in enumerate(optimizer.variables)})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".cnnzoo-fit-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, _checkpoint_path(folder))  # a restart sees the previous epoch or this one, whole
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _restore_checkpoint(folder: str, net: Any, optimizer: Any, history: dict[str, list[float]]) -> int:
    path = _checkpoint_path(folder)
    if not os.path.exists(path):
        return 0
    with np.load(path, allow_pickle=False) as data:
        weights = [data[f"w{i}"] for i in range(len(net.get_weights()))]
        optimizer_values = [data[f"o{i}"] for i in range(len(optimizer.variables))]
        epoch = int(data["epoch"])
        history["loss"][:] = data["loss"].tolist()
        history["accuracy"][:] = data["accuracy"].tolist()
    net.set_weights(weights)
    for variable, value in zip(optimizer.variables, optimizer_values):
        variable.assign(value)
    return epoch


def _sparse_crossentropy(labels: Any, probabilities: Any) -> Any:
    import keras

    return keras.losses.sparse_categorical_crossentropy(labels, probabilities)


def fit(model: Any, data: tuple[Any, Any], *, epochs: int, batch_size: int = 32, strategy: Any = None,
        checkpoint_dir: Optional[str] = None, learning_rate: float = 1e-3, seed: int = 0, shuffle: bool = True,
        loss: Callable[[Any, Any], Any] = _sparse_crossentropy, progress: bool = True) -> FitResult:
    """Train ``model`` on ``data = (x, y)`` (arrays) with Adam, under ``strategy`` (default: none).

    ``batch_size`` is the global batch, split evenly across all replicas of all workers
    (it must divide by ``num_replicas_in_sync``); each epoch's order comes from ``seed``
    and the epoch, the same on every worker, and the last incomplete batch is left out.
    ``loss(labels, outputs)`` gives one value per example (default: sparse cross-entropy
    on probabilities). ``model`` is a Keras model, copied into the strategy's scope and
    written back when training ends, or a function that builds one (called in the scope).
    """
    import keras

    require_tensorflow("cnnzoo.distributed.fit (tf.distribute)")
    import tensorflow as tf
    from tqdm.auto import tqdm

    epochs, batch_size = _check_positive("epochs", epochs), _check_positive("batch_size", batch_size)
    x, y = (np.asarray(a) for a in data)
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} and {len(y)}")
    strategy = strategy or tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ValueError(f"batch_size must divide by the {replicas} replicas in sync; got {batch_size}")
    steps = len(x) // batch_size
    if steps == 0:
        raise ValueError(f"batch_size {batch_size} is larger than the {len(x)} examples")
    index, _ = worker_info()
    with strategy.scope():
        if isinstance(model, keras.Model):
            net = keras.models.clone_model(model)
            net.set_weights(model.get_weights())
        else:
            net = model()
        optimizer = keras.optimizers.Adam(learning_rate)
        optimizer.build(net.trainable_variables)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    start = _restore_checkpoint(checkpoint_dir, net, optimizer, history) if checkpoint_dir else 0

    def replica_step(xb: Any, yb: Any) -> tuple[Any, Any]:
        with tf.GradientTape() as tape:
            out = net(xb, training=True)
            per_example = loss(yb, out)  # (per-replica batch,)
            value = tf.nn.compute_average_loss(per_example, global_batch_size=batch_size)
            if net.losses:
                value += tf.nn.scale_regularization_loss(tf.add_n(net.losses))
        grads = tape.gradient(value, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))  # all-reduced across replicas
        hits = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(out, -1), tf.cast(yb, tf.int64)), tf.float32))
        return value, hits

    @tf.function
    def step(xb: Any, yb: Any) -> tuple[Any, Any]:
        value, hits = strategy.run(replica_step, args=(xb, yb))
        reduce = tf.distribute.ReduceOp.SUM
        return strategy.reduce(reduce, value, axis=None), strategy.reduce(reduce, hits, axis=None)

    for epoch in range(start, epochs):
        rng = np.random.default_rng([seed, epoch])
        order = (rng.permutation(len(x)) if shuffle else np.arange(len(x)))[:steps * batch_size]
        batches = order.reshape(steps, batch_size)  # (steps, global batch): the same on every worker

        def dataset_fn(context: Any, batches: np.ndarray = batches) -> Any:
            pipes, pipe = context.num_input_pipelines, context.input_pipeline_id
            share = batch_size // pipes  # this worker's slice of every global batch
            rows = batches[:, pipe * share:(pipe + 1) * share].reshape(-1)
            per_replica = context.get_per_replica_batch_size(batch_size)
            return tf.data.Dataset.from_tensor_slices((x[rows], y[rows])).batch(per_replica)

        dist = strategy.distribute_datasets_from_function(dataset_fn)
        total_loss, total_hits = 0.0, 0.0
        with tqdm(total=steps, desc=f"epoch {epoch + 1}/{epochs}", unit="step",
                  disable=not progress or index != 0) as bar:
            for xb, yb in dist:
                value, hits = step(xb, yb)
                total_loss += float(value)
                total_hits += float(hits)
                bar.update(1)
        history["loss"].append(total_loss / steps)
        history["accuracy"].append(total_hits / (steps * batch_size))
        if checkpoint_dir and index == 0:
            _save_checkpoint(checkpoint_dir, epoch + 1, net, optimizer, history)
    if isinstance(model, keras.Model):
        model.set_weights(net.get_weights())
    return FitResult(history, epochs - start, start)


def extract_features(model: Any, images: Any, cache_dir: str, *, worker: Optional[tuple[int, int]] = None,
                     batch_size: int = 32, progress: bool = True, timeout: float = 3600.0) -> Any:
    """:func:`cnnzoo.transfer.extract_features` split between workers through a shared cache.

    Worker ``i`` of ``n`` (default: :func:`worker_info`) extracts the ``i``-th contiguous
    slice of ``images`` (an array), writes it as a part of the cache, waits up to
    ``timeout`` seconds for the other parts, and merges them under the same key as a
    one-worker run, so later runs (on any number of workers) read the merged file.
    """
    from cnnzoo import transfer

    index, count = worker if worker is not None else worker_info()
    if not (isinstance(index, int) and isinstance(count, int) and 0 <= index < count):
        raise ValueError(f"worker must be (index, count) with 0 <= index < count; got {(index, count)!r}")
    source = np.asarray(images)
    if source.ndim != 4:
        raise ValueError(f"distributed extraction takes an (N, H, W, 3) array; got shape {source.shape}")
    path = transfer.cache_path(model, source, cache_dir)
    merged = transfer.load_cache(path)
    if merged is not None:
        return merged["features"]
    bounds = np.linspace(0, len(source), count + 1).astype(int)
    part = f"{path}.part{index}of{count}"
    if transfer.load_cache(part) is None:
        own = transfer.extract_features(model, source[bounds[index]:bounds[index + 1]], batch_size=batch_size,
                                        progress=progress and index == 0)
        transfer.save_cache(part, {"features": own})
    parts, deadline = [], time.monotonic() + timeout
    for i in range(count):
        while (content := transfer.load_cache(f"{path}.part{i}of{count}")) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"worker {index}: part {i} of {count} did not appear in {cache_dir} "
                                   f"within {timeout:g} s (is cache_dir shared by every worker?)")
            time.sleep(0.2)
        parts.append(content["features"])
    features = np.concatenate(parts)
    transfer.save_cache(path, {"features": features})  # every worker writes the same bytes, atomically
    return features
