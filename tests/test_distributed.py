"""Feature extraction split between two worker processes (a shared cache folder, no collectives):
the features of one worker, one merge by worker 0, the parts removed, differing keys named;
the removed TensorFlow multi-worker loop says what replaced it; worker_info and the checks."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from cnnzoo import distributed

pytestmark = pytest.mark.keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = r'''
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from cnnzoo import distributed, transfer
args = json.loads(sys.argv[1])
model = transfer.backbone("MobileNetV2", args["weights"], (32, 32, 3))
images = np.load(args["data"])["images"]
features = distributed.extract_features(model, images, args["cache"], worker=tuple(args["worker"]),
                                        progress=False, timeout=args.get("timeout", 120))
np.save(args["out"], features)
print(json.dumps({"shape": list(features.shape)}))
'''


def _run(jobs, timeout=300):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(job)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for job in jobs]
    try:
        outs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            p.kill()
    return [(p.returncode, err) for p, (_, err) in zip(procs, outs)]


@pytest.fixture(scope="module")
def backbone_files(tmp_path_factory, keras):
    from cnnzoo import transfer

    folder = tmp_path_factory.mktemp("features")
    images = np.random.default_rng(1).integers(0, 256, (20, 32, 32, 3)).astype("uint8")
    np.savez(folder / "data.npz", images=images)
    files = []
    for seed in (0, 1):  # two sets of random weights: what unseeded workers would have
        keras.utils.set_random_seed(seed)
        model = transfer.backbone("MobileNetV2", None, (32, 32, 3))
        transfer.estimate_batch_norm(model, images)
        model.save_weights(folder / f"w{seed}.weights.h5")
        files.append(str(folder / f"w{seed}.weights.h5"))
    return folder, images, files


@pytest.mark.slow
def test_two_workers_extract_the_features_of_one_and_worker_0_alone_merges(backbone_files):
    from cnnzoo import transfer

    folder, images, (weights, _) = backbone_files
    cache = folder / "cache"
    jobs = [{"weights": weights, "data": str(folder / "data.npz"), "cache": str(cache), "worker": [i, 2],
             "out": str(folder / f"f{i}.npy")} for i in range(2)]
    for code, err in _run(jobs):
        assert code == 0, err[-3000:]
    model = transfer.backbone("MobileNetV2", weights, (32, 32, 3))
    one = transfer.extract_features(model, images, progress=False)
    for i in range(2):  # every worker returns all the features
        np.testing.assert_allclose(np.load(folder / f"f{i}.npy"), one, rtol=1e-4, atol=1e-4)  # other batches: rounding
    assert sorted(os.listdir(cache)) == [os.path.basename(transfer.cache_path(model, images, str(cache)))]

    def no_backbone(*args, **kwargs):
        raise AssertionError("the backbone ran: the cache was not used")

    model.predict_on_batch = no_backbone  # a rerun, on one worker or three, reads the merged cache
    np.testing.assert_array_equal(transfer.extract_features(model, images, str(cache), progress=False),
                                  np.load(folder / "f0.npy"))
    np.testing.assert_array_equal(distributed.extract_features(model, images, str(cache), worker=(2, 3)),
                                  np.load(folder / "f0.npy"))


@pytest.mark.slow
def test_workers_with_different_weights_are_named_at_once(backbone_files):
    folder, _, files = backbone_files
    jobs = [{"weights": files[i], "data": str(folder / "data.npz"), "cache": str(folder / "apart"),
             "worker": [i, 2], "out": str(folder / f"g{i}.npy"), "timeout": 200} for i in range(2)]
    results = _run(jobs, timeout=180)  # far less than the timeout: found, not waited for
    for code, err in results:
        assert code != 0 and "worker 0 and worker 1 have different cache keys: weights" in err.replace(
            "worker 1 and worker 0", "worker 0 and worker 1"), err[-2000:]
        assert "set_random_seed" in err


def test_the_removed_loop_says_what_replaced_it():
    from cnnzoo import transfer

    for module in (distributed, transfer):
        with pytest.raises(AttributeError, match="keras.distribution.initialize"):
            module.fit  # noqa: B018


def test_checks_of_the_arguments(keras, tmp_path):
    with pytest.raises(ValueError, match="worker must be .* got \\(2, 2\\)"):
        distributed.extract_features(None, np.zeros((2, 8, 8, 3)), "c", worker=(2, 2))
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds; got 0"):
        distributed.extract_features(None, np.zeros((2, 8, 8, 3)), "c", worker=(0, 1), timeout=0)
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number of steps; got 0"):
        distributed.BackupAndRestore(tmp_path, save_freq=0)
    with pytest.raises(TypeError, match="backup_dir must be a folder path; got 3"):
        distributed.BackupAndRestore(3)


def test_one_process_backup_resumes_and_writes_atomically(keras, tmp_path):
    x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")

    def model():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
        return m

    whole = model()
    whole.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    first = model()
    backup = distributed.BackupAndRestore(tmp_path / "b", save_freq=3, delete_checkpoint=False)
    first.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[backup])
    assert json.loads((tmp_path / "b" / "latest.json").read_text()) == {
        "epoch": 2, "step": 0, "weights": "cnnzoo-backup-epoch2-step0.weights.h5"}
    assert sorted(os.listdir(tmp_path / "b")) == ["cnnzoo-backup-epoch2-step0.weights.h5", "latest.json"]
    second = model()
    again = distributed.BackupAndRestore(tmp_path / "b")
    history = second.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0, callbacks=[again])
    assert again.resumed_from == 2 and len(history.history["loss"]) == 2
    assert len(again.checksum) == 64  # the start-up checksum, compared across workers when there are several
    for a, b in zip(second.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not os.path.exists(tmp_path / "b" / "latest.json")  # deleted when training ended


def test_worker_info_reads_tf_config(monkeypatch):
    cluster = {"chief": ["a:1"], "worker": ["b:1", "c:1"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert distributed.worker_info() == (2, 3)
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "chief", "index": 0}}))
    assert distributed.worker_info() == (0, 3)


def test_strategy_refuses_several_tensorflow_workers(monkeypatch, keras):
    from cnnzoo import transfer

    cluster = {"worker": ["a:1", "b:1"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    with pytest.raises(RuntimeError, match="lists 2 workers.*keras-team/keras#20585"):
        transfer.strategy()
