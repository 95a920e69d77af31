"""The checker: independent counts for any keras.Model, compared with Keras' own."""

import gc
import inspect
import json
import subprocess
import sys

import numpy as np
import pytest

import cnnzoo

pytestmark = pytest.mark.keras


def _application_names():
    import keras

    return sorted(n for n, f in inspect.getmembers(keras.applications)
                  if callable(f) and n[:1].isupper())


def _trainable(layer_or_model):
    return sum(int(np.prod(w.shape)) for w in layer_or_model.trainable_weights)


@pytest.mark.slow
@pytest.mark.parametrize("name", _application_names())
def test_every_keras_application_agrees_exactly(keras, name):
    model = getattr(keras.applications, name)(weights=None)
    live = cnnzoo.summarize(model)
    assert live.uncounted == [] and live.mismatches == []
    assert (live.total, live.trainable) == (model.count_params(), _trainable(model))
    compared = {r.name for r in live.rows if r.keras_params is not None}
    assert compared >= {layer.name for layer in model.layers}  # ops on tensors are not layers
    offline = cnnzoo.summarize(model.to_json())
    assert [(r.name, r.params, r.trainable, r.output_shape) for r in offline.rows] == \
        [(r.name, r.params, r.trainable, r.output_shape) for r in live.rows]
    del model
    keras.backend.clear_session()
    gc.collect()


def test_reference_application_totals(keras):
    # the numbers in the reference, through the checker
    expected = {"ResNet50": (25_636_712, 25_583_592), "MobileNetV2": (3_538_984, None)}
    for name, (total, trainable) in expected.items():
        s = cnnzoo.summarize(getattr(keras.applications, name)(weights=None))
        assert s.total == total and (trainable is None or s.trainable == trainable)


def _families_model(keras):
    L = keras.layers
    seq_in = keras.Input((20,), name="tokens", dtype="int32")
    img = keras.Input((32, 32, 3), name="image")
    vol = keras.Input((8, 8, 8, 2), name="volume")

    t = L.Embedding(100, 12, name="embed")(seq_in)                         # (20, 12)
    t = L.Conv1D(16, 3, dilation_rate=2, padding="causal", name="c1d")(t)
    t = L.SeparableConv1D(8, 3, depth_multiplier=2, name="sep1d")(t)
    t = L.DepthwiseConv1D(3, depth_multiplier=3, strides=2, name="dw1d")(t)
    t = L.Conv1DTranspose(6, 3, strides=2, name="c1dt")(t)
    t = L.MaxPooling1D(2, name="mp1d")(t)
    t = L.LayerNormalization(name="ln")(t)
    t = L.GlobalAveragePooling1D(name="gap1d")(t)

    x = L.Rescaling(1 / 255, name="rescale")(img)
    x = L.Normalization(name="norm")(x)
    x = L.ZeroPadding2D(((1, 2), (0, 1)), name="pad")(x)
    x = L.Conv2D(16, 3, strides=2, use_bias=False, name="c2d")(x)
    x = L.BatchNormalization(name="bn")(x)
    x = L.PReLU(shared_axes=[1, 2], name="prelu")(x)
    x = L.Conv2D(16, (3, 5), padding="same", groups=4, name="grouped")(x)
    x = L.Conv2D(8, 3, dilation_rate=2, name="dilated")(x)
    x = L.SeparableConv2D(12, 3, padding="same", depth_multiplier=2, name="sep2d")(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="same", name="dw2d")(x)
    x = L.GroupNormalization(groups=3, name="gn")(x)
    x = L.Conv2DTranspose(6, 3, strides=2, padding="same", output_padding=1, name="c2dt")(x)
    x = L.UpSampling2D(2, name="up")(x)
    x = L.Cropping2D(((1, 0), (2, 1)), name="crop")(x)
    x = L.AveragePooling2D(3, strides=2, padding="same", name="ap2d")(x)
    x = L.UnitNormalization(name="unit")(x)
    x = L.Permute((2, 1, 3), name="permute")(x)
    x = L.Flatten(name="flat")(x)

    v = L.Conv3D(4, 3, padding="same", name="c3d")(vol)
    v = L.Conv3DTranspose(3, 2, strides=2, name="c3dt")(v)
    v = L.MaxPooling3D(2, name="mp3d")(v)
    v = L.GlobalMaxPooling3D(name="gmp3d")(v)

    shared = L.Dense(10, name="shared_dense")                               # used twice
    inner = keras.Sequential([keras.Input((10,)), L.Dense(7, name="inner_a"),
                              L.Dropout(0.1, name="inner_drop"), L.Dense(5, name="inner_b")],
                             name="inner_seq")
    frozen = L.Dense(10, name="frozen_dense")
    frozen.trainable = False
    a, b = shared(L.Dense(10, name="to10_t")(t)), shared(frozen(x))
    merged = L.Concatenate(name="concat")([a, b, v])
    merged = L.Add(name="add")([L.Dense(23, name="proj")(merged), L.Reshape((23,), name="rs")(merged)])
    out1 = inner(L.Dense(10, name="to10")(merged))
    out2 = L.Dense(3, activation="softmax", name="head2")(L.RepeatVector(2, name="rep")(b))
    return keras.Model([seq_in, img, vol], [out1, out2], name="families")


@pytest.fixture(scope="module")
def families(keras):
    return _families_model(keras)


def test_model_of_all_layer_families_agrees(families):
    s = cnnzoo.summarize(families)
    assert s.uncounted == []
    assert s.mismatches == [], "\n".join(str(r) for r in s.mismatches)
    assert s.total == families.count_params()
    assert s.trainable == _trainable(families)
    assert s["frozen_dense"].trainable == 0 and s["frozen_dense"].non_trainable == 924 * 10 + 10
    assert s["bn"].non_trainable == 32 and s["norm"].non_trainable == 7
    assert s["inner_seq/inner_b"].params == 40 and s["inner_seq"].params == 77 + 40


def test_shared_layers_count_once(families):
    s = cnnzoo.summarize(families)
    assert [r.name for r in s.rows].count("shared_dense") == 1
    assert s["shared_dense"].params == 110


def test_depth_collapses_nested_models(families):
    full, flat = cnnzoo.summarize(families), cnnzoo.summarize(families, depth=0)
    assert "inner_seq/inner_a" in [r.name for r in full.rows]
    assert "inner_seq/inner_a" not in [r.name for r in flat.rows]
    assert flat["inner_seq"].params == 117 and flat.total == full.total


def test_json_summary_needs_no_tensorflow(families, tmp_path):
    path = tmp_path / "families.keras"
    families.save(path)
    jpath = tmp_path / "families.json"
    jpath.write_text(families.to_json())
    code = (
        "import sys, json\n"
        "sys.modules['tensorflow'] = None; sys.modules['keras'] = None  # importing them fails\n"
        "import cnnzoo\n"
        f"a = cnnzoo.summarize({str(path)!r}); b = cnnzoo.summarize({str(jpath)!r})\n"
        "print(json.dumps([a.total, a.trainable, b.total, [list(map(str, (r.name, r.params, r.output_shape))) for r in a.rows]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    total, trainable, total_json, rows = json.loads(out.stdout)
    live = cnnzoo.summarize(families)
    assert (total, trainable, total_json) == (live.total, live.trainable, live.total)
    assert rows == [list(map(str, (r.name, r.params, r.output_shape))) for r in live.rows]


def test_unknown_layers_are_read_from_their_variables_live_and_reported_from_json(keras):
    @keras.saving.register_keras_serializable(package="test")
    class Mystery(keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], 3))

        def call(self, x):
            return x @ self.w

    inp = keras.Input((5,))
    out = keras.layers.Dense(2, name="after")(Mystery(name="mystery")(inp))
    model = keras.Model(inp, out)
    s = cnnzoo.summarize(model)
    assert s.uncounted == [] and s.total == model.count_params() == 15 + 8
    assert (s["mystery"].params, s["mystery"].basis, s["mystery"].formula_params) == (15, "variables", 0)
    assert s["mystery"].explain.endswith(" 5*3 = 15") and s.formula_params == 8
    assert s["after"].params == 8  # the walk goes on with the shape Keras recorded
    cold = cnnzoo.summarize(model.to_json())  # no variables to read: reported, never guessed
    assert [r.name for r in cold.uncounted] == ["mystery"] and cold["mystery"].params is None
    assert cold["after"].params == 8 and "Not counted" in str(cold)


def test_ops_on_tensors_are_followed(keras):
    inp = keras.Input((4, 4, 3))
    x = keras.layers.Conv2D(5, 3, name="conv")(inp)
    x = keras.ops.relu(x * 2.0) + 1.0
    out = keras.layers.Dense(2, name="dense")(x)
    s = cnnzoo.summarize(keras.Model(inp, out))
    assert s.mismatches == [] and s.uncounted == [] and s["dense"].output_shape == (2, 2, 2)


STUDENT_CONV2_NO_BIAS = "conv2: expected (5*5*6 + 1)*16 = 2,416, got 2,400"


def _student_lenet(keras, conv2_bias=True, fc1=120):
    L = keras.layers
    inp = keras.Input((32, 32, 1))
    x = L.Conv2D(6, 5, activation="relu", name="conv1")(inp)
    x = L.MaxPooling2D(2)(x)
    x = L.Conv2D(16, 5, activation="relu", use_bias=conv2_bias, name="conv2")(x)
    x = L.MaxPooling2D(2)(x)
    x = L.Flatten()(x)
    x = L.Dense(fc1, activation="relu", name="fc1")(x)
    x = L.Dense(84, activation="relu", name="fc2")(x)
    return keras.Model(inp, L.Dense(10, activation="softmax", name="fc3")(x))


def test_check_params_passes_a_correct_student_model(keras):
    s = cnnzoo.check_params(_student_lenet(keras), "lenet5")
    assert s.total == 61_706
    cnnzoo.check_params(_student_lenet(keras), 61_706)
    cnnzoo.check_params(_student_lenet(keras), {"conv2": 2_416, "fc1": 48_120})


def test_check_params_diff_names_the_formula(keras):
    with pytest.raises(ValueError) as info:
        cnnzoo.check_params(_student_lenet(keras, conv2_bias=False), "lenet5")
    assert STUDENT_CONV2_NO_BIAS in str(info.value)
    assert "total: expected 61,706, got 61,690" in str(info.value)


def test_check_params_matches_by_order_when_names_differ(keras):
    L = keras.layers
    inp = keras.Input((32, 32, 1))
    x = L.Conv2D(6, 5, name="a")(inp)
    x = L.MaxPooling2D(2)(x)
    x = L.Conv2D(16, 5, name="b")(x)
    x = L.MaxPooling2D(2)(x)
    x = L.Flatten()(x)
    x = L.Dense(100, name="c")(x)
    x = L.Dense(84, name="d")(x)
    model = keras.Model(inp, L.Dense(10, name="e")(x))
    with pytest.raises(ValueError) as info:
        cnnzoo.check_params(model, "lenet5")
    assert "c (as fc1): expected 400*120 + 120 = 48,120, got 40,100" in str(info.value)


def test_check_params_total_and_mapping_errors(keras):
    model = _student_lenet(keras, fc1=100)
    with pytest.raises(ValueError, match="total: expected 61,706, got 52,006"):
        cnnzoo.check_params(model, 61_706)
    with pytest.raises(ValueError, match="conv9: expected 5, but the model has no such layer"):
        cnnzoo.check_params(model, {"conv9": 5})
    with pytest.raises(TypeError, match="expected must be"):
        cnnzoo.check_params(model, 61706.0)
