"""The Keras builders: reference counts, keras.applications parity, weights, custom layers."""

import inspect

import numpy as np
import pytest

import cnnzoo
from cnnzoo import specs
from cnnzoo.specs import blocks


@pytest.mark.parametrize("builder, kwargs, total, trainable", [
    ("lenet5", {}, 61_706, 61_706),
    ("lenet5", {"variant": "paper"}, 60_840, 60_000),
    ("alexnet", {}, 62_378_344, 62_378_344),
    ("alexnet", {"variant": "paper"}, 60_965_224, 60_965_224),
    ("lenet5", {"input_shape": (28, 28, 3), "num_classes": 7}, None, None),
    ("alexnet", {"input_shape": (128, 128, 1), "num_classes": 5, "variant": "paper"}, None, None),
])
def test_builders_match_reference_and_checker(keras, builder, kwargs, total, trainable):
    model = getattr(cnnzoo, builder)(**kwargs)
    summary = cnnzoo.summarize(model)
    assert summary.mismatches == [] and summary.uncounted == []
    assert summary.total == model.count_params()
    keras_trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert summary.trainable == keras_trainable
    if total is not None:
        assert (model.count_params(), keras_trainable) == (total, trainable)
    spec = cnnzoo.summarize(builder, **kwargs)
    assert [r.params for r in spec.rows] == [r.params for r in summary.rows]


@pytest.mark.parametrize("depth, include_top", [(16, True), (16, False), (19, True)])
def test_vgg_matches_keras_applications_layer_by_layer(keras, depth, include_top):
    ours = getattr(cnnzoo, f"vgg{depth}")(include_top=include_top)
    ref = getattr(keras.applications, f"VGG{depth}")(weights=None, include_top=include_top,
                                                     input_shape=(224, 224, 3))
    # the input layer's name is made unique by Keras (input_layer_1, ...); the rest must match
    assert [(lay.name, type(lay).__name__, lay.count_params()) for lay in ours.layers[1:]] == \
        [(lay.name, type(lay).__name__, lay.count_params()) for lay in ref.layers[1:]]
    assert [tuple(lay.output.shape) for lay in ours.layers] == [tuple(lay.output.shape) for lay in ref.layers]


def test_vgg_batch_norm_and_small_inputs(keras):
    model = cnnzoo.vgg11(input_shape=(32, 32, 3), num_classes=10, batch_norm=True)
    s = cnnzoo.summarize(model)
    assert s.mismatches == []
    assert s.non_trainable == 2 * (64 + 128 + 256 * 2 + 512 * 4)  # moving mean and variance


def test_vgg_weights_load_from_keras_applications_file(keras, tmp_path):
    ref = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "vgg16_notop.weights.h5"
    ref.save_weights(path)
    ours = cnnzoo.vgg16(include_top=False, input_shape=(32, 32, 3), weights=str(path))
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)
    full = tmp_path / "vgg16.keras"
    ref.save(full)
    again = cnnzoo.vgg16(include_top=False, input_shape=(32, 32, 3), weights=str(full))
    x = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: cnnzoo.vgg11(weights="imagenet"), "ImageNet weights for plain VGG16 and VGG19 only"),
    (lambda: cnnzoo.vgg16(weights="/no/such/file.h5"), "existing file"),
    (lambda: cnnzoo.lenet5(input_shape=(8, 8, 1)), "layer 'conv2'"),
    (lambda: cnnzoo.alexnet(input_shape=(40, 40, 3)), "too small for alexnet"),
    (lambda: cnnzoo.vgg16(num_classes=-3), "num_classes must be a positive integer; got -3"),
    (lambda: cnnzoo.get_model("resnet"), "unknown model 'resnet'"),
])
def test_builder_errors_state_the_rule(keras, call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_cnnzoo_offers_one_builder_per_registered_model(keras):
    from cnnzoo import models

    offered = sorted(n for n in cnnzoo.__all__ if specs.is_registered(n))
    assert offered == specs.list_models()
    assert set(specs.list_models()) <= set(dir(cnnzoo)) & set(dir(models)) & set(models.__all__)
    for name in specs.list_models():
        made = getattr(cnnzoo, name)
        assert made is models.builder(name) and made.__name__ == name
        spec = inspect.signature(specs.spec_function(name)).parameters
        assert {k: p.default for k, p in inspect.signature(made).parameters.items()} == \
            {**{k: p.default for k, p in spec.items()}, "weights": None}


def test_vgg_builders_keep_their_signature(keras):
    assert str(inspect.signature(cnnzoo.vgg16)).startswith(
        "(input_shape: 'tuple[int, int, int]' = (224, 224, 3), num_classes: 'int' = 1000, "
        "include_top: 'bool' = True, weights: 'Any' = None, *, batch_norm: 'bool' = False)")
    assert list(inspect.signature(cnnzoo.lenet5).parameters) == ["input_shape", "num_classes", "variant", "weights"]
    with pytest.raises(TypeError):
        cnnzoo.lenet5(nope=1)


@pytest.fixture
def tinynet():
    """A throwaway model registered for one test, unregistered after it."""

    @specs.register_model("tiny_net")
    def tinynet_spec(input_shape: tuple[int, int, int] = (8, 8, 1), num_classes: int = 3) -> specs.ModelSpec:
        """A throwaway net: one convolution, one dense layer."""
        n = blocks.classes(num_classes)
        layers = [blocks.input(input_shape), blocks.conv("conv", 2, 3), blocks.layer("Flatten", "flatten"),
                  blocks.dense("out", n, activation="softmax")]
        return specs.ModelSpec("tinynet", layers, "", {"input_shape": tuple(input_shape), "num_classes": n})

    yield tinynet_spec
    specs.unregister_model("tinynet")


def test_a_registered_spec_is_a_model_everywhere(keras, tinynet):
    assert "tinynet" in specs.list_models() and "tinynet" in cnnzoo.__all__ and "tinynet" in dir(cnnzoo)
    total = 2 * 9 + 2 + (6 * 6 * 2) * 3 + 3
    assert cnnzoo.tinynet().count_params() == total
    assert cnnzoo.tinynet(num_classes=4).output_shape == (None, 4)
    assert cnnzoo.get_model("tiny-net", input_shape=(10, 10, 1)).count_params() == 2 * 9 + 2 + 8 * 8 * 2 * 3 + 3
    assert cnnzoo.summarize("tinynet").total == total
    assert "A throwaway net" in cnnzoo.tinynet.__doc__
    assert list(inspect.signature(cnnzoo.tinynet).parameters) == ["input_shape", "num_classes", "weights"]


def test_unregistering_a_model_removes_its_builder(keras, tinynet):
    specs.unregister_model("tinynet")
    try:
        assert "tinynet" not in cnnzoo.__all__
        with pytest.raises(AttributeError):
            cnnzoo.tinynet  # noqa: B018
        with pytest.raises(ValueError, match="unknown model 'tinynet'"):
            specs.unregister_model("tinynet")
    finally:
        specs.register_model("tinynet")(tinynet)


def test_paper_lenet_serializes_and_loads(keras, tmp_path):
    model = cnnzoo.lenet5(variant="paper")
    x = np.random.default_rng(1).random((3, 32, 32, 1)).astype("float32")
    path = tmp_path / "lenet_paper.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert cnnzoo.summarize(str(path)).trainable == 60_000


def test_local_response_normalization_equals_tf(tf):
    from cnnzoo.layers import LocalResponseNormalization

    x = tf.random.stateless_normal((2, 5, 5, 11), seed=(1, 2)) * 3
    ours = LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-2, beta=0.75)(x)
    theirs = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-2, beta=0.75)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_c3_equals_a_masked_full_convolution(tf):
    from cnnzoo.layers import LeNetC3
    from cnnzoo.specs import C3_TABLE

    layer = LeNetC3(16, 5, [list(t) for t in C3_TABLE], activation="linear")
    x = tf.random.stateless_normal((2, 14, 14, 6), seed=(3, 4))
    y = layer(x)
    full = np.zeros((5, 5, 6, 16), "float32")
    for j, inputs in enumerate(C3_TABLE):
        full[:, :, list(inputs), j] = layer.kernels[j].numpy()[:, :, :, 0]
    expected = tf.nn.conv2d(x, full, 1, "VALID") + layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    assert layer.count_params() == 1516


def test_subsampling_is_coefficient_times_window_sum_plus_bias(tf):
    from cnnzoo.layers import Subsampling

    layer = Subsampling(2, activation="linear")
    x = tf.random.stateless_normal((1, 4, 4, 3), seed=(5, 6))
    layer.build(x.shape)
    layer.coefficient.assign([0.5, 2.0, -1.0])
    layer.bias.assign([1.0, 0.0, 0.25])
    windows = tf.nn.avg_pool2d(x, 2, 2, "VALID") * 4
    np.testing.assert_allclose(layer(x).numpy(), (windows * [0.5, 2.0, -1.0] + [1.0, 0.0, 0.25]).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_rbf_outputs_squared_distances_to_fixed_prototypes(tf):
    from cnnzoo.layers import EuclideanRBF

    layer = EuclideanRBF(10)
    x = tf.random.stateless_normal((4, 84), seed=(7, 8))
    d = layer(x).numpy()
    w = layer.prototypes.numpy()
    np.testing.assert_allclose(d, ((x.numpy()[:, :, None] - w[None]) ** 2).sum(1), rtol=1e-5)
    assert set(np.unique(w)) == {-1.0, 1.0} and layer.trainable_weights == []


@pytest.mark.slow
@pytest.mark.isolated(timeout=300)
def test_lenet5_trains_to_96_percent_on_mnist(tmp_path):
    from cnnzoo.training import train

    result = train("lenet5", out=str(tmp_path), progress=False)  # 4,000 MNIST digits; 96.9% measured
    assert result.test_accuracy >= 0.96 and len(result.data[1][0]) == 1000
    assert (tmp_path / "lenet5_lecture_training.png").stat().st_size > 10_000
    assert len(result.history["loss"]) == 20 and result.history["loss"][-1] < result.history["loss"][0]


def test_digits_like_keras_datasets():
    from cnnzoo.data import digits

    (x, y), (xt, yt) = digits()
    assert x.shape == (1347, 32, 32, 1) and xt.shape == (450, 32, 32, 1)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    per_class = np.bincount(np.concatenate([y, yt]))
    assert np.all(np.abs(np.bincount(yt) - 0.25 * per_class) <= 1)  # stratified split
    (x2, _), _ = digits()
    np.testing.assert_array_equal(x, x2)  # fixed split
    with pytest.raises(ValueError, match="size must be an integer of at least 8"):
        digits(size=4)
