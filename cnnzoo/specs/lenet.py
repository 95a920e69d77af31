"""LeNet-5: the lecture's version and LeCun et al. (1998)'s, with its C3 connection table."""

from __future__ import annotations

from cnnzoo.specs import blocks
from cnnzoo.specs.registry import ModelSpec, register_model

#: LeCun et al. (1998), Table I: the S2 maps (rows) feeding each C3 map (columns).
C3_TABLE: tuple[tuple[int, ...], ...] = (
    *((j % 6, (j + 1) % 6, (j + 2) % 6) for j in range(6)),
    *((j % 6, (j + 1) % 6, (j + 2) % 6, (j + 3) % 6) for j in range(6)),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


@register_model("lenet5")
def lenet5_spec(input_shape: tuple[int, int, int] = (32, 32, 1), num_classes: int = 10,
                variant: str = "lecture") -> ModelSpec:
    """LeNet-5. ``"lecture"``: the lecture's network (61,706 parameters for 10 classes).
    ``"paper"``: LeCun et al. 1998: trainable subsampling, the C3 connection table, F6 of
    84 units and a fixed Euclidean RBF output (60,000 trainable, 60,840 in all).
    """
    variant, n = blocks.variant(variant, ("lecture", "paper")), blocks.classes(num_classes)
    first = blocks.input(input_shape)
    if variant == "lecture":
        layers = [
            first,
            blocks.conv("conv1", 6, 5, activation="relu"),
            blocks.pool("pool1", 2),
            blocks.conv("conv2", 16, 5, activation="relu"),
            blocks.pool("pool2", 2),
            blocks.layer("Flatten", "flatten"),
            blocks.dense("fc1", 120),
            blocks.dense("fc2", 84),
            blocks.dense("fc3", n, activation="softmax"),
        ]
    else:
        layers = [
            first,
            blocks.conv("C1", 6, 5, activation="lecun_tanh"),
            blocks.layer("Subsampling", "S2", pool_size=2, activation="lecun_tanh"),
            blocks.layer("LeNetC3", "C3", filters=16, kernel_size=5,
                   table=[list(t) for t in C3_TABLE], activation="lecun_tanh"),
            blocks.layer("Subsampling", "S4", pool_size=2, activation="lecun_tanh"),
            blocks.conv("C5", 120, 5, activation="lecun_tanh"),
            blocks.layer("Flatten", "flatten"),
            blocks.dense("F6", 84, activation="lecun_tanh"),
            blocks.layer("EuclideanRBF", "output", units=n, trainable=False),
        ]
    return ModelSpec("lenet5", layers, variant, {"input_shape": tuple(input_shape),
                                                 "num_classes": n})
