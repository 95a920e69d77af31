"""Live Functional models read from their own graph: subclasses of Functional (as KerasHub's
models are), users' layers expanded with their own weights, tied weights counted once, and
the plain-Keras cases that used to break the walk. Every total is Keras' ``count_params()``.
"""

import json

import numpy as np
import pytest

import cnnzoo

pytestmark = pytest.mark.keras


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def _exact(summary, model):
    assert summary.mismatches == [], "\n".join(map(str, summary.mismatches))
    assert summary.uncounted == [], [r.name for r in summary.uncounted]
    assert (summary.total, summary.trainable) == (model.count_params(), _trainable(model))


@pytest.fixture(scope="module")
def L(keras):
    return keras.layers


@pytest.fixture(scope="module")
def Block(keras, L):
    class Block(L.Layer):
        """A pre-norm residual block with a LayerScale of its own, called with a mask."""

        def __init__(self, dim, **kw):
            super().__init__(**kw)
            self.norm, self.dense = L.LayerNormalization(name="norm"), L.Dense(dim, name="dense")
            self.dim = dim

        def build(self, shape):
            self.gamma = self.add_weight(shape=(self.dim,), name="gamma")

        def call(self, x, padding_mask=None):
            y = self.dense(self.norm(x)) * self.gamma
            if padding_mask is not None:
                y = y * keras.ops.expand_dims(keras.ops.cast(padding_mask, y.dtype), -1)
            return x + y

    return Block


@pytest.fixture(scope="module")
def Backbone(keras, L, Block):
    class Backbone(keras.Model):
        """Built with the functional API; its config holds its constructor's arguments."""

        def __init__(self, vocabulary=20, dim=8, layers=2, **kw):
            tokens = keras.Input((None,), dtype="int32", name="token_ids")
            mask = keras.Input((None,), dtype="int32", name="padding_mask")
            self.embedding = L.ReversibleEmbedding(vocabulary, dim, name="token_embedding")
            x = self.embedding(tokens)
            for i in range(layers):
                x = Block(dim, name=f"block_{i}")(x, padding_mask=mask)
            super().__init__({"token_ids": tokens, "padding_mask": mask}, x, **kw)
            self.vocabulary, self.dim, self.n = vocabulary, dim, layers

        def get_config(self):
            return {"vocabulary": self.vocabulary, "dim": self.dim, "layers": self.n, "name": self.name}

    return Backbone


def test_a_functional_subclass_is_walked_and_its_blocks_expanded(keras, Backbone):
    model = Backbone()
    s = cnnzoo.summarize(model)
    _exact(s, model)
    assert [r.name for r in s.rows if r.depth == 0] == ["padding_mask", "token_ids", "token_embedding",
                                                        "block_0", "block_1"]
    own = s["block_0/(own weights)"]
    assert (own.params, own.basis, own.explain) == (8, "variables", "own weights: gamma 8 = 8")
    assert s["block_0"].container and s["block_0"].params == 16 + 72 + 8 == s["block_0"].keras_params
    assert s["block_0/dense"].output_shape == (None, 8)  # a length not known: not a mismatch
    assert s.formula_params == model.count_params() - 16
    assert "Counted by cnnzoo's formulas: 95.5% of parameters (336)" in str(s) and "(agrees)" in str(s)
    assert [r.name for r in cnnzoo.summarize(model, depth=0).rows] == [r.name for r in s.rows if r.depth == 0]


def test_a_config_of_constructor_arguments_says_why_it_has_no_table(keras, Backbone, tmp_path):
    text = json.dumps({"module": "my_models", "class_name": "Backbone", "registered_name": "mine>Backbone",
                       "config": Backbone().get_config()})
    with pytest.raises(ValueError, match=r"Backbone \(mine>Backbone\) is saved as its constructor's "
                                         r"arguments .* built only by its code.*cnnzoo.summarize\(model\)"):
        cnnzoo.summarize(text)
    path = tmp_path / "backbone.keras"
    Backbone(name="saved").save(path)
    with pytest.raises(ValueError, match=r"backbone.keras: Backbone \(test_functional_live\) is saved as its "
                                         r"constructor's arguments \(dim, layers, name, vocabulary"):
        cnnzoo.summarize(str(path))
    with pytest.raises(ValueError, match="needs a 'layers' list"):
        cnnzoo.summarize({"name": "x", "dim": 8})


def test_tied_embedding_in_the_task_model_around_a_backbone_is_counted_once(keras, Backbone):
    backbone = Backbone(name="backbone")
    inputs = {k: keras.Input((None,), dtype="int32", name=k) for k in ("token_ids", "padding_mask")}
    logits = backbone.embedding(backbone(inputs), reverse=True)  # KerasHub's CausalLM: tied output
    model = keras.Model(inputs, logits)
    s = cnnzoo.summarize(model)
    _exact(s, model)
    top = s["token_embedding"]
    assert (top.params, top.tied, top.keras_params) == (0, 20 * 8, 20 * 8)
    assert "tied with backbone/token_embedding" in top.explain and top.agrees
    assert s["backbone"].params == backbone.count_params() and top.output_shape == (None, 20)


def test_a_functional_model_given_input_shape_is_walked_on_it(keras, L):
    inp = keras.Input((None, 6))
    model = keras.Model(inp, L.Dense(4, name="d")(L.Conv1D(6, 3, name="c")(inp)))
    s = cnnzoo.summarize(model, input_shape=(10, 6))
    _exact(s, model)
    assert s.total == 6 * 3 * 6 + 6 + 6 * 4 + 4 and s["d"].output_shape == (8, 4)
    assert s["c"].macs == 8 * 3 * 6 * 6
    with pytest.raises(ValueError, match="one shape per input"):
        cnnzoo.summarize(model, input_shape=[(10, 6), (3,)])
    flat = keras.Input((8,))
    s = cnnzoo.summarize(keras.Model(flat, L.Dense(4)(flat)), input_shape=(8,))
    assert s.total == 36


def test_a_trace_that_records_no_layer_call_is_an_error(keras, L):
    class Hidden(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(3)

        def call(self, x):
            if not self.d.built:
                self.d.build(x.shape)
            return keras.ops.matmul(x, self.d.kernel)

    with pytest.raises(ValueError, match="recorded no layer call"):
        cnnzoo.summarize(Hidden(), input_shape=(4,))


def test_a_functional_model_nested_in_a_functional_model(keras, L):
    x = keras.Input((8,))
    inner = keras.Model(x, L.Dense(4, name="d")(x), name="inner")
    y = keras.Input((8,))
    outer = keras.Model(y, inner(y))  # the output is the inner model's call: its node 1
    assert json.loads(outer.to_json())["config"]["output_layers"] == ["inner", 1, 0]
    for s in (cnnzoo.summarize(outer), cnnzoo.summarize(outer.to_json())):
        assert s.total == 36 and s["inner/d"].output_shape == (4,) and s["inner"].output_shape == (4,)
    _exact(cnnzoo.summarize(outer), outer)


def test_a_layer_whose_second_output_alone_is_used(keras, L):
    @keras.saving.register_keras_serializable("cnnzoo_tests")
    class Two(L.Layer):
        def call(self, x):
            return x * 2, keras.ops.concatenate([x, x], axis=-1)

        def compute_output_shape(self, shape):
            return shape, (*shape[:-1], 2 * shape[-1])

    x = keras.Input((5,))
    _, wide = Two(name="two")(x)
    model = keras.Model(x, L.Dense(3, name="d")(wide))
    cold = cnnzoo.summarize(model.to_json())
    assert [r.name for r in cold.uncounted] == ["two"] and cold["d"].params == 10 * 3 + 3
    assert cold["two"].output_shape == [None, (10,)]  # the first output was never recorded
    _exact(cnnzoo.summarize(model), model)


def test_a_functional_model_calling_subclassed_blocks_on_unknown_lengths(keras, L, Block):
    seq, mask = keras.Input((None, 8)), keras.Input((None,), dtype="int32")
    out = Block(8, name="b2")(Block(8, name="b1")(seq, padding_mask=mask))
    model = keras.Model([seq, mask], out)
    s = cnnzoo.summarize(model)
    _exact(s, model)
    assert s["b1/dense"].explain == "8*8 + 8 = 72" and s["b2/(own weights)"].params == 8


def test_einsum_dense_with_an_unknown_axis_in_output_shape_is_no_mismatch(keras, L):
    class Wrap(keras.Model):
        def __init__(self):
            super().__init__()
            self.e = L.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d", name="e")

        def call(self, x):
            return self.e(x)

    model = Wrap()
    s = cnnzoo.summarize(model, input_shape=(5, 8))
    _exact(s, model)
    assert s["e"].keras_shape == (5, 4) and s["e"].output_shape in ((None, 4), (5, 4))


def test_a_block_that_branches_on_a_tensor_is_called_on_zeros(keras, L):
    class Branchy(L.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.long, self.short = L.Dense(4, name="long"), L.Dense(4, name="short")

        def build(self, shape):  # both branches built: Keras counts both
            self.long.build(shape)
            self.short.build(shape)

        def call(self, x):  # Python control flow on a size the graph leaves unknown
            return self.long(x) if keras.ops.shape(x)[1] > 2 else self.short(x)

        def compute_output_shape(self, shape):
            return (*shape[:-1], 4)

    seq = keras.Input((None, 3))
    block = Branchy(name="branchy")
    model = keras.Model(seq, block(seq))
    s = cnnzoo.summarize(model)
    _exact(s, model)
    assert "called on zeros, each unknown axis 8 long" in s["branchy"].explain
    assert s["branchy/long"].output_shape == (8, 4) and s["branchy/(own weights)"].params == 16
    assert "short" in s["branchy/(own weights)"].explain  # held, not called here: read, not lost
