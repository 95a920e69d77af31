"""The checker's formulas against Keras itself, family by family, on random configurations.

Each case builds the layer on a random input shape, then asks :func:`cnnzoo.count.count_layer`
for the same layer from ``get_config()`` alone (and from that config read back from JSON):
trainable and non-trainable counts and output shapes must be Keras' own, exactly. Every
config is then damaged one field at a time: a missing or ill-typed field is a ``ValueError``
naming it (or a count), never a ``KeyError``/``TypeError``/``IndexError``.
"""

import json
import math
import random

import pytest

from cnnzoo.count import UnknownLayer, count_layer

pytestmark = pytest.mark.keras

_BAD = [None, "x", -1, 0, 1.5, [], [0], {}, {"class_name": 1}, True]


def _n(weights):
    return sum(math.prod(w.shape) for w in weights)


def _shape(tensor):
    return tuple(tensor.shape[1:])


def _damaged(name, cfg, shapes, count):
    """Every field removed, then every field ill-typed: a count or a ValueError, nothing else."""
    for key in list(cfg):
        for value in [KeyError, *_BAD]:
            bad = {k: v for k, v in cfg.items() if k != key}
            if value is not KeyError:
                bad[key] = value
            try:
                count(name, bad, shapes)
            except UnknownLayer:
                pass
            except ValueError as err:
                if value is KeyError and "has no" in str(err):
                    assert repr(key) in str(err), (name, key, err)
            except Exception as err:  # pragma: no cover - the failure message is the point
                raise AssertionError(f"{name} with {key}={value!r}: {type(err).__name__}: {err}") from err


def check(keras, layer, shapes, dtype="float32", call=None, count=count_layer, damage=True):
    """Build ``layer`` on ``shapes`` (batchless) and compare Keras with the count."""
    dtypes = dtype if isinstance(dtype, (list, tuple)) else [dtype] * len(shapes)
    inputs = [keras.Input(s, dtype=d) for s, d in zip(shapes, dtypes)]
    if call is not None:
        out = call(layer, inputs)
    else:
        out = layer(inputs[0] if len(inputs) == 1 else inputs)
    flat = keras.tree.flatten(out)
    expected = _shape(flat[0]) if len(flat) == 1 else [_shape(o) for o in flat]
    trainable, non_trainable = _n(layer.trainable_weights), _n(layer.non_trainable_weights)
    name, cfg = type(layer).__name__, layer.get_config()
    for c in (cfg, json.loads(json.dumps(cfg))):
        got = count(name, c, shapes)
        assert (got.trainable, got.non_trainable, got.output) == (trainable, non_trainable, expected), \
            (name, c, got)
        total = trainable + non_trainable
        if total:
            assert got.explain.endswith(f"= {total:,}"), got.explain
    if damage:
        _damaged(name, json.loads(json.dumps(cfg)), shapes, count)
    return got


def _pick(rng, *values):
    return values[rng.randrange(len(values))]


# ------------------------------------------------------------------------- recurrent


def _rnn_layer(keras, rng, kind=None, **extra):
    L = keras.layers
    kind = kind or _pick(rng, "SimpleRNN", "GRU", "LSTM")
    kw = dict(units=rng.randint(1, 6), use_bias=rng.random() < 0.8,
              return_sequences=rng.random() < 0.5, return_state=rng.random() < 0.4, **extra)
    if kind == "GRU":
        kw["reset_after"] = rng.random() < 0.5
    if kind == "LSTM":
        kw["unit_forget_bias"] = rng.random() < 0.5
    return getattr(L, kind)(**kw)


def test_simple_rnn_gru_lstm(keras):
    rng = random.Random(1)
    for _ in range(24):
        layer = _rnn_layer(keras, rng)
        check(keras, layer, [(_pick(rng, None, rng.randint(1, 7)), rng.randint(1, 5))])


def test_rnn_over_cells(keras):
    rng, L = random.Random(2), keras.layers
    for _ in range(10):
        cells = []
        for _ in range(rng.randint(1, 3)):
            kind, units = _pick(rng, "SimpleRNNCell", "GRUCell", "LSTMCell"), rng.randint(1, 5)
            kw = {"reset_after": rng.random() < 0.5} if kind == "GRUCell" else {}
            cells.append(getattr(L, kind)(units, use_bias=rng.random() < 0.8, **kw))
        layer = L.RNN(cells if len(cells) > 1 else cells[0], return_sequences=rng.random() < 0.5,
                      return_state=rng.random() < 0.5)
        check(keras, layer, [(rng.randint(1, 6), rng.randint(1, 4))])


def test_cells_called_by_hand(keras):
    rng, L = random.Random(24), keras.layers
    for _ in range(6):
        kind, units = _pick(rng, "SimpleRNNCell", "GRUCell", "LSTMCell"), rng.randint(1, 5)
        cell = getattr(L, kind)(units, use_bias=rng.random() < 0.7)
        states = [(units,)] * (2 if kind == "LSTMCell" else 1)
        check(keras, cell, [(rng.randint(1, 4),), *states],
              call=lambda layer, inputs: layer(inputs[0], inputs[1:]))


def test_bidirectional(keras):
    rng, L = random.Random(3), keras.layers
    for _ in range(14):
        layer = _rnn_layer(keras, rng)
        backward = None
        if rng.random() < 0.4:
            cfg = layer.get_config()
            cfg.update(go_backwards=True, name="back")
            backward = type(layer).from_config(cfg)
        merge = _pick(rng, "concat", "sum", "mul", "ave", None)
        check(keras, L.Bidirectional(layer, merge_mode=merge, backward_layer=backward),
              [(rng.randint(1, 6), rng.randint(1, 4))])


def test_time_distributed(keras):
    rng, L = random.Random(4), keras.layers
    for _ in range(12):
        steps = _pick(rng, None, rng.randint(1, 5))
        kind = rng.randrange(5)
        if kind == 0:
            inner, shape = L.Dense(rng.randint(1, 5)), (steps, rng.randint(1, 4))
        elif kind == 1:
            fmt = _pick(rng, "channels_last", "channels_first")
            inner = L.Conv2D(rng.randint(1, 4), rng.randint(1, 3), data_format=fmt,
                             padding=_pick(rng, "valid", "same"))
            shape = (steps, 3, 6, 5) if fmt == "channels_first" else (steps, 6, 5, 3)
        elif kind == 2:
            inner, shape = L.MaxPooling1D(2), (steps, rng.randint(2, 8), 3)
        elif kind == 3:
            inner, shape = L.Flatten(), (steps, 3, 4)
        else:
            inner = _rnn_layer(keras, rng, "GRU")
            inner.return_state = False  # Keras cannot time-distribute several outputs
            shape = (steps, rng.randint(1, 5), rng.randint(1, 3))
        check(keras, L.TimeDistributed(inner), [shape])


def test_conv_lstm(keras):
    rng, L = random.Random(5), keras.layers
    for _ in range(18):
        rank = rng.randint(1, 3)
        fmt = _pick(rng, "channels_last", "channels_first")
        k = rng.randint(1, 3)
        dilated = rng.random() < 0.3
        layer = getattr(L, f"ConvLSTM{rank}D")(
            rng.randint(1, 3), k, strides=1 if dilated else rng.randint(1, 2),
            dilation_rate=2 if dilated else 1, padding=_pick(rng, "valid", "same"),
            data_format=fmt, use_bias=rng.random() < 0.8, return_sequences=rng.random() < 0.5,
            return_state=rng.random() < 0.4)
        spatial = tuple(rng.randint(5, 7) for _ in range(rank))
        c = rng.randint(1, 3)
        shape = (rng.randint(1, 3), c, *spatial) if fmt == "channels_first" else (rng.randint(1, 3), *spatial, c)
        check(keras, layer, [shape])


# ------------------------------------------------------------------------- attention


def _einsum_case(rng):
    t, f, u, h = rng.randint(1, 4), rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 3)
    cases = [
        ("ab,bc->ac", u, (f,), "c"),
        ("abc,cd->abd", (t, u), (t, f), "d"),
        ("abc,cd->abd", (None, u), (t, f), "d"),
        ("abc,cde->abde", (t, h, u), (t, f), "de"),
        ("abc,cde->abde", (t, h, u), (t, f), "e"),
        ("abcd,cde->abe", (t, u), (t, h, f), "e"),
        ("abc,bd->adc", (u, f), (t, f), "d"),
        ("...b,bc->...c", u, (t, h, f), "c"),
        ("ab...,bc->ac...", (u, h, t), (f, h, t), "c"),
        ("ab...,bc->ac...", (u, h, t), (f, h, t), None),
    ]
    eq, out, shape, bias = cases[rng.randrange(len(cases))]
    return eq, out, shape, _pick(rng, bias, None)


def test_einsum_dense(keras):
    rng = random.Random(6)
    for _ in range(20):
        eq, out, shape, bias = _einsum_case(rng)
        check(keras, keras.layers.EinsumDense(eq, out, bias_axes=bias), [shape])


def _attention_call(layer, inputs):
    return layer(*inputs)


def test_multi_head_attention(keras):
    rng, L = random.Random(7), keras.layers
    for _ in range(16):
        rank4 = rng.random() < 0.25
        dq, dv = rng.randint(1, 5), rng.randint(1, 5)
        q = (2, 3, dq) if rank4 else (rng.randint(1, 4), dq)
        v = (2, rng.randint(1, 4), dv) if rank4 else (rng.randint(1, 4), dv)
        shapes = [q, v] + ([(*v[:-1], rng.randint(1, 4))] if rng.random() < 0.4 else [])
        out = _pick(rng, None, rng.randint(1, 4), (rng.randint(1, 3), rng.randint(1, 3)))
        layer = L.MultiHeadAttention(
            rng.randint(1, 3), rng.randint(1, 4), value_dim=_pick(rng, None, rng.randint(1, 4)),
            use_bias=rng.random() < 0.7, output_shape=out, use_gate=rng.random() < 0.3,
            attention_axes=(2,) if rank4 and rng.random() < 0.5 else None)
        check(keras, layer, shapes, call=_attention_call)


def test_grouped_query_attention(keras):
    rng = random.Random(8)
    cls = keras.layers.GroupQueryAttention
    for _ in range(10):
        kv = rng.randint(1, 2)
        d = rng.randint(1, 5)
        shapes = [(rng.randint(1, 4), d), (rng.randint(1, 4), d)]
        if rng.random() < 0.5:
            shapes.append((shapes[1][0], rng.randint(1, 4)))
        layer = cls(rng.randint(1, 4), kv * rng.randint(1, 3), kv, use_bias=rng.random() < 0.7,
                    use_gate=rng.random() < 0.3)
        check(keras, layer, shapes, call=_attention_call)


def test_dot_product_and_additive_attention(keras):
    rng, L = random.Random(9), keras.layers
    for _ in range(16):
        d = rng.randint(1, 5)
        shapes = [(rng.randint(1, 4), d), (rng.randint(1, 4), d)]
        if rng.random() < 0.4:
            shapes.append((shapes[1][0], d))
        if rng.random() < 0.5:
            layer = L.Attention(use_scale=rng.random() < 0.5, score_mode=_pick(rng, "dot", "concat"))
        else:
            layer = L.AdditiveAttention(use_scale=rng.random() < 0.7)
        check(keras, layer, shapes)


def test_dot(keras):
    rng, L = random.Random(10), keras.layers
    for _ in range(14):
        kind = rng.randrange(4)
        a, b, c = rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4)
        if kind == 0:
            shapes, axes = [(a,), (a,)], _pick(rng, 1, -1)
        elif kind == 1:
            shapes, axes = [(b, a), (c, a)], _pick(rng, 2, -1, [2, 2])
        elif kind == 2:
            shapes, axes = [(a, b), (a, c)], [1, 1]
        else:
            shapes, axes = [(b, a), (a, c)], [2, 1]
        check(keras, L.Dot(axes=axes, normalize=rng.random() < 0.5), shapes)


# ------------------------------------------------------------- LoRA and quantization

_POLICIES = [None, "int8_from_float32", "int8_from_mixed_bfloat16", "int4_from_float32",
             "int4/8_from_float32", "int4/-1_from_mixed_float16", "float8_from_float32",
             "gptq/4/8_from_float32", "gptq/8/-1_from_float32", "awq/4/16_from_float32"]


def _policy(keras, rng, name):
    if name == "float8_from_float32" and rng.random() < 0.5:
        return keras.dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32",
                                                                amax_history_length=rng.randint(1, 9))
    return name


def test_dense_and_einsum_dense_lora_and_quantized(keras):
    rng, L = random.Random(11), keras.layers
    for i in range(30):
        name = _POLICIES[i % len(_POLICIES)]
        lora = _pick(rng, None, rng.randint(1, 3)) if not (name or "").startswith(("gptq", "awq")) else None
        dtype = _policy(keras, rng, name)
        if rng.random() < 0.5:
            layer = L.Dense(rng.randint(1, 9), use_bias=rng.random() < 0.7, lora_rank=lora, dtype=dtype)
            shape = _pick(rng, (rng.randint(1, 20),), (2, rng.randint(1, 20)))
        else:
            eq, out, shape, bias = _einsum_case(rng)
            while "..." in eq and (name or "").startswith(("int", "gptq", "awq")):
                eq, out, shape, bias = _einsum_case(rng)  # Keras cannot quantize those (3.15)
            if (name or "").startswith(("gptq", "awq")):
                eq, out, shape, bias = _pick(rng, ("ab,bc->ac", 5, (20,), "c"),
                                             ("abc,cde->abde", (3, 2, 4), (3, 20), "de"),
                                             ("abcd,cde->abe", (3, 20), (3, 2, 4), "e"))
            layer = L.EinsumDense(eq, out, bias_axes=bias, lora_rank=lora, dtype=dtype)
        check(keras, layer, [shape])


def test_quantization_config_overrides_the_policy(keras):
    from keras.src.quantizers.quantization_config import Int4QuantizationConfig

    rng, L = random.Random(23), keras.layers
    for block in [None, -1, 8, 128, 3]:
        config = Int4QuantizationConfig() if block == 128 else Int4QuantizationConfig(block_size=block)
        dtype = _pick(rng, "int4_from_float32", "int4/16_from_float32")
        layer = L.Dense(rng.randint(1, 6), dtype=dtype, quantization_config=config)
        check(keras, layer, [(rng.randint(1, 20),)])
        layer = L.Embedding(rng.randint(1, 9), rng.randint(1, 9), dtype=dtype, quantization_config=config)
        check(keras, layer, [(2,)], dtype="int32")


def test_wrapping_too_deep_is_a_value_error():
    cfg = {"units": 2}
    for _ in range(40):
        cfg = {"layer": {"class_name": "TimeDistributed" if "layer" in cfg else "Dense", "config": cfg}}
    with pytest.raises(ValueError, match="wrapped more than"):
        count_layer("TimeDistributed", cfg, [(3,) * 42])


def test_lora_is_refused_with_gptq():
    with pytest.raises(ValueError, match="lora_rank"):
        count_layer("Dense", {"units": 2, "lora_rank": 1, "dtype": "gptq/4/8_from_float32"}, [(4,)])


def test_embeddings_lora_and_quantized(keras):
    rng, L = random.Random(12), keras.layers
    policies = [None, "int8_from_float32", "int4_from_float32", "int4/4_from_float32",
                "int4/32_from_float32"]
    for i in range(20):
        dtype = policies[i % len(policies)]
        kw = dict(lora_rank=_pick(rng, None, rng.randint(1, 3)), dtype=dtype)
        n, d = rng.randint(1, 12), rng.randint(1, 9)
        if rng.random() < 0.5:
            layer = L.Embedding(n, d, **kw)
        else:
            layer = L.ReversibleEmbedding(n, d, tie_weights=rng.random() < 0.5, **kw)
        check(keras, layer, [(rng.randint(1, 4),)], dtype="int32")


def test_convolution_lora(keras):
    rng, L = random.Random(13), keras.layers
    for _ in range(12):
        rank = rng.randint(1, 3)
        fmt = _pick(rng, "channels_last", "channels_first")
        groups = _pick(rng, 1, 2)
        c = 2 * rng.randint(1, 2)
        layer = getattr(L, f"Conv{rank}D")(2 * rng.randint(1, 2), rng.randint(1, 3), groups=groups,
                                           data_format=fmt, lora_rank=rng.randint(1, 3),
                                           use_bias=rng.random() < 0.7,
                                           dtype=_pick(rng, None, "int8_from_float32"))
        spatial = tuple(rng.randint(3, 5) for _ in range(rank))
        check(keras, layer, [(c, *spatial) if fmt == "channels_first" else (*spatial, c)])


def test_quantized_attention(keras):
    rng, L = random.Random(14), keras.layers
    for name in ["int8_from_float32", "int4_from_float32", "float8_from_float32", "int4/4_from_float32"]:
        layer = L.MultiHeadAttention(2, 3, dtype=name, use_bias=rng.random() < 0.5)
        check(keras, layer, [(3, 5), (4, 5)], call=_attention_call)
        layer = L.GroupQueryAttention(3, 4, 2, dtype=name)
        check(keras, layer, [(3, 5), (4, 5)], call=_attention_call)


def test_batch_normalization_renorm(keras):
    rng, L = random.Random(15), keras.layers
    for _ in range(8):
        layer = L.BatchNormalization(axis=_pick(rng, -1, 1), renorm=rng.random() < 0.6,
                                     center=rng.random() < 0.7, scale=rng.random() < 0.7)
        check(keras, layer, [(rng.randint(1, 4), rng.randint(1, 4))])


# ------------------------------------------------ pooling, wrappers, preprocessing


def test_adaptive_pooling(keras):
    rng = random.Random(16)
    for _ in range(12):
        rank, kind = rng.randint(1, 3), _pick(rng, "Average", "Max")
        fmt = _pick(rng, "channels_last", "channels_first")
        size = _pick(rng, rng.randint(1, 3), tuple(rng.randint(1, 3) for _ in range(rank)))
        layer = getattr(keras.layers, f"Adaptive{kind}Pooling{rank}D")(size, data_format=fmt)
        spatial, c = tuple(rng.randint(3, 6) for _ in range(rank)), rng.randint(1, 3)
        check(keras, layer, [(c, *spatial) if fmt == "channels_first" else (*spatial, c)])


def test_spectral_normalization(keras):
    rng, L = random.Random(17), keras.layers
    for _ in range(12):
        kind = rng.randrange(6)
        fmt = _pick(rng, "channels_last", "channels_first")
        image = (3, 6, 6) if fmt == "channels_first" else (6, 6, 3)
        if kind == 0:
            inner, shape = L.Dense(rng.randint(1, 5), lora_rank=_pick(rng, None, 2)), (4,)
        elif kind == 1:
            inner, shape = L.Conv2D(rng.randint(1, 4), 3, data_format=fmt), image
        elif kind == 2:
            inner, shape = L.Conv2DTranspose(rng.randint(1, 4), 3, data_format=fmt), image
        elif kind == 3:
            inner, shape = L.DepthwiseConv2D(3, depth_multiplier=rng.randint(1, 3), data_format=fmt), image
        elif kind == 4:
            inner, shape = L.EinsumDense("abc,cd->abd", (3, rng.randint(1, 4)), bias_axes="d"), (3, 4)
        else:
            layer = L.SpectralNormalization(L.Embedding(rng.randint(2, 9), rng.randint(1, 4)))
            check(keras, layer, [(3,)], dtype="int32")
            continue
        check(keras, L.SpectralNormalization(inner), [shape])


def test_random_crop_and_augmentations(keras):
    rng, L = random.Random(18), keras.layers
    for _ in range(6):
        fmt = _pick(rng, "channels_last", "channels_first")
        shape = _pick(rng, (3, 9, 8), (3, None, 8)) if fmt == "channels_first" else (9, 8, 3)
        check(keras, L.RandomCrop(rng.randint(1, 7), rng.randint(1, 7), data_format=fmt), [shape])
    for name in ["AugMix", "CutMix", "MixUp", "RandAugment", "RandomElasticTransform",
                 "RandomPerspective", "ContrastLimitedAdaptiveHistogramEqualization"]:
        check(keras, getattr(L, name)(), [(8, 8, 3)])
    check(keras, L.Pipeline([L.RandomCrop(4, 5), L.RandomFlip(), L.Rescaling(0.5)]), [(9, 8, 3)])


def test_category_encoding_discretization_hashing(keras):
    rng, L = random.Random(19), keras.layers
    shapes = [(1,), (3,), (2, 3), (4, 1)]
    for _ in range(24):
        shape = _pick(rng, *shapes)
        kind = rng.randrange(4)
        if kind == 0:
            layer = L.CategoryEncoding(rng.randint(2, 9), output_mode=_pick(rng, "one_hot", "multi_hot", "count"))
            check(keras, layer, [shape], dtype="int32")
        elif kind == 1:
            bins = _pick(rng, {"bin_boundaries": sorted(rng.sample(range(10), rng.randint(1, 4)))},
                         {"num_bins": rng.randint(2, 6)})
            mode = _pick(rng, "int", "one_hot", "multi_hot", "count")
            check(keras, L.Discretization(output_mode=mode, **bins), [shape])
        elif kind == 2:
            mode = _pick(rng, "int", "one_hot", "multi_hot", "count")
            if mode == "one_hot":
                shape = (1,)
            check(keras, L.Hashing(rng.randint(2, 9), output_mode=mode), [shape], dtype="int32")
        else:
            mode = _pick(rng, "int", "one_hot")
            shape = (1,) if mode == "one_hot" else shape
            check(keras, L.HashedCrossing(rng.randint(2, 9), output_mode=mode), [shape, shape],
                  dtype="int32")


def test_lookups_and_text_vectorization(keras):
    rng, L = random.Random(20), keras.layers
    for _ in range(12):
        mode = _pick(rng, "int", "one_hot", "multi_hot", "count", "tf_idf")
        shape = _pick(rng, (1,), (3,), (2, 3))
        pad = rng.random() < 0.3
        vocab = list(range(1, rng.randint(2, 6)))
        kw = dict(output_mode=mode, pad_to_max_tokens=pad, max_tokens=9 if pad else None)
        if mode == "tf_idf":
            kw["idf_weights"] = [1.0] * len(vocab)
        if rng.random() < 0.5:
            layer = L.IntegerLookup(vocabulary=vocab, **kw)
            check(keras, layer, [shape], dtype="int32")
        else:
            layer = L.StringLookup(vocabulary=[str(v) for v in vocab], **kw)
            check(keras, layer, [shape], dtype="string")
    for _ in range(6):
        mode = _pick(rng, "int", "multi_hot", "count")
        layer = L.TextVectorization(output_mode=mode, vocabulary=["a", "b", "c"],
                                    output_sequence_length=_pick(rng, None, 5) if mode == "int" else None,
                                    split=_pick(rng, "whitespace", None))
        check(keras, layer, [_pick(rng, (1,), ())], dtype="string")


def test_spectrograms(keras):
    rng, L = random.Random(21), keras.layers
    for _ in range(8):
        stride = rng.randint(8, 64)
        layer = L.MelSpectrogram(fft_length=64, sequence_length=32, sequence_stride=stride,
                                 num_mel_bins=rng.randint(4, 20))
        check(keras, layer, [(rng.randint(100, 400),)])
    for _ in range(12):
        fmt = _pick(rng, "channels_last", "channels_first")
        frame = rng.randint(8, 32)
        c, t = rng.randint(1, 2), rng.randint(40, 80)
        layer = L.STFTSpectrogram(mode=_pick(rng, "log", "real", "imag", "stft", "angle"), frame_length=frame,
                                  frame_step=rng.randint(1, frame), fft_length=_pick(rng, None, 64),
                                  padding=_pick(rng, "valid", "same"), expand_dims=rng.random() < 0.5,
                                  data_format=fmt)
        check(keras, layer, [(c, t) if fmt == "channels_first" else (t, c)])


# ------------------------------------- the families counted before, damaged configs too


def _existing_layers(keras, rng):
    """(layer, shapes, dtype) for one random layer of each family counted before."""
    L = keras.layers
    fmt = _pick(rng, "channels_last", "channels_first")
    rank = rng.randint(1, 3)
    spatial = tuple(rng.randint(6, 8) for _ in range(rank))
    c = 2 * rng.randint(1, 2)
    image = (c, *spatial) if fmt == "channels_first" else (*spatial, c)
    img2 = (c, 7, 6) if fmt == "channels_first" else (7, 6, c)
    conv = dict(padding=_pick(rng, "valid", "same"), data_format=fmt, use_bias=rng.random() < 0.7)
    yield getattr(L, f"Conv{rank}D")(2 * rng.randint(1, 2), rng.randint(1, 3), strides=rng.randint(1, 2),
                                     groups=_pick(rng, 1, 2), **conv), [image], "float32"
    yield L.Conv1D(3, 3, padding="causal", dilation_rate=2), [(9, 2)], "float32"
    yield getattr(L, f"Conv{rank}DTranspose")(2, rng.randint(1, 3), strides=rng.randint(1, 2), **conv), \
        [image], "float32"
    yield L.DepthwiseConv2D(rng.randint(1, 3), depth_multiplier=rng.randint(1, 2), **conv), [img2], "float32"
    yield L.SeparableConv1D(3, rng.randint(1, 3), depth_multiplier=2, **conv), \
        [(c, 7) if fmt == "channels_first" else (7, c)], "float32"
    yield L.Dense(rng.randint(1, 5), use_bias=rng.random() < 0.7), [(3, rng.randint(1, 4))], "float32"
    yield L.Embedding(rng.randint(2, 9), rng.randint(1, 4)), [(3,)], "int32"
    yield L.BatchNormalization(axis=1 if fmt == "channels_first" else -1), [img2], "float32"
    yield L.LayerNormalization(axis=_pick(rng, -1, [1, 2])), [(3, 4)], "float32"
    yield L.GroupNormalization(groups=2, axis=1 if fmt == "channels_first" else -1), [img2], "float32"
    yield L.RMSNormalization(), [(3, 4)], "float32"
    yield L.Normalization(axis=-1), [(3, 4)], "float32"
    yield L.PReLU(shared_axes=_pick(rng, None, [1], [1, 2])), [(3, 4, 2)], "float32"
    yield getattr(L, f"{_pick(rng, 'Max', 'Average')}Pooling{rank}D")(
        2, strides=_pick(rng, None, 1), padding=_pick(rng, "valid", "same"), data_format=fmt), \
        [image], "float32"
    yield getattr(L, f"Global{_pick(rng, 'Max', 'Average')}Pooling{rank}D")(
        keepdims=rng.random() < 0.5, data_format=fmt), [image], "float32"
    yield L.Flatten(data_format=fmt), [img2], "float32"
    yield L.Reshape((-1, 2)), [(3, 4)], "float32"
    yield L.Permute((2, 1)), [(3, 4)], "float32"
    yield L.RepeatVector(3), [(4,)], "float32"
    yield getattr(L, f"ZeroPadding{rank}D")(1, data_format=fmt), [image], "float32"
    yield L.ZeroPadding2D(((1, 2), (0, 3)), data_format=fmt), [img2], "float32"
    yield getattr(L, f"Cropping{rank}D")(1, data_format=fmt) if rank > 1 else L.Cropping1D((1, 2)), \
        [image], "float32"
    yield getattr(L, f"UpSampling{rank}D")(2, data_format=fmt) if rank > 1 else L.UpSampling1D(3), \
        [image], "float32"
    yield L.Resizing(4, 5, data_format=fmt), [img2], "float32"
    yield L.CenterCrop(4, 5, data_format=fmt), [img2], "float32"
    yield L.Activation("relu"), [(3,)], "float32"


def test_families_counted_before(keras):
    rng, L = random.Random(22), keras.layers
    for _ in range(3):
        for layer, shapes, dtype in _existing_layers(keras, rng):
            check(keras, layer, shapes, dtype=dtype)
    check(keras, L.Concatenate(axis=_pick(rng, -1, 1)), [(3, 4), (3, 4)])
    check(keras, L.Add(), [(3, 4), (3, 4)])


def test_paper_layers(keras):
    from cnnzoo import layers as paper

    check(keras, paper.Subsampling(2), [(8, 8, 3)])
    check(keras, paper.LeNetC3(3, 3, [[0, 1], [1, 2], [0, 1, 2]]), [(8, 8, 3)])
    check(keras, paper.EuclideanRBF(4), [(6,)])
    check(keras, paper.LocalResponseNormalization(), [(5, 5, 3)])


# ------------------------------------- configurations taken from Keras' own layer tests


def _with(options):
    return lambda name, cfg, shapes: count_layer(name, cfg, shapes, call=options)


def test_call_options_that_change_the_outputs(keras):
    """Attention scores as a second output (the shape Keras declares), reversed embeddings."""
    L = keras.layers
    scores = _with({"return_attention_scores": True})

    def by_name(layer, inputs):
        return layer(*inputs, return_attention_scores=True)

    def listed(layer, inputs):
        return layer(inputs, return_attention_scores=True)

    for layer, shapes in [(L.MultiHeadAttention(2, 4), [(5, 8), (7, 8)]),
                          (L.MultiHeadAttention(2, 4, attention_axes=(2,)), [(3, 8, 4), (3, 8, 4)]),
                          (L.GroupQueryAttention(4, 4, 2), [(5, 16), (6, 16), (6, 16)])]:
        check(keras, layer, shapes, call=by_name, count=scores, damage=False)
    check(keras, L.Attention(), [(3, 5), (4, 5)], call=listed, count=scores, damage=False)
    check(keras, L.AdditiveAttention(), [(3, 5), (4, 5), (4, 5)], call=listed, count=scores, damage=False)
    for tie in (True, False):
        check(keras, L.ReversibleEmbedding(7, 3, tie_weights=tie), [(4, 3)], damage=False,
              call=lambda layer, inputs: layer(inputs[0], reverse=True), count=_with({"reverse": True}))


def test_unbatched_images_and_audio_and_one_global_normalization(keras):
    """Keras reads a rank-3 image and a rank-1 clip as unbatched; ``axis=None`` keeps scalars."""
    L = keras.layers
    check(keras, L.Resizing(5, 7, data_format="channels_first"), [(9, 11)])
    check(keras, L.CenterCrop(5, 7, data_format="channels_first"), [(9, 11)])
    for fmt in ("channels_last", "channels_first"):
        check(keras, L.RandomCrop(2, 2, data_format=fmt), [(4, 3)])
    check(keras, L.MelSpectrogram(num_mel_bins=8, sequence_stride=64, fft_length=128), [()],
          damage=False)
    check(keras, L.Normalization(axis=None), [(2, 3)])


# Layers whose weights come from code or outside objects, not from their config.
NOT_COUNTABLE = {"FlaxLayer", "JaxLayer", "Lambda", "Layer", "StackedRNNCells", "TFSMLayer",
                 "TorchModuleWrapper", "Wrapper"}


def test_every_keras_layer_class_has_a_formula_or_a_reason(keras):
    import inspect

    from cnnzoo.count import known_layers

    classes = {cls.__name__ for _, cls in inspect.getmembers(keras.layers)
               if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)}
    assert classes - set(known_layers()) == NOT_COUNTABLE  # a new Keras layer shows up here
