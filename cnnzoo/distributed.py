"""Training past one machine on Keras 3's own engine, and what that engine leaves to us.

Keras trains: on JAX, ``keras.distribution`` (``DataParallel``; ``ModelParallel`` to split
large weights) with a plain ``model.fit``, over several devices of one process or over
several processes (``keras.distribution.initialize``); on one TensorFlow machine, a plain
``model.fit`` built inside a ``MirroredStrategy`` scope. This module adds:

- :class:`BackupAndRestore`, Keras' fault-tolerance callback made safe for several
  processes: only worker 0 keeps what it saves (saving is collective on JAX: the others
  save to a scratch folder and discard it), each file atomically (a temporary file, fsync, a
  rename; then a pointer ``latest.json`` names the finished one), at the end of every
  epoch and, with ``save_freq=N``, every N steps; at start-up every worker checks that all
  resumed from the same epoch and weights (:func:`check_same_state`), failing loudly.
- :func:`check_same_state`: the epoch and a checksum of the weights and optimizer state,
  gathered from every process and compared.
- :func:`extract_features` (:mod:`cnnzoo.transfer.sharded`): activations split between
  workers through a shared cache.

cnnzoo's own training loop for ``MultiWorkerMirroredStrategy`` (``distributed.fit``) is
gone: Keras' ``fit`` cannot train under that strategy (keras-team/keras#20585), and Keras'
own JAX engine trains the same models across machines, so TensorFlow users who need more
than one machine switch the backend (``KERAS_BACKEND=jax``); the README shows how.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any, Optional, Union

import keras
import numpy as np

from cnnzoo.files import atomic_path, write_json
from cnnzoo.transfer.devices import REMOVED_FIT, worker_info
from cnnzoo.transfer.sharded import extract_features

__all__ = ["worker_info", "BackupAndRestore", "check_same_state", "state_checksum", "extract_features"]

def __getattr__(name: str) -> Any:
    if name in ("fit", "FitResult"):
        raise AttributeError(REMOVED_FIT.format(name=name))
    raise AttributeError(f"module 'cnnzoo.distributed' has no attribute {name!r}")


def state_checksum(model: Any) -> str:
    """A SHA-256 of the model's variables and its optimizer's (values, shapes and dtypes)."""
    digest = hashlib.sha256()
    optimizer = getattr(model, "optimizer", None)
    variables = list(model.weights) + (list(optimizer.variables) if optimizer is not None else [])
    for v in variables:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(v))
        digest.update(f"{value.shape}{value.dtype.str}".encode())
        digest.update(memoryview(value).cast("B"))
    return digest.hexdigest()


def _gather(row: np.ndarray, count: int) -> np.ndarray:
    """``row`` (int32) from every process, stacked: ``(count, len(row))``."""
    if count == 1:
        return row[None]
    if keras.backend.backend() == "jax":
        import jax

        if jax.distributed.is_initialized():
            from jax.experimental import multihost_utils

            return np.asarray(multihost_utils.process_allgather(row)).reshape(count, -1)
    raise RuntimeError(f"{count} workers are configured (TF_CONFIG) but Keras runs on "
                       f"{keras.backend.backend()!r} without keras.distribution.initialize: Keras' fit "
                       "cannot train under MultiWorkerMirroredStrategy (keras-team/keras#20585); "
                       "run with KERAS_BACKEND=jax and keras.distribution.initialize(...)")


def _compare(row: list[int], where: str) -> None:
    """Raise on every worker unless all gathered the same ``[epoch, checksum words...]``."""
    _, count = worker_info()
    every = _gather(np.asarray(row, np.int64).astype(np.int32), count)
    if (every != every[0]).any():
        states = ", ".join(f"worker {i} at epoch {int(r[0])}"
                           + (f" (weights {int(r[1]) & 0xFFFFFFFF:08x})" if len(r) > 1 else "")
                           for i, r in enumerate(every))
        raise RuntimeError(f"workers did not start from the same state: {states}; every worker must resume "
                           f"from the same checkpoint{f' ({where} must be one shared folder)' if where else ''}")


def check_same_state(model: Any, epoch: int, where: str = "") -> str:
    """Every worker's ``epoch`` and :func:`state_checksum`, gathered and compared; the checksum.

    Raises ``RuntimeError`` on every worker, naming each one's epoch and checksum, when
    they differ: workers that resumed from different checkpoints (a backup folder that
    is not shared, a stale copy) would otherwise train on a wrong trajectory and finish
    without an error. One worker: nothing to compare.
    """
    digest = state_checksum(model)
    _compare([epoch, *np.frombuffer(bytes.fromhex(digest[:32]), ">i4").tolist()], where)
    return digest


class BackupAndRestore(keras.callbacks.Callback):
    """Keras' ``BackupAndRestore`` for one process or several; see the module's docstring.

    ``backup_dir`` must be one folder shared by every worker. ``save_freq``: ``"epoch"``,
    or an integer N (also every N steps: after a restart the interrupted epoch starts
    again from its first step with the weights of step N, as in Keras' own callback).
    A restart resumes from the last save; ``delete_checkpoint`` removes it when training
    ends. ``resumed_from`` is the epoch this run started from (0: a fresh start).
    """

    def __init__(self, backup_dir: Union[str, os.PathLike], save_freq: Union[str, int] = "epoch",
                 delete_checkpoint: bool = True):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)):
            raise TypeError(f"backup_dir must be a folder path; got {backup_dir!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"save_freq must be 'epoch' or a positive number of steps; got {save_freq!r}")
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self.delete_checkpoint = delete_checkpoint
        self.resumed_from, self.checksum = 0, ""
        self._epoch, self._steps = 0, 0

    @property
    def _pointer(self) -> str:
        return os.path.join(self.backup_dir, "latest.json")

    def latest(self) -> Optional[dict[str, Any]]:
        """The last save: ``{"epoch", "step", "weights"}`` or ``None``."""
        if not os.path.exists(self._pointer):
            return None
        with open(self._pointer) as fh:
            return json.load(fh)

    def on_train_begin(self, logs: Any = None) -> None:
        model, latest = self.model, self.latest()
        epoch = int(latest["epoch"]) if latest is not None else 0
        _compare([epoch], self.backup_dir)  # first the epochs: loading weights is collective on JAX
        if latest is not None:
            if not model.built:
                raise ValueError("BackupAndRestore needs a built model to restore into; got an unbuilt "
                                 f"{model.name!r} (call it on a batch first)")
            if model.optimizer is not None and not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
            model.load_weights(os.path.join(self.backup_dir, latest["weights"]))
            model._initial_epoch = epoch  # what Keras' own BackupAndRestore sets: fit starts there
        self.resumed_from = self._epoch = epoch
        self.checksum = check_same_state(model, epoch, self.backup_dir)

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.save_freq != "epoch":
            self._steps += 1
            if self._steps % self.save_freq == 0:
                self._save(self._epoch, batch + 1)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self._save(epoch + 1, 0)

    def on_train_end(self, logs: Any = None) -> None:
        if self.delete_checkpoint and worker_info()[0] == 0 and os.path.isdir(self.backup_dir):
            for name in os.listdir(self.backup_dir):
                if name == "latest.json" or name.startswith("cnnzoo-backup-"):
                    os.unlink(os.path.join(self.backup_dir, name))

    def _save(self, epoch: int, step: int) -> None:
        if worker_info()[0] != 0:  # saving gathers values from every process (JAX): all save, one keeps
            with tempfile.TemporaryDirectory() as scratch:
                self.model.save_weights(os.path.join(scratch, "discarded.weights.h5"))
            return
        name = f"cnnzoo-backup-epoch{epoch}-step{step}.weights.h5"
        with atomic_path(os.path.join(self.backup_dir, name)) as tmp:
            os.unlink(tmp)  # Keras makes the file itself, with the permissions a new file gets
            self.model.save_weights(tmp)
        write_json(self._pointer, {"epoch": epoch, "step": step, "weights": name})  # a restart sees the previous save or this one, whole
        for old in os.listdir(self.backup_dir):
            if old.startswith("cnnzoo-backup-") and old != name:
                os.unlink(os.path.join(self.backup_dir, old))
