"""The zoo, the historic layers, `summarize` of live and subclassed models, and the checker
under every Keras backend: one child interpreter per backend (Keras picks its backend once,
at import), each comparing cnnzoo's counts with that backend's Keras."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, numpy as np, keras, cnnzoo
out = {"backend": keras.backend.backend(), "models": []}
for name, options in [("lenet5", {}), ("lenet5", {"variant": "paper"}), ("alexnet", {"variant": "paper"}),
                      ("alexnet", {}), ("vgg11", {"input_shape": (32, 32, 3), "num_classes": 10})]:
    model = cnnzoo.get_model(name, **options)
    s = cnnzoo.summarize(model)
    y = model(np.zeros((2, *model.input_shape[1:]), "float32"))
    out["models"].append([name, s.total, model.count_params(), len(s.mismatches), len(s.uncounted),
                          list(y.shape), bool(np.all(np.isfinite(keras.ops.convert_to_numpy(y))))])
L = keras.layers
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.c, self.bn, self.p = L.Conv2D(4, 3), L.BatchNormalization(), L.MaxPooling2D()
        self.f, self.d = L.Flatten(), L.Dense(3)
    def call(self, x):
        return self.d(self.f(self.p(self.bn(self.c(self.p(x))))))
net = Net()
s = cnnzoo.summarize(net, input_shape=(16, 16, 1))
out["traced"] = [s.total, net.count_params(), [r.name for r in s.rows], len(s.mismatches)]
try:
    cnnzoo.transfer.strategy()
    out["strategy"] = "no error"
except RuntimeError as err:
    out["strategy"] = str(err)
print("RESULT " + json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_zoo_and_checker_run_on_every_backend(backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, run.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT "):])
    assert out["backend"] == backend
    for name, ours, keras_total, mismatches, uncounted, shape, finite in out["models"]:
        assert (ours, mismatches, uncounted) == (keras_total, 0, 0), name
        assert shape[0] == 2 and finite, name
    total, keras_total, rows, mismatches = out["traced"]
    assert total == keras_total == (3 * 3 * 1 + 1) * 4 + 4 * 4 + (3 * 3 * 4) * 3 + 3 and mismatches == 0
    assert rows == ["max_pooling2d", "conv2d", "batch_normalization", "max_pooling2d", "flatten", "dense"]
    assert "TensorFlow-only" in out["strategy"] and backend in out["strategy"]
