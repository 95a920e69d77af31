"""Training and feature extraction on two workers over loopback (subprocesses, bounded in time):
the same weights and features as one worker, a lost worker resumed from its checkpoint."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from cnnzoo import distributed

TOLERANCE = dict(rtol=1e-4, atol=1e-5)  # float32 sums of one 16-example batch vs two 8-example halves
EPOCHS = 4

WORKER = r'''
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from cnnzoo import distributed, transfer
args = json.loads(sys.argv[1])
if args.get("mirrored"):  # two replicas on two logical CPUs of one machine
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = transfer.strategy(["/cpu:0", "/cpu:1"])
else:
    strategy = transfer.strategy()  # MultiWorkerMirroredStrategy from TF_CONFIG, else the default
import keras
data = np.load(args["data"])
if args["job"] == "fit":
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.set_weights([data[f"w{i}"] for i in range(4)])
    result = distributed.fit(model, (data["x"], data["y"]), epochs=args["epochs"], batch_size=16,
                             strategy=strategy, checkpoint_dir=args.get("ckpt"), progress=False, seed=1)
    weights = model.get_weights()
    summary = {"resumed_from": result.resumed_from, "epochs_run": result.epochs_run,
               "loss": result.history["loss"], "replicas": strategy.num_replicas_in_sync}
else:
    model = transfer.backbone("MobileNetV2", args["weights"], (32, 32, 3))
    weights = [distributed.extract_features(model, data["images"], args["cache"], progress=False, timeout=120)]
    summary = {}
if distributed.worker_info()[0] == 0:
    np.savez(args["out"], *weights)
print(json.dumps(summary))
'''


def _ports(n):
    ports = []
    for _ in range(n):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
    return ports


def _start(args, workers):
    """``workers`` processes of WORKER (one without TF_CONFIG when 1); return the Popen objects."""
    cluster = {"worker": [f"127.0.0.1:{p}" for p in _ports(workers)]}
    procs = []
    for i in range(workers):
        env = {**os.environ}
        env.pop("TF_CONFIG", None)
        if workers > 1:
            env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
        procs.append(subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(args)], env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return procs


def _finish(procs, timeout=240):
    try:
        outs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]


def _run(args, workers):
    return _finish(_start(args, workers))


def _weights(path):
    with np.load(path) as data:
        return [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]


@pytest.fixture(scope="module")
def task(tmp_path_factory, keras):
    folder = tmp_path_factory.mktemp("dist")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2048, 16)).astype("float32")
    y = (x[:, :3].argmax(1)).astype("int64")  # a learnable rule
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    np.savez(folder / "data.npz", x=x, y=y, **{f"w{i}": w for i, w in enumerate(model.get_weights())})
    one = folder / "one.npz"
    summary = _run({"job": "fit", "data": str(folder / "data.npz"), "epochs": EPOCHS, "out": str(one)}, 1)[0]
    return folder, _weights(one), summary


@pytest.mark.slow
def test_two_workers_train_to_the_weights_of_one(task):
    folder, reference, one = task
    out = folder / "two.npz"
    two = _run({"job": "fit", "data": str(folder / "data.npz"), "epochs": EPOCHS, "out": str(out)}, 2)
    assert [s["replicas"] for s in two] == [2, 2] and one["replicas"] == 1
    for got, want in zip(_weights(out), reference):
        np.testing.assert_allclose(got, want, **TOLERANCE)
    np.testing.assert_allclose(two[0]["loss"], one["loss"], rtol=1e-4)  # metrics reduced across workers
    assert two[0]["loss"] == two[1]["loss"] and one["loss"][-1] < one["loss"][0]


@pytest.mark.slow
def test_mirrored_replicas_train_to_the_weights_of_one(task):
    folder, reference, one = task
    out = folder / "mirrored.npz"
    two = _run({"job": "fit", "data": str(folder / "data.npz"), "epochs": EPOCHS, "out": str(out),
                "mirrored": True}, 1)
    assert two[0]["replicas"] == 2
    for got, want in zip(_weights(out), reference):
        np.testing.assert_allclose(got, want, **TOLERANCE)


@pytest.mark.slow
def test_killed_worker_resumes_to_the_same_weights(task):
    folder, reference, _ = task
    ckpt, out = folder / "ckpt", folder / "resumed.npz"
    args = {"job": "fit", "data": str(folder / "data.npz"), "epochs": EPOCHS, "out": str(out), "ckpt": str(ckpt)}
    procs = _start(args, 2)
    deadline = time.monotonic() + 180
    try:  # wait for the first epoch's checkpoint, then lose worker 1 mid-run
        while time.monotonic() < deadline:
            path = ckpt / "cnnzoo-fit.npz"
            if path.exists() and int(np.load(path)["epoch"]) >= 1:
                break
            assert all(p.poll() is None for p in procs), "a worker ended before it could be killed"
            time.sleep(0.05)
        procs[1].send_signal(signal.SIGKILL)
        time.sleep(3)  # the survivor is stuck in an all-reduce: the job is restarted, as a cluster manager would
    finally:
        for p in procs:
            p.kill()
            p.communicate()
    assert int(np.load(ckpt / "cnnzoo-fit.npz")["epoch"]) < EPOCHS, "the run ended before the kill"
    again = _run(args, 2)
    assert all(1 <= s["resumed_from"] < EPOCHS and s["epochs_run"] == EPOCHS - s["resumed_from"] for s in again)
    for got, want in zip(_weights(out), reference):
        np.testing.assert_allclose(got, want, **TOLERANCE)


@pytest.mark.slow
def test_two_workers_extract_the_features_of_one_and_a_rerun_hits_the_cache(tmp_path, keras):
    from cnnzoo import transfer

    images = np.random.default_rng(1).integers(0, 256, (20, 32, 32, 3)).astype("uint8")
    model = transfer.backbone("MobileNetV2", None, (32, 32, 3))
    weights = tmp_path / "w.weights.h5"
    model.save_weights(weights)
    model = transfer.backbone("MobileNetV2", str(weights), (32, 32, 3))
    np.savez(tmp_path / "data.npz", images=images)
    cache = tmp_path / "cache"
    _run({"job": "features", "data": str(tmp_path / "data.npz"), "weights": str(weights), "cache": str(cache),
          "out": str(tmp_path / "f.npz")}, 2)
    np.testing.assert_allclose(_weights(tmp_path / "f.npz")[0], transfer.extract_features(model, images, progress=False),
                               rtol=1e-4, atol=1e-5)
    parts = sorted(p.name for p in cache.iterdir())
    assert len(parts) == 3 and sum(".part" in p for p in parts) == 2  # two parts and the merged file

    def no_backbone(*args, **kwargs):
        raise AssertionError("the backbone ran: the cache was not used")

    model.predict_on_batch = no_backbone  # a rerun, on one worker or three, reads the merged cache
    np.testing.assert_array_equal(transfer.extract_features(model, images, str(cache), progress=False),
                                  _weights(tmp_path / "f.npz")[0])
    np.testing.assert_array_equal(distributed.extract_features(model, images, str(cache), worker=(2, 3)),
                                  _weights(tmp_path / "f.npz")[0])


def test_fit_checks_its_arguments(keras):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    x, y = np.zeros((8, 4), "float32"), np.zeros(8, "int64")
    with pytest.raises(ValueError, match="epochs must be a positive integer; got 0"):
        distributed.fit(model, (x, y), epochs=0)
    with pytest.raises(ValueError, match="larger than the 8 examples"):
        distributed.fit(model, (x, y), epochs=1, batch_size=16)
    with pytest.raises(ValueError, match="differ in length"):
        distributed.fit(model, (x, y[:4]), epochs=1)
    with pytest.raises(ValueError, match="worker must be"):
        distributed.extract_features(model, np.zeros((2, 8, 8, 3)), "c", worker=(2, 2))


def test_worker_info_reads_tf_config(monkeypatch):
    cluster = {"chief": ["a:1"], "worker": ["b:1", "c:1"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert distributed.worker_info() == (2, 3)
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "chief", "index": 0}}))
    assert distributed.worker_info() == (0, 3)
