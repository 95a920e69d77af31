"""The checker on KerasHub: every backbone and task model buildable here from a small random
configuration (no preset, no download), summarized by the documented ``summarize(model)``.

Per model: whether cnnzoo's total is Keras' ``count_params()`` exactly, whether it crashed,
shape mismatches, rows not counted, and the share of parameters counted by cnnzoo's own
formulas (the rest read from variables). Models KerasHub itself cannot build from the small
configuration are listed apart (not the checker's doing).

    KERAS_BACKEND=tensorflow python benchmarks/kerashub_coverage.py [NAME ...]
"""

from __future__ import annotations

import inspect
import os
import statistics
import sys
import time
import traceback

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras_hub  # noqa: E402

import cnnzoo  # noqa: E402

M, L = keras_hub.models, keras_hub.layers

# Every required constructor argument a text or vision transformer asks for, small.
POOL = dict(
    vocabulary_size=64, vocab_size=64, num_layers=1, num_heads=2, num_query_heads=2, num_key_value_heads=1,
    num_attention_heads=2, hidden_dim=16, hidden_size=16, intermediate_dim=32, head_dim=8, head_size=8,
    embedding_dim=16, mlp_dim=32, max_sequence_length=32, num_experts=2, moe_intermediate_dim=16,
    shared_expert_intermediate_dim=16, shared_expert_intermediate_size=16, top_k=1, patch_size=4,
    image_shape=(16, 16, 3), image_size=16, num_layers_enc=1, num_layers_dec=1, filter_dim=16,
    encoder_num_layers=1, decoder_num_layers=1, encoder_num_heads=2, decoder_num_heads=2,
    global_attention_layer_indices=[0], vit_patch_size=4, vit_num_heads=2, vit_hidden_dim=16,
    vit_num_layers=1, attention_bias=False, attention_dropout=0.0, rope_layer_enabled_list=[1],
    layer_types=["full_attention"], mlp_bias=False, layer_norm_epsilon=1e-6, max_position_embeddings=32,
    rope_theta=10000.0, partial_rotary_factor=1.0, num_frames=2, num_spatial_layers=1,
    num_temporal_layers=1, num_auxiliary_layers=1, stackwise_num_repeats=[1, 1],
    stackwise_num_filters=[4, 8],
)
SPECIAL = {
    "ResNetBackbone": dict(input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 16],
                           stackwise_num_blocks=[1, 1], stackwise_num_strides=[1, 2], block_type="basic_block",
                           image_shape=(32, 32, 3)),
    "EfficientNetBackbone": dict(stackwise_kernel_sizes=[3, 3], stackwise_num_repeats=[1, 1],
                                 stackwise_input_filters=[8, 8], stackwise_output_filters=[8, 16],
                                 stackwise_expansion_ratios=[1, 4], stackwise_squeeze_and_excite_ratios=[0, 0.25],
                                 stackwise_strides=[1, 2], stackwise_block_types=["fused", "unfused"],
                                 width_coefficient=1.0, depth_coefficient=1.0, input_shape=(32, 32, 3)),
    "DenseNetBackbone": dict(stackwise_num_repeats=[1, 1], image_shape=(32, 32, 3)),
    "VGGBackbone": dict(stackwise_num_repeats=[1, 1], stackwise_num_filters=[4, 8], image_shape=(32, 32, 3)),
    "XceptionBackbone": dict(stackwise_conv_filters=[[8, 8], [16, 16]], stackwise_pooling=[True, False],
                             image_shape=(32, 32, 3)),
    "CSPNetBackbone": dict(stem_filters=8, stem_kernel_size=3, stem_strides=2, stackwise_depth=[1, 1],
                           stackwise_strides=2, stackwise_num_filters=[8, 16], block_type="dark_block",
                           image_shape=(32, 32, 3)),
    "SwinTransformerBackbone": dict(image_shape=(32, 32, 3), embed_dim=8, depths=(1, 1), num_heads=(1, 2),
                                    window_size=4, patch_size=2),
    "MiTBackbone": dict(image_shape=(32, 32, 3), num_layers=2, hidden_dims=[8, 16], layerwise_depths=[1, 1],
                        layerwise_num_heads=[1, 2], layerwise_sr_ratios=[2, 1], layerwise_patch_sizes=[3, 3],
                        layerwise_strides=[2, 2], max_drop_path_rate=0.1),
    "DeiTBackbone": dict(image_shape=(16, 16, 3), patch_size=4, num_layers=1, num_heads=2, hidden_dim=16,
                         intermediate_dim=32),
    "ViTBackbone": dict(image_shape=(16, 16, 3), patch_size=4, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32),
    "DINOV2Backbone": dict(patch_size=4, num_layers=1, hidden_dim=16, num_heads=2, intermediate_dim=32,
                           image_shape=(16, 16, 3)),
    "DINOV3Backbone": dict(patch_size=4, num_layers=1, hidden_dim=16, num_heads=2, intermediate_dim=32,
                           image_shape=(16, 16, 3)),
    "ViTDetBackbone": dict(hidden_size=16, num_layers=2, intermediate_dim=32, num_heads=2,
                           global_attention_layer_indices=[1], patch_size=4, num_output_channels=8,
                           window_size=2, image_shape=(16, 16, 3)),
}


OPTIONAL = dict(max_sequence_length=32, max_encoder_sequence_length=32, max_decoder_sequence_length=32,
                top_k=1, num_experts_per_tok=1)


def _kwargs(cls):
    params = inspect.signature(cls.__init__).parameters
    return {**{p: OPTIONAL[p] for p in params if p in OPTIONAL},
            **{p: POOL[p] for p, v in params.items() if v.default is inspect.Parameter.empty and p in POOL}}


def _composites():
    """Backbones built of other models (encoders, decoders), and task models around backbones."""
    def clip():
        vision = M.CLIPVisionEncoder(patch_size=4, hidden_dim=16, num_layers=1, num_heads=2, intermediate_dim=32,
                                     image_shape=(16, 16, 3))
        text = M.CLIPTextEncoder(vocabulary_size=64, embedding_dim=16, hidden_dim=16, num_layers=1, num_heads=2,
                                 intermediate_dim=32, max_sequence_length=8)
        return M.CLIPBackbone(vision_encoder=vision, text_encoder=text, projection_dim=8)

    def siglip():
        vision = M.SigLIPVisionEncoder(patch_size=4, hidden_dim=16, num_layers=1, num_heads=2, intermediate_dim=32,
                                       image_shape=(16, 16, 3))
        text = M.SigLIPTextEncoder(vocabulary_size=64, embedding_dim=16, hidden_dim=16, num_layers=1, num_heads=2,
                                   intermediate_dim=32, max_sequence_length=8)
        return M.SigLIPBackbone(vision_encoder=vision, text_encoder=text)

    def sam():
        encoder = M.ViTDetBackbone(hidden_size=16, num_layers=2, intermediate_dim=32, num_heads=2,
                                   global_attention_layer_indices=[1], patch_size=16, num_output_channels=8,
                                   window_size=2, image_shape=(128, 128, 3))
        prompt = L.SAMPromptEncoder(hidden_size=8, image_embedding_size=(8, 8), input_image_size=(128, 128),
                                    mask_in_channels=16)
        decoder = L.SAMMaskDecoder(num_layers=1, hidden_size=8, intermediate_dim=16, num_heads=2, embedding_dim=8,
                                   num_multimask_outputs=3, iou_head_depth=2, iou_head_hidden_dim=8)
        return M.SAMBackbone(image_encoder=encoder, prompt_encoder=prompt, mask_decoder=decoder)

    def mit():
        return M.MiTBackbone(**SPECIAL["MiTBackbone"])

    def resnet():
        return M.ResNetBackbone(**SPECIAL["ResNetBackbone"])

    def text(name, **kw):
        return getattr(M, name)(**{**_kwargs(getattr(M, name)), **kw})

    return {
        "CLIPBackbone": clip, "SigLIPBackbone": siglip, "SAMBackbone": sam,
        "SegFormerBackbone": lambda: M.SegFormerBackbone(image_encoder=mit(), projection_filters=8),
        "DeepLabV3Backbone": lambda: M.DeepLabV3Backbone(image_encoder=resnet(), spatial_pyramid_pooling_key="P3",
                                                         upsampling_size=4, dilation_rates=[2, 4],
                                                         image_shape=(32, 32, 3)),
        "RetinaNetBackbone": lambda: M.RetinaNetBackbone(image_encoder=resnet(), min_level=2, max_level=3,
                                                         use_p5=False, image_shape=(32, 32, 3)),
        "BertTextClassifier": lambda: M.BertTextClassifier(text("BertBackbone"), num_classes=3, preprocessor=None),
        "BertMaskedLM": lambda: M.BertMaskedLM(text("BertBackbone"), preprocessor=None),
        "GPT2CausalLM": lambda: M.GPT2CausalLM(text("GPT2Backbone"), preprocessor=None),
        "GemmaCausalLM": lambda: M.GemmaCausalLM(text("GemmaBackbone"), preprocessor=None),
        "LlamaCausalLM": lambda: M.LlamaCausalLM(text("LlamaBackbone"), preprocessor=None),
        "RobertaTextClassifier": lambda: M.RobertaTextClassifier(text("RobertaBackbone"), num_classes=2,
                                                                 preprocessor=None),
        "ResNetImageClassifier": lambda: M.ResNetImageClassifier(resnet(), num_classes=4, preprocessor=None),
        "ViTImageClassifier": lambda: M.ViTImageClassifier(M.ViTBackbone(**SPECIAL["ViTBackbone"]), num_classes=4,
                                                           preprocessor=None),
    }


def cases():
    out = {}
    for name in sorted(n for n in dir(M) if n.endswith("Backbone") and n not in ("Backbone",)):
        cls = getattr(M, name)
        out[name] = (lambda cls=cls, name=name: cls(**SPECIAL.get(name, _kwargs(cls))))
    out.update(_composites())
    return out


def check(model):
    s = cnnzoo.summarize(model)
    return {"exact": s.total == model.count_params() and s.trainable == sum(
        int(keras.ops.size(w)) for w in model.trainable_weights), "mismatches": len(s.mismatches),
            "uncounted": len(s.uncounted), "share": s.formula_share, "rows": len(s.rows),
            "opaque": sum(r.basis == "keras" for r in s.rows)}


def main(names):
    built, unbuildable, results = 0, {}, {}
    for name, make in cases().items():
        if names and name not in names:
            continue
        try:
            model = make()
        except Exception as err:  # noqa: BLE001  (KerasHub's own limits on a small config)
            unbuildable[name] = f"{type(err).__name__}: {str(err)[:100]}"
            continue
        built += 1
        start = time.perf_counter()
        try:
            results[name] = {**check(model), "crash": ""}
        except Exception as err:  # noqa: BLE001
            results[name] = {"exact": False, "mismatches": 0, "uncounted": 0, "share": 0.0, "rows": 0, "opaque": 0,
                             "crash": f"{type(err).__name__}: {str(err)[:200]}"}
            if os.environ.get("TRACEBACK"):
                traceback.print_exc()
        r = results[name]
        print(f"{name:36s} exact={r['exact']!s:5s} crash={'yes' if r['crash'] else 'no':3s} "
              f"mismatches={r['mismatches']:<3d} uncounted={r['uncounted']:<3d} not-expanded={r['opaque']:<3d} "
              f"formulas={r['share']:6.1%} rows={r['rows']:<4d} {time.perf_counter() - start:5.1f} s "
              f"{r['crash']}", flush=True)
    for name, why in unbuildable.items():
        print(f"{name:36s} not built from the small config: {why}")
    ok = [r for r in results.values() if not r["crash"]]
    print(f"\n{built} models built; exact total {sum(r['exact'] for r in results.values())}/{built}, "
          f"crashes {built - len(ok)}, with a shape mismatch {sum(r['mismatches'] > 0 for r in ok)}, "
          f"with rows not counted {sum(r['uncounted'] > 0 for r in ok)}, with a layer not expanded "
          f"{sum(r['opaque'] > 0 for r in ok)}; share counted by cnnzoo's formulas: "
          f"median {statistics.median([r['share'] for r in ok] or [0]):.1%}, "
          f"lowest {min([r['share'] for r in ok] or [0]):.1%}; {len(unbuildable)} not buildable here")


if __name__ == "__main__":
    main(sys.argv[1:])
