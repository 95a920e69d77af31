"""Transfer learning on ``keras.applications``: backbones, stored activations, heads,
fine-tuning, devices and strategies, done the right way by default.

- :mod:`~cnnzoo.transfer.backbones`: :func:`backbone` builds any application (one registry,
  :data:`BACKBONES`, holds its ``preprocess_input`` and default size), frozen, with
  ImageNet weights, none, or a local file (:mod:`cnnzoo.weights`: offline, a missing
  ImageNet file fails within seconds, saying which file and where it was looked for).
- :mod:`~cnnzoo.transfer.features`: :func:`extract_features` applies ``preprocess_input``
  exactly once (on a copy) and caches features on disk, keyed by everything that changes
  them; writes are atomic.
- :mod:`~cnnzoo.transfer.heads`: :func:`train_head`, :func:`logistic_baseline`,
  :func:`attach_head`, :func:`fine_tune` (BatchNormalization stays in inference mode).
- :mod:`~cnnzoo.transfer.devices`: :func:`device`, :func:`use_mixed_precision`,
  :func:`strategy` (``MirroredStrategy`` over the GPUs), :func:`worker_info`.
- :mod:`~cnnzoo.transfer.sharded`: feature extraction split between workers
  (``cnnzoo.distributed.extract_features``).

Everything here trains with Keras' own ``fit``, so it runs under ``keras.distribution``
(JAX: ``DataParallel`` on several devices or processes) and ``MirroredStrategy`` alike.
"""

from cnnzoo.transfer.backbones import (
           BACKBONES,
           BackboneInfo,
           Preprocess,
           backbone,
           backbone_info,
           estimate_batch_norm,
)
from cnnzoo.transfer.devices import REMOVED_FIT, device, strategy, use_mixed_precision, worker_info
from cnnzoo.transfer.features import cache_path, extract_features, key_parts, load_cache, save_cache
from cnnzoo.transfer.heads import attach_head, fine_tune, logistic_baseline, train_head
from cnnzoo.weights import WeightsUnavailable, import_weights, list_weights, weights_dir

__all__ = ["BACKBONES", "BackboneInfo", "Preprocess", "backbone", "backbone_info", "estimate_batch_norm",
           "device", "strategy", "use_mixed_precision", "worker_info", "cache_path", "extract_features", "load_cache",
           "save_cache", "key_parts", "attach_head", "fine_tune", "logistic_baseline", "train_head",
           "WeightsUnavailable", "import_weights", "list_weights", "weights_dir"]


def __getattr__(name: str) -> object:
    if name == "fit":
        raise AttributeError(REMOVED_FIT.format(name="fit"))
    raise AttributeError(f"module 'cnnzoo.transfer' has no attribute {name!r}")
