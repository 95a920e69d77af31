"""KerasHub's models, built small from random configurations (no preset, no download), read by
the documented ``summarize(model)``: Keras' exact total and trainable split, no shape
mismatch, no row left uncounted or counted by Keras' number alone, tied tables counted once.
``benchmarks/kerashub_coverage.py`` runs every backbone and task model buildable here.
"""

import json

import numpy as np
import pytest

import cnnzoo

pytestmark = pytest.mark.keras

keras_hub = pytest.importorskip("keras_hub")
M = keras_hub.models
TEXT = dict(vocabulary_size=64, num_layers=1, hidden_dim=16, intermediate_dim=32, max_sequence_length=16)
DECODER = dict(vocabulary_size=64, num_layers=1, num_query_heads=2, num_key_value_heads=1, hidden_dim=16,
               intermediate_dim=32)


def _exact(model, **kw):
    s = cnnzoo.summarize(model, **kw)
    assert s.mismatches == [], "\n".join(map(str, s.mismatches))
    assert s.uncounted == [], [r.name for r in s.uncounted]
    assert [r.name for r in s.rows if r.basis == "keras"] == []  # nothing left to Keras' number
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (s.total, s.trainable, s.keras_total) == (model.count_params(), trainable, model.count_params())
    assert 0 < s.formula_params <= s.total and "(agrees)" in str(s)
    return s


def test_bert_backbone_is_exact_and_its_encoders_expanded():
    model = M.BertBackbone(num_heads=2, **TEXT)
    s = _exact(model)
    encoder = s["transformer_layer_0"]
    assert encoder.container and encoder.params == encoder.keras_params
    assert s["transformer_layer_0/self_attention_layer"].explain.startswith("query (16*2*8 + 2*8)")
    assert s["position_embedding"].basis == "variables" and s["position_embedding"].params == 16 * 16
    assert s.formula_share == pytest.approx(1 - 16 * 16 / model.count_params())
    with pytest.raises(ValueError, match=r"BertBackbone .*constructor's arguments.*built only by its code"):
        cnnzoo.summarize(model.to_json())
    assert "keras_hub>BertBackbone" in json.loads(model.to_json())["registered_name"]


def test_gpt2_causal_lm_counts_its_tied_embedding_once():
    model = M.GPT2CausalLM(M.GPT2Backbone(num_heads=2, **TEXT), preprocessor=None)
    s = _exact(model)
    head = s["token_embedding"]  # the backbone's table, called again as the output layer
    assert (head.params, head.tied) == (0, 64 * 16) and "tied with gpt2_backbone/token_embedding" in head.explain


@pytest.mark.parametrize("build", [
    lambda: M.ViTBackbone(image_shape=(16, 16, 3), patch_size=4, num_layers=1, num_heads=2, hidden_dim=16,
                          mlp_dim=32),
    lambda: M.ResNetBackbone(input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 16],
                             stackwise_num_blocks=[1, 1], stackwise_num_strides=[1, 2], block_type="basic_block",
                             image_shape=(32, 32, 3)),
    lambda: M.LlamaCausalLM(M.LlamaBackbone(**DECODER), preprocessor=None),
    lambda: M.GemmaBackbone(head_dim=8, **DECODER),
    lambda: M.CLIPBackbone(
        vision_encoder=M.CLIPVisionEncoder(patch_size=4, hidden_dim=16, num_layers=1, num_heads=2,
                                           intermediate_dim=32, image_shape=(16, 16, 3)),
        text_encoder=M.CLIPTextEncoder(vocabulary_size=64, embedding_dim=16, hidden_dim=16, num_layers=1,
                                       num_heads=2, intermediate_dim=32, max_sequence_length=8),
        projection_dim=8),
    lambda: M.WhisperBackbone(num_heads=2, **{k: v for k, v in TEXT.items() if k != "max_sequence_length"},
                              max_encoder_sequence_length=32, max_decoder_sequence_length=16),
], ids=["vit", "resnet", "llama_causal_lm", "gemma", "clip", "whisper"])
def test_kerashub_backbones_and_task_models_are_exact(build):
    s = _exact(build())
    assert not [r.name for r in s.rows if r.container and r.params != r.keras_params and r.keras_params]


def test_vit_class_token_is_a_row_of_its_own():
    model = M.ViTBackbone(image_shape=(16, 16, 3), patch_size=4, num_layers=1, num_heads=2, hidden_dim=16,
                          mlp_dim=32)
    s = _exact(model)
    own = s["vit_patching_and_embedding/(own weights)"]
    assert (own.params, own.basis, own.explain) == (16, "variables", "own weights: class_token 1*1*16 = 16")
