"""What runs the work: the GPUs (memory growth on), mixed precision where it gains, the
``tf.distribute`` strategy for this machine, and this worker's place among the workers."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional

__all__ = ["device", "use_mixed_precision", "strategy", "worker_info", "require_tensorflow", "even_batches",
           "REMOVED_FIT"]

#: What ``cnnzoo.distributed.fit`` (and ``FitResult``, ``cnnzoo.transfer.fit``) say when accessed:
#: Keras' own engine replaced cnnzoo's training loop for several workers.
REMOVED_FIT = ("cnnzoo.distributed.{name} was removed: Keras' own engine trains across machines "
               "(KERAS_BACKEND=jax, keras.distribution.initialize + DataParallel, plain model.fit, "
               "cnnzoo.distributed.BackupAndRestore); on one TensorFlow machine use model.fit under "
               "MirroredStrategy. See the README, 'More than one machine'.")


def require_tensorflow(what: str) -> None:
    """Raise ``RuntimeError`` unless Keras runs on TensorFlow (``KERAS_BACKEND``): ``what`` needs it.

    The zoo, the checker and training with Keras' ``fit`` run on any Keras backend;
    ``tf.distribute`` strategies and ``tf.data`` inputs are TensorFlow's own.
    """
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(f"{what} is TensorFlow-only: run with KERAS_BACKEND=tensorflow "
                           f"(Keras runs on {backend!r} here)")


_GPU_SETUP: dict[str, Any] = {"done": False}


def _gpus() -> list[Any]:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not _GPU_SETUP["done"]:
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except (RuntimeError, ValueError):
                pass  # TensorFlow already initialised the device: keep its setting
        _GPU_SETUP["done"] = True
    return gpus


def device() -> str:
    """What the work runs on: ``"GPU: <name>, ..."`` or ``"CPU"`` (memory growth enabled once)."""
    import tensorflow as tf

    gpus = _gpus()
    if not gpus:
        return "CPU"
    names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    return "GPU: " + ", ".join(names)


def use_mixed_precision(enable: Optional[bool] = None) -> bool:
    """Set Keras' ``mixed_float16`` policy on GPUs that gain from it (compute capability
    7.0 or newer: tensor cores), ``float32`` otherwise; return whether it is on.
    ``enable=False`` forces float32; ``True`` asks for it (still refused on the CPU)."""
    import keras
    import tensorflow as tf

    gain = any(tf.config.experimental.get_device_details(g).get("compute_capability", (0, 0)) >= (7, 0)
               for g in _gpus())
    on = gain if enable is None else (bool(enable) and gain)
    keras.mixed_precision.set_global_policy("mixed_float16" if on else "float32")
    return on


def strategy(devices: Optional[list[str]] = None) -> Any:
    """The ``tf.distribute`` strategy for Keras' ``fit`` on this machine: ``MirroredStrategy``
    over the visible GPUs (or ``devices``), else the default strategy. Call it first, before
    other TensorFlow work; build and compile the model in its ``scope()``, then call ``fit``
    with the global batch. When ``TF_CONFIG`` lists more than one worker it raises
    ``RuntimeError``: Keras' ``fit`` cannot train under ``MultiWorkerMirroredStrategy``
    (keras-team/keras#20585); Keras' JAX engine trains across machines (see the README)."""
    require_tensorflow("a tf.distribute strategy")
    import tensorflow as tf

    if devices is None and worker_info()[1] > 1:
        raise RuntimeError(f"TF_CONFIG lists {worker_info()[1]} workers, but Keras' fit cannot train under "
                           "MultiWorkerMirroredStrategy (keras-team/keras#20585): across machines, run "
                           "with KERAS_BACKEND=jax, keras.distribution.initialize(...) and DataParallel")
    if devices is not None:
        return tf.distribute.MirroredStrategy(devices)
    gpus = _gpus()
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def worker_info() -> tuple[int, int]:
    """``(index, count)`` of this worker: JAX's process index and count once
    ``keras.distribution.initialize`` (``jax.distributed``) has run, else from ``TF_CONFIG``
    (a chief counts as worker 0); ``(0, 1)`` without either.

    >>> import os; os.environ.pop("TF_CONFIG", None) and None
    >>> worker_info()
    (0, 1)
    """
    jax = sys.modules.get("jax")  # never imported here: only a process that runs JAX has processes
    if jax is not None and jax.distributed.is_initialized():
        return jax.process_index(), jax.process_count()
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    cluster, task = config.get("cluster", {}), config.get("task", {})
    chiefs, workers = len(cluster.get("chief", [])), len(cluster.get("worker", []))
    if chiefs + workers == 0:
        return 0, 1
    index = int(task.get("index", 0))
    return (index + chiefs if task.get("type", "worker") == "worker" else index), chiefs + workers


def even_batches(x: Any, y: Any, batch_size: int) -> tuple[Any, Any]:
    """``(x, y)`` as Keras' ``fit``/``evaluate`` can split them under the ``keras.distribution``
    in force: every batch, the last one too, must divide by its data-parallel replicas, so up to
    ``replicas - 1`` examples at the end are left out (a warning says how many). Unchanged
    without a distribution."""
    import warnings

    import keras

    dist = keras.distribution.distribution()
    try:
        replicas = int(dist.num_model_replicas) if dist is not None else 1
    except NotImplementedError:
        replicas = 1
    if batch_size % replicas:
        raise ValueError(f"batch_size must divide by the {replicas} replicas of the keras.distribution; "
                         f"got {batch_size}")
    drop = (len(x) % batch_size) % replicas
    if drop:
        warnings.warn(f"{drop} of {len(x)} examples left out: under the keras.distribution every batch must "
                      f"divide by its {replicas} replicas", stacklevel=3)
        return x[:len(x) - drop], y[:len(y) - drop]
    return x, y
