"""AlexNet: one stream, or the paper's two towers (grouped convolutions, LRN)."""

from __future__ import annotations

from cnnzoo.specs import blocks
from cnnzoo.specs.registry import ModelSpec, register_model


@register_model("alexnet")
def alexnet_spec(input_shape: tuple[int, int, int] = (227, 227, 3), num_classes: int = 1000,
                 variant: str = "single") -> ModelSpec:
    """AlexNet (Krizhevsky et al. 2012) with local response normalization and dropout.
    ``"single"``: one stream (62,378,344 parameters). ``"paper"``: the two-GPU towers, so
    conv2, conv4 and conv5 see half the channels (``groups=2``): 60,965,224.
    """
    variant, n = blocks.variant(variant, ("single", "paper")), blocks.classes(num_classes)
    g = 2 if variant == "paper" else 1
    lrn = {"depth_radius": 2, "bias": 2.0, "alpha": 1e-4, "beta": 0.75}
    layers = [
        blocks.input(input_shape),
        blocks.conv("conv1", 96, 11, stride=4),
        blocks.layer("LocalResponseNormalization", "lrn1", **lrn),
        blocks.pool("pool1", 3, 2),
        blocks.conv("conv2", 256, 5, padding="same", groups=g),
        blocks.layer("LocalResponseNormalization", "lrn2", **lrn),
        blocks.pool("pool2", 3, 2),
        blocks.conv("conv3", 384, 3, padding="same"),
        blocks.conv("conv4", 384, 3, padding="same", groups=g),
        blocks.conv("conv5", 256, 3, padding="same", groups=g),
        blocks.pool("pool5", 3, 2),
        blocks.layer("Flatten", "flatten"),
        blocks.dense("fc6", 4096),
        blocks.layer("Dropout", "drop6", rate=0.5),
        blocks.dense("fc7", 4096),
        blocks.layer("Dropout", "drop7", rate=0.5),
        blocks.dense("fc8", n, activation="softmax"),
    ]
    return ModelSpec("alexnet", layers, variant, {"input_shape": tuple(input_shape),
                                                  "num_classes": n})
