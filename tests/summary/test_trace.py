"""Subclassed models traced through one call, and the checker never crashing on a valid model.

Every traced table is compared with Keras' own numbers: per-layer counts and output shapes
(``mismatches``), the model's ``count_params()`` and its trainable split.
"""

import copy
import json
import random

import numpy as np
import pytest

import cnnzoo

pytestmark = pytest.mark.keras


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def _agrees(summary, model):
    assert summary.mismatches == [], "\n".join(map(str, summary.mismatches))
    assert summary.uncounted == [], [r.name for r in summary.uncounted]
    assert (summary.total, summary.trainable) == (model.count_params(), _trainable(model))
    assert summary.keras_total == model.count_params()


@pytest.fixture(scope="module")
def L(keras):
    return keras.layers


def test_lenet_subclass_agrees_row_by_row(keras, L):
    class LeNet5(keras.Model):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = L.Conv2D(6, 5, activation="relu"), L.Conv2D(16, 5, activation="relu")
            self.pool, self.flat = L.MaxPooling2D(), L.Flatten()
            self.fc = [L.Dense(120, activation="relu"), L.Dense(84, activation="relu"), L.Dense(10)]

        def call(self, x):
            x = self.flat(self.pool(self.c2(self.pool(self.c1(x)))))
            for dense in self.fc:
                x = dense(x)
            return x

    model = LeNet5()
    s = cnnzoo.summarize(model, input_shape=(32, 32, 1))
    _agrees(s, model)
    assert s.total == 61_706
    assert [r.output_shape for r in s.rows][:4] == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16)]
    assert s.rows[3].shared and s.rows[3].params == 0 and s.rows[3].keras_params is None
    assert s.rows[2].explain == "(5*5*6 + 1)*16 = 2,416"
    assert "(shared)" in str(s) and "agrees" in str(s)
    again = cnnzoo.summarize(model)  # built now: no input_shape needed, no warm-up row twice
    assert [r.name for r in again.rows] == [r.name for r in s.rows]
    cnnzoo.check_params(model, "lenet5")


def test_residual_block_used_twice_and_frozen_sublayer(keras, L):
    class Block(L.Layer):
        def __init__(self, c, **kw):
            super().__init__(**kw)
            self.c1, self.bn = L.Conv2D(c, 3, padding="same", name="c1"), L.BatchNormalization(name="bn")
            self.c2 = L.Conv2D(c, 3, padding="same", name="c2")

        def call(self, x, training=None):
            y = keras.ops.relu(self.bn(self.c1(x), training=training))
            return keras.ops.relu(x + self.c2(y))

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.stem, self.a, self.b = L.Conv2D(8, 3), Block(8, name="a"), Block(8, name="b")
            self.head, self.drop = L.Dense(4), L.Dropout(0.3)
            self.a.c2.trainable = False

        def call(self, x, training=False):
            x = self.b(self.a(self.a(self.stem(x))))
            return self.head(self.drop(keras.ops.mean(x, axis=(1, 2)), training=training))

    model = Net()
    s = cnnzoo.summarize(model, input_shape=(16, 16, 3))
    _agrees(s, model)
    assert s["a"].container and s["a"].params == 584 + 32 + 584
    assert (s["a/c2"].trainable, s["a/c2"].non_trainable) == (0, 584)
    shared = [r.name for r in s.rows if r.shared]
    assert shared == ["a", "a/c1", "a/bn", "a/c2"]  # the block's second call and its layers
    assert s.non_trainable == 584 + 16 + 16  # the frozen conv and both moving statistics


def test_backbone_inside_a_subclassed_model_and_depth(keras, L):
    class Classifier(keras.Model):
        def __init__(self):
            super().__init__()
            self.backbone = keras.applications.MobileNetV3Small(
                input_shape=(32, 32, 3), include_top=False, weights=None, include_preprocessing=False)
            self.backbone.trainable = False
            self.pool, self.out = L.GlobalAveragePooling2D(), L.Dense(5)

        def call(self, x):
            return self.out(self.pool(self.backbone(x)))

    model = Classifier()
    s = cnnzoo.summarize(model, input_shape=(32, 32, 3))
    _agrees(s, model)
    assert s.trainable == 576 * 5 + 5
    top = cnnzoo.summarize(model, depth=0)
    assert [r.name for r in top.rows] == [r.name for r in s.rows if r.depth == 0]
    assert top.total == s.total


def test_subclassed_model_inside_a_functional_one(keras, L):
    class Head(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d1, self.d2 = L.Dense(16, activation="relu", name="d1"), L.Dense(3, name="d2")

        def call(self, x):
            return self.d2(self.d1(x))

    inp = keras.Input((8,))
    out = L.Dense(2, name="last")(Head(name="head")(L.Dense(8, name="first")(inp)))
    model = keras.Model(inp, out)
    s = cnnzoo.summarize(model)
    _agrees(s, model)
    assert s["head"].container and s["head"].params == 8 * 16 + 16 + 16 * 3 + 3
    assert s["head/d1"].output_shape == (16,) and s["last"].params == 8


def test_several_inputs_and_outputs(keras, L):
    class TwoTowers(keras.Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = L.Conv2D(4, 3), L.Dense(6)
            self.flat, self.cat = L.Flatten(), L.Concatenate(name="cat")
            self.out1, self.out2 = L.Dense(2), L.Dense(1)

        def call(self, inputs):
            image, meta = inputs
            z = self.cat([self.flat(self.a(image)), self.b(meta)])
            return self.out1(z), self.out2(z)

    model = TwoTowers()
    s = cnnzoo.summarize(model, input_shape=[(8, 8, 1), (5,)])
    _agrees(s, model)
    assert s["cat"].output_shape == (6 * 6 * 4 + 6,)
    as_dict = cnnzoo.summarize(_DictModel(keras, L), input_shape={"x": (5,), "y": (3,)})
    assert as_dict.total == 5 * 2 + 2 + 3 * 2 + 2


def _DictModel(keras, L):
    class DictModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dx, self.dy = L.Dense(2), L.Dense(2)

        def call(self, inputs):
            return self.dx(inputs["x"]) + self.dy(inputs["y"])

    return DictModel()


def test_sequential_inside_and_a_user_layer_is_read_from_its_variables_not_guessed(keras, L):
    class Scale(L.Layer):
        def build(self, shape):
            self.g = self.add_weight(shape=(shape[-1],))

        def call(self, x):
            return x * self.g

    class Dense(L.Dense):  # a user's Dense with an extra weight: not the built-in rule
        def build(self, shape):
            super().build(shape)
            self.extra = self.add_weight(shape=(3,))

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.body = keras.Sequential([L.Dense(8), L.BatchNormalization()], name="body")
            self.scale, self.mine = Scale(name="scale"), Dense(2, name="mine")

        def call(self, x):
            return self.mine(self.scale(self.body(x)))

    model = Net()
    s = cnnzoo.summarize(model, input_shape=(4,))
    _agrees(s, model)
    assert {r.name for r in s.rows if r.basis == "variables"} == {"scale", "mine"}
    assert (s["scale"].params, s["mine"].params) == (8, 8 * 2 + 2 + 3)  # the extra weight too
    assert s["mine"].explain.startswith("from its variables") and s["mine"].explain.endswith(" 3 = 21")
    assert s["mine"].formula_params == 0 and s.formula_params == 40 + 32
    assert s.formula_share == pytest.approx(72 / s.total)
    assert s["scale"].output_shape == (8,) and s["body"].params == 40 + 32
    assert "Counted by cnnzoo's formulas: 71.3% of parameters (72)" in str(s)  # 72 of 101


def test_a_user_class_named_like_a_keras_layer_is_not_counted_from_json(keras, L):
    class Dense(L.Dense):
        pass

    inp = keras.Input((3,))
    model = keras.Model(inp, L.Dense(2, name="ok")(Dense(4, name="mine")(inp)))
    s = cnnzoo.summarize(model.to_json())
    assert [r.name for r in s.uncounted] == ["mine"]
    assert s["mine"].output_shape == (4,)  # the shape Keras recorded, not the built-in rule
    assert s["ok"].params == 10
    live = cnnzoo.summarize(model)
    assert live["mine"].output_shape == (4,) and live["ok"].params == 10


def test_training_dependent_layers_do_not_change_the_table(keras, L):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d, self.bn, self.drop = L.Dense(4), L.BatchNormalization(), L.Dropout(0.5)

        def call(self, x, training=None):
            x = self.bn(self.d(x), training=training)
            return self.drop(x, training=training) if training else x

    model = Net()
    model(np.zeros((2, 3), "float32"), training=True)
    s = cnnzoo.summarize(model)
    _agrees(s, model)
    assert s.non_trainable == 8


def test_unknown_layers_keep_their_place_in_any_graph(keras, L):
    class Mystery(L.Layer):
        def call(self, x):
            return keras.ops.concatenate([x, x], axis=-1)

    inp = keras.Input((5,))
    model = keras.Model(inp, Mystery(name="mystery")(L.Dense(3, name="d")(inp)))  # an output
    s = cnnzoo.summarize(model)
    assert s["mystery"].output_shape == (6,) and s.mismatches == []
    assert s.uncounted == [] and (s["mystery"].params, s["mystery"].basis) == (0, "variables")
    offline = cnnzoo.summarize(model.to_json())
    assert offline["mystery"].output_shape is None and offline["d"].params == 18
    seq = keras.Sequential([keras.Input((5,)), Mystery(name="m2"), L.Dense(2, name="after")])
    live = cnnzoo.summarize(seq)
    assert live["after"].params == 22 and live.mismatches == []
    cold = cnnzoo.summarize(seq.to_json())
    assert cold["after"].params is None and "input shape unknown" in cold["after"].explain


def _rows(summary):
    return [(r.name, r.params, r.trainable, r.output_shape) for r in summary]


def test_keyword_tensors_are_read_not_counted_as_inputs(keras, L):
    """Masks, initial states, count weights and keyword queries, as Keras' own layer tests pass
    them; attention scores and a reversed embedding as outputs. Live and JSON agree."""
    seq, mask = keras.Input((4, 3)), keras.Input((4,), dtype="bool")
    h, c = keras.Input((2,)), keras.Input((2,))
    q, v, attend = keras.Input((5, 8)), keras.Input((7, 8)), keras.Input((5, 7), dtype="bool")
    tokens, weights = keras.Input((4,), dtype="int32"), keras.Input((4,))
    outs = [L.LSTM(2, name="lstm")(seq, initial_state=[h, c]), L.GRU(2, name="gru")(seq, [h]),
            L.Bidirectional(L.GRU(2), name="bi")(seq, mask=mask),
            L.TimeDistributed(L.Dense(5), name="td")(seq, mask=mask),
            L.BatchNormalization(name="bn")(seq, mask=mask),
            *L.MultiHeadAttention(2, 4, name="mha")(query=q, value=v, attention_mask=attend,
                                                    return_attention_scores=True),
            L.CategoryEncoding(6, output_mode="count", name="enc")(tokens, count_weights=weights),
            L.ReversibleEmbedding(9, 8, name="rev")(q, reverse=True)]
    model = keras.Model([seq, mask, h, c, q, v, attend, tokens, weights], outs)
    s = cnnzoo.summarize(model)
    _agrees(s, model)
    assert s["mha"].output_shape == [(5, 8), (2, 5, 5)] and s["rev"].output_shape == (5, 9)
    assert _rows(cnnzoo.summarize(model.to_json())) == _rows(s)


def test_dict_and_nested_inputs_and_outputs(keras, L):
    """``input_layers``/``output_layers`` as dicts or nested lists, taken in Keras' order."""
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    x = L.Concatenate(name="cat")([b, a])
    inner = keras.Model({"b": b, "a": a}, {"y": L.Dense(2, name="y")(x), "x": L.Dense(1, name="x")(x)})
    a2, b2 = keras.Input((3,), name="a2"), keras.Input((4,), name="b2")
    out = inner({"a": a2, "b": b2})
    outer = keras.Model([a2, b2], L.Add(name="sum")([out["x"], out["y"][:, :1]]))
    seq = keras.Input((5, 3))
    stacked = L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)]), return_state=True, name="rnn")
    states = keras.Model(seq, stacked(seq))
    for model in (inner, outer, states):
        s = cnnzoo.summarize(model)
        assert s.mismatches == [] and s.total == model.count_params(), str(s)
        assert _rows(cnnzoo.summarize(model.to_json())) == _rows(s)


def test_what_no_formula_fits_is_uncounted_in_a_live_model(keras, L, monkeypatch):
    """Image layers on a dict of images and boxes, an RNN over a user's cell, and a formula's
    own error: uncounted with the reason in a live model (Keras built it), named from JSON."""
    images, boxes, labels = keras.Input((10, 8, 3)), keras.Input((2, 4)), keras.Input((2,))
    resize = L.Resizing(20, 20, bounding_box_format="xyxy", name="resize")
    out = resize({"images": images, "bounding_boxes": {"boxes": boxes, "labels": labels}})
    model = keras.Model([images, boxes, labels], out)
    for s in (cnnzoo.summarize(model), cnnzoo.summarize(model.to_json())):
        assert [r.name for r in s.uncounted] == ["resize"] and "dict of images" in s["resize"].explain

    class Cell(L.Layer):
        state_size = 2

        def build(self, shape):
            self.kernel = self.add_weight(shape=(shape[-1], 2))

        def call(self, x, states):
            h = keras.ops.matmul(x, self.kernel) + states[0]
            return h, [h]

    seq = keras.Input((4, 3))
    s = cnnzoo.summarize(keras.Model(seq, L.RNN(Cell(), name="rnn")(seq)))
    assert s["rnn"].explain == "not counted: unknown layer RNN over a Cell" and s["rnn"].output_shape == (2,)
    from cnnzoo.count import layer

    def broken(cfg, shapes):
        raise ValueError("past the formula's reach")

    monkeypatch.setitem(layer.HANDLERS, "Dense", broken)
    dense = keras.Sequential([keras.Input((3,)), L.Dense(2, name="d")])
    s = cnnzoo.summarize(dense)
    assert s.mismatches == [] and s["d"].explain == "not counted: no formula fits this call " \
        "(past the formula's reach)" and s["d"].output_shape == (2,)
    with pytest.raises(ValueError, match="layer 'd' .Dense.: past the formula's reach"):
        cnnzoo.summarize(dense.to_json())


def test_an_unbuilt_model_asks_for_its_input_shape(keras, L):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)

    with pytest.raises(ValueError, match="input_shape"):
        cnnzoo.summarize(Net())
    with pytest.raises(ValueError, match="positive integers"):
        cnnzoo.summarize(Net(), input_shape=(0, 3))


def _mutations(config, rng, n):
    def paths(obj, path=()):
        yield path
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
        for key, value in items:
            yield from paths(value, path + (key,))

    every = [p for p in paths(config) if p]
    values = [None, 0, -1, 1.5, "x", [], {}, [1], True, {"a": 1}, 10**9, [[1, 2], [3]]]
    for _ in range(n):
        mutated = copy.deepcopy(config)
        path = rng.choice(every)
        parent = mutated
        for key in path[:-1]:
            parent = parent[key]
        if rng.random() < 0.3:
            del parent[path[-1]]
        else:
            parent[path[-1]] = rng.choice(values)
        yield json.dumps(mutated)


def test_malformed_configs_raise_value_or_type_errors_only(keras):
    model = keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), weights=None, classes=7)
    config = json.loads(model.to_json())
    failures = {}
    for text in _mutations(config, random.Random(0), 400):
        try:
            cnnzoo.summarize(text)
        except (ValueError, TypeError) as err:
            assert str(err)
        except Exception as err:  # noqa: BLE001
            failures[type(err).__name__] = str(err)
    assert not failures, failures


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04trunc", b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_broken_files_raise_value_error_and_the_cli_exits_2(tmp_path, content, capsys):
    for suffix in (".keras", ".json"):
        path = tmp_path / f"m{suffix}"
        path.write_bytes(content)
        with pytest.raises(ValueError):
            cnnzoo.summarize(str(path))
    from cnnzoo.cli import main

    assert main(["summary", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cnnzoo summary: error:")
