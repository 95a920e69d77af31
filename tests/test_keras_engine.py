"""cnnzoo under Keras 3's own engine: JAX's keras.distribution on two forced host devices and
across two processes on loopback (a coordinator on localhost), checked against one device;
cnnzoo.distributed.BackupAndRestore resumes a killed run and refuses workers that resumed apart."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("jax")
WORKER = str(Path(__file__).with_name("keras_engine_worker.py"))
ROOT = str(Path(__file__).resolve().parents[1])


def _port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(devices=1):
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    return env


def _start(args, processes=1, devices=1, overrides=None):
    port, procs = _port(), []
    for i in range(processes):
        job = {**args, **(overrides or {}).get(i, {}), "processes": processes, "process": i, "port": port}
        procs.append(subprocess.Popen([sys.executable, WORKER, json.dumps(job)], env=_env(devices), text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return procs


def _finish(procs, timeout=400, ok=True):
    try:
        outs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            p.kill()
    if ok:
        for p, (_, err) in zip(procs, outs):
            assert p.returncode == 0, err[-3000:]
        return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    return [(p.returncode, err) for p, (_, err) in zip(procs, outs)]


def _weights(path):
    with np.load(path) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """LeNet-5 for 3 epochs on one device, then under DataParallel on two, in one process."""
    folder = tmp_path_factory.mktemp("engine")
    out = str(folder / "two-devices.npz")
    summary = _finish(_start({"job": "fit", "epochs": 3, "out": out, "one_device_first": True}, devices=2))[0]
    return folder, summary, _weights(out), _weights(out + ".one.npz")


@pytest.mark.slow
def test_data_parallel_on_two_devices_trains_as_one_device(reference):
    _, summary, two, one = reference
    assert summary["devices"] == 2 and summary["worker"] == [0, 1]
    for a, b in zip(two, one):  # float32: the same sums, split in two and added (measured: < 1e-7)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert summary["loss"][-1] < summary["loss"][0]


@pytest.mark.slow
def test_two_processes_train_bitwise_as_two_devices_and_resume_after_a_kill(reference):
    folder, summary, two_devices, _ = reference
    backup, out = folder / "backup", str(folder / "two-processes.npz")
    args = {"job": "fit", "epochs": 3, "out": out, "backup": str(backup), "pause": 2}
    procs = _start(args, processes=2)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # the first epoch's save, then lose process 1
        latest = backup / "latest.json"
        if latest.exists() and json.loads(latest.read_text())["epoch"] >= 1:
            break
        assert all(p.poll() is None for p in procs), "a process ended before it could be killed"
        time.sleep(0.1)
    procs[1].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    (code, err), _ = _finish(procs, timeout=120, ok=False)
    survivor_seconds = time.monotonic() - killed
    assert code != 0, "the survivor finished as if nothing happened"
    print(f"survivor exit {code} after {survivor_seconds:.1f} s: {err.strip().splitlines()[-1][:200]}")
    resumed_from = json.loads((backup / "latest.json").read_text())["epoch"]
    assert 1 <= resumed_from < 3, "the run ended before the kill"
    again = _finish(_start({**args, "pause": 0}, processes=2))
    assert [s["resumed_from"] for s in again] == [resumed_from] * 2 and again[0]["worker"] == [0, 2]
    assert again[0]["checksum"] == again[1]["checksum"]
    for a, b in zip(_weights(out), two_devices):  # resumed across processes: the uninterrupted weights
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_workers_that_resumed_from_different_epochs_fail_loudly(tmp_path):
    shared = tmp_path / "shared"
    _finish(_start({"job": "fit", "epochs": 1, "out": str(tmp_path / "w.npz"), "backup": str(shared)}, devices=1))
    args = {"job": "fit", "epochs": 2, "out": str(tmp_path / "x.npz"), "backup": str(shared)}
    # process 1 is given its own, empty folder: it would start again from epoch 0
    procs = _start(args, processes=2, overrides={1: {"backup": str(tmp_path / "own")}})
    results = _finish(procs, timeout=300, ok=False)
    for code, err in results:
        assert code != 0 and "did not start from the same state" in err, err[-2000:]
    assert "worker 0 at epoch 1" in results[0][1] and "worker 1 at epoch 0" in results[0][1]


@pytest.mark.slow
def test_transfer_helpers_under_data_parallel_match_one_device(tmp_path):
    summary = _finish(_start({"job": "transfer", "weights": str(tmp_path / "b.weights.h5")}, devices=2))[0]
    features, attached, head, fine_tuned = summary["differences"]
    assert summary["feature_spread"] > 1e-3  # informative features, not constants
    assert features < 1e-4 and attached < 1e-4 and head < 1e-4 and fine_tuned < 1e-4, summary
