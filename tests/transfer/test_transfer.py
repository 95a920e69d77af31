"""Transfer learning: weights files, the offline error, the feature cache, heads,
fine-tuning with frozen BatchNormalization, and MirroredStrategy on two logical CPUs."""

import inspect
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SIZE = (32, 32, 3)
MARGIN = 0.1  # what a baseline must add over chance or the majority class


@pytest.fixture(scope="module")
def T(keras):
    from cnnzoo import transfer

    return transfer


@pytest.fixture(scope="module")
def base(T, keras):
    keras.utils.set_random_seed(0)
    model = T.backbone("MobileNetV2", weights=None, input_shape=SIZE)
    T.estimate_batch_norm(model, _images(64, seed=9))
    return model


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, *SIZE)).astype(np.uint8)


def test_registry_covers_every_application(T, keras):
    apps = {n for n, f in inspect.getmembers(keras.applications) if callable(f) and n[:1].isupper()}
    assert set(T.BACKBONES) == apps
    for info in T.BACKBONES.values():
        assert callable(getattr(keras.applications, info.module).preprocess_input)
    assert T.BACKBONES["InceptionV3"].size == 299 and T.BACKBONES["EfficientNetB7"].size == 600


def test_backbone_is_frozen_and_pooled(base):
    assert base.trainable is False and base.trainable_weights == []
    assert base.output_shape == (None, 1280)


def test_weights_file_loads_exactly(T, base, tmp_path):
    path = tmp_path / "mnv2.weights.h5"
    base.save_weights(path)
    again = T.backbone("MobileNetV2", weights=str(path), input_shape=SIZE)
    for a, b in zip(again.get_weights(), base.get_weights()):
        np.testing.assert_array_equal(a, b)
    full = tmp_path / "mnv2.keras"
    base.save(full)
    from_model = T.backbone("mobilenet_v2", weights=str(full), input_shape=SIZE)
    x = _images(4).astype(np.float32)
    np.testing.assert_allclose(from_model.predict(x, verbose=0), base.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_offline_imagenet_fails_fast_and_says_where(T, keras, tmp_path, monkeypatch):
    from keras.src.backend import config

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    with pytest.raises(T.WeightsUnavailable) as info:  # how fast: benchmarks, not here
        T.backbone("MobileNetV2", input_shape=(96, 96, 3))
    message = str(info.value)
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    assert name in message and str(tmp_path / "models" / name) in message
    assert "weights='path/to/file.weights.h5'" in message and "cnnzoo weights import" in message


def test_cached_imagenet_file_is_used(T, keras, tmp_path, monkeypatch):
    # a file placed in the cache (as `cnnzoo weights import` does) loads with no network
    import h5py
    from keras.src.backend import config
    from keras.src.legacy.saving import legacy_h5_format

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    ref = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    staged = tmp_path / name
    with h5py.File(staged, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, ref)
    placed = T.import_weights(str(staged))
    assert placed == str(tmp_path / "models" / name) and (name, os.path.getsize(placed)) in T.list_weights()
    model = T.backbone("MobileNetV2", input_shape=(96, 96, 3), pooling=None)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_backbone_errors(T):
    with pytest.raises(ValueError, match="unknown backbone 'ResNet9'"):
        T.backbone("ResNet9")
    with pytest.raises(ValueError, match="existing file"):
        T.backbone("MobileNetV2", weights="/no/file.h5")
    with pytest.raises(ValueError, match="pooling must be"):
        T.backbone("MobileNetV2", weights=None, input_shape=SIZE, pooling="sum")


def test_preprocessing_once_on_a_copy(T, keras, base):
    x = _images(10, seed=1)
    kept = x.copy()
    floats = x.astype(np.float32)
    kept_floats = floats.copy()
    features = T.extract_features(base, x, progress=False)
    T.extract_features(base, floats, progress=False)
    np.testing.assert_array_equal(x, kept)
    np.testing.assert_array_equal(floats, kept_floats)
    expected = base.predict(keras.applications.mobilenet_v2.preprocess_input(kept.astype(np.float32)), verbose=0)
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5)


def test_cache_is_reused_and_never_stale(T, base, tmp_path, monkeypatch):
    x = _images(96, seed=2)
    first = T.extract_features(base, x, cache_dir=tmp_path, progress=False)
    with monkeypatch.context() as patch:  # a cache hit never runs the backbone
        patch.setattr(base, "predict_on_batch", lambda *a, **k: pytest.fail("the backbone ran on a cache hit"))
        second = T.extract_features(base, x, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(first, second)
    changed = x.copy()
    changed[5, 0, 0, 0] ^= 1  # one pixel of one image
    other = T.extract_features(base, changed, cache_dir=tmp_path, progress=False)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    np.testing.assert_allclose(other[:5], first[:5], rtol=1e-6)
    fresh = T.extract_features(base, changed, progress=False)
    np.testing.assert_allclose(other, fresh, rtol=1e-6)


def test_corrupt_cache_is_detected_and_recomputed(T, base, tmp_path):
    x = _images(8, seed=3)
    good = T.extract_features(base, x, cache_dir=tmp_path, progress=False)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated
    np.testing.assert_allclose(T.extract_features(base, x, cache_dir=tmp_path, progress=False), good, rtol=1e-6)
    path.write_bytes(b"not a zip at all")
    np.testing.assert_allclose(T.extract_features(base, x, cache_dir=tmp_path, progress=False), good, rtol=1e-6)


def test_interrupted_write_leaves_no_cache(T, base, tmp_path, monkeypatch):
    x = _images(8, seed=4)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        T.extract_features(base, x, cache_dir=tmp_path, progress=False)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []  # neither a partial file nor a temp file
    T.extract_features(base, x, cache_dir=tmp_path, progress=False)
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_datasets_and_folders_stream_with_labels(T, base, tf, tmp_path):
    from matplotlib.image import imsave

    x = _images(12, seed=5)
    y = np.arange(12) % 2
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(5)
    feats, labels = T.extract_features(base, dataset, cache_dir=tmp_path, progress=False)
    np.testing.assert_allclose(feats, T.extract_features(base, x, progress=False), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(labels, y)
    cached, cached_labels = T.extract_features(base, dataset, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(cached, feats)
    for i, img in enumerate(x):
        folder = tmp_path / "folder" / f"class{y[i]}"
        folder.mkdir(parents=True, exist_ok=True)
        imsave(folder / f"{i:02d}.png", img)
    f2, l2 = T.extract_features(base, str(tmp_path / "folder"), progress=False)
    order = np.argsort([f"class{y[i]}/{i:02d}" for i in range(12)], kind="stable")
    np.testing.assert_allclose(f2, feats[order], rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(l2, y[order])


@pytest.fixture(scope="module")
def task(T, base):
    x = _images(64, seed=6)
    y = (x.reshape(64, -1).mean(1) > x.mean()).astype(int)  # brightness: learnable from features
    return x, y, T.extract_features(base, x, progress=False)


def test_heads_train(T, task):
    x, y, features = task
    head = T.train_head(features, y, 2, epochs=5)
    assert head.layers[-1].dtype_policy.compute_dtype == "float32"
    assert head.predict(features, verbose=0).shape == (64, 2)
    # the baseline on the features beats always answering the majority class, on a fixed split
    majority = max(np.mean(y[48:]), 1 - np.mean(y[48:]))
    assert T.logistic_baseline(features[:48], y[:48]).score(features[48:], y[48:]) >= majority + MARGIN
    with pytest.warns(DeprecationWarning, match="logistic_baseline"):
        T.train_head(features, y, kind="logistic")
    with pytest.raises(ValueError, match="differ in length"):
        T.train_head(features, y[:3])


def test_attach_head_equals_head_of_features(T, base, task, tmp_path):
    x, y, features = task
    head = T.train_head(features, y, 2, epochs=2)
    full = T.attach_head(base, head)
    np.testing.assert_allclose(full.predict(x, verbose=0), head.predict(features, verbose=0),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.slow
@pytest.mark.isolated(timeout=400)
def test_fine_tune_keeps_batch_norm_statistics(T, keras, task):
    x, y, features = task
    model = T.backbone("MobileNetV2", weights=None, input_shape=SIZE)
    T.estimate_batch_norm(model, x)
    full = T.attach_head(model, T.train_head(T.extract_features(model, x, progress=False), y, 2, epochs=1))
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    stats = [(n.moving_mean.numpy().copy(), n.moving_variance.numpy().copy()) for n in norms]
    kernel = model.get_layer("Conv_1").kernel.numpy().copy()
    T.fine_tune(full, unfreeze_from="block_15_expand", learning_rate=1e-3, data=(x.astype("float32"), y))
    for n, (mean, var) in zip(norms, stats):
        np.testing.assert_array_equal(n.moving_mean.numpy(), mean)
        np.testing.assert_array_equal(n.moving_variance.numpy(), var)
    assert not np.array_equal(model.get_layer("Conv_1").kernel.numpy(), kernel)  # unfrozen and trained
    assert model.get_layer("Conv1").trainable is False  # before unfreeze_from
    with pytest.raises(ValueError, match="names no layer"):
        T.fine_tune(full, unfreeze_from="nope")


def test_device_and_strategy_on_cpu(T):
    if T.device() != "CPU":
        pytest.skip("a GPU is visible: covered by the gpu tests")
    assert T.device() == "CPU"
    assert T.strategy().num_replicas_in_sync == 1
    assert T.use_mixed_precision() is False


MIRRORED = textwrap.dedent('''
    import os, json, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np
    from cnnzoo import transfer
    x = np.random.default_rng(0).standard_normal((64, 20)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    out = {}
    for devices in (["/cpu:0"], ["/cpu:0", "/cpu:1"]):
        s = transfer.strategy(devices)
        with s.scope():
            keras.utils.set_random_seed(0)
            m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
            m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        global_batch = 32  # 32 on one device, 16 per replica on two: the same averaged gradient
        m.fit(x, y, batch_size=global_batch, epochs=3, shuffle=False, verbose=0)
        out[len(devices)] = [w.tolist() for w in m.get_weights()]
    print(json.dumps(out))
''')


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_matches_one():
    run = subprocess.run([sys.executable, "-c", MIRRORED], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(result["1"]) == len(result["2"]) == 4
    for one, two in zip(result["1"], result["2"]):
        np.testing.assert_allclose(np.asarray(two), np.asarray(one), rtol=1e-4, atol=1e-5)
    start = np.asarray(json.loads(run.stdout.strip().splitlines()[-1])["1"][0])
    assert np.abs(start).sum() > 0


@pytest.mark.gpu
def test_gpu_device_mixed_precision_and_replicas(T, keras):
    if T.device() == "CPU":
        pytest.skip("no GPU visible")
    assert T.device().startswith("GPU: ")
    try:
        on = T.use_mixed_precision()
        head = T.train_head(np.random.rand(32, 16).astype("float32"), np.arange(32) % 2, 2, epochs=1)
        assert head.predict(np.zeros((1, 16), "float32"), verbose=0).dtype == np.float32
        if on:
            assert keras.mixed_precision.global_policy().name == "mixed_float16"
    finally:
        keras.mixed_precision.set_global_policy("float32")
    gpus = T.device().count(",") + 1
    assert T.strategy().num_replicas_in_sync == (gpus if gpus > 1 else 1)


def test_cli_weights_list_and_import(tmp_path):
    env = {**os.environ, "KERAS_HOME": str(tmp_path)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "cnnzoo.cli", "weights", *a],  # noqa: E731
                                    capture_output=True, text=True, env=env)
    assert "no weight files" in run("list").stdout
    staged = tmp_path / "x_no_top.h5"
    staged.write_bytes(b"\x89HDF\r\n")
    assert run("import", str(staged)).returncode == 0
    out = run("list").stdout
    assert "x_no_top.h5" in out and str(tmp_path / "models") in out
    bad = run("import", str(tmp_path / "missing.h5"))
    assert bad.returncode == 2 and "no such weights file" in bad.stderr


@pytest.mark.slow
def test_transfer_demo_end_to_end(T, tmp_path):
    from cnnzoo import demo

    r = demo.transfer_learning(str(tmp_path), size=32, epochs=2, progress=False)
    assert r.features == 1280 and (r.device == "CPU" or r.device.startswith("GPU: "))
    # ten classes, chance is 0.1; random features at 32x32 carry a little, MNIST's 28x28 pixels a lot (0.886)
    assert r.logistic_accuracy >= 0.1 + MARGIN / 2 and r.pixels_accuracy > 0.85
    assert os.path.getsize(r.figure) > 10_000
    assert r.weights == "ImageNet" or os.path.exists(tmp_path / "mobilenetv2_32_random.weights.h5")
    assert any("logistic regression on raw pixels" in line for line in demo.transfer_lines(r, 32))


ROUND_TRIP = textwrap.dedent('''
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import keras, numpy as np
    import cnnzoo.layers, cnnzoo.transfer  # registering the custom layers is all a reader needs
    for path in sys.argv[1:]:
        model = keras.models.load_model(path)
        x = np.load(path + ".x.npy")
        np.testing.assert_allclose(model.predict(x, verbose=0), np.load(path + ".y.npy"), rtol=1e-5, atol=1e-5)
        print("ok", os.path.basename(path))
''')


@pytest.mark.slow
def test_custom_layers_round_trip_through_keras_files_in_a_fresh_process(T, base, task, tmp_path, keras):
    import cnnzoo

    x, y, features = task
    models = {"transfer_full": (T.attach_head(base, T.train_head(features, y, 2, epochs=1)), x[:4]),
              "lenet5_paper": (cnnzoo.lenet5(variant="paper"), np.random.default_rng(0).random((2, 32, 32, 1))),
              "alexnet_paper": (cnnzoo.alexnet(variant="paper", input_shape=(99, 99, 3), num_classes=5),
                                np.random.default_rng(0).random((2, 99, 99, 3)))}
    paths = []
    for name, (model, inputs) in models.items():
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        np.save(path + ".x.npy", inputs.astype("float32"))
        np.save(path + ".y.npy", model.predict(inputs.astype("float32"), verbose=0))
        paths.append(path)
    run = subprocess.run([sys.executable, "-c", ROUND_TRIP, *paths], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("ok ") == 3
    found = T.backbone_info(keras.models.load_model(paths[0]))  # the backbone is known after loading
    assert found.constructor == "MobileNetV2"
