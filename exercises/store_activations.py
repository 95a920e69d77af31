"""Transfer learning, "store activations": what caching the frozen backbone's output saves."""


def vgg16_feature_shape(input_size: int) -> tuple:
    """Shape (h, w, c) of VGG-16's last pooling output (no top) for an ``input_size`` square RGB image.

    Five 2x2 stride-2 poolings; the 3x3 convolutions use "same" padding; 512 channels at the end.
    """
    raise NotImplementedError("vgg16_feature_shape: fill this in")


def backbone_passes(n_images: int, epochs: int, cached: bool) -> int:
    """How many images go through the frozen backbone when training a head for ``epochs``.

    Without a cache each epoch recomputes every image; with stored activations only once.
    """
    raise NotImplementedError("backbone_passes: fill this in")


def cache_bytes(n_images: int, feature_shape: tuple, bytes_per_value: int = 4) -> int:
    """Disk or memory needed to store the features of ``n_images`` (float32: 4 bytes each)."""
    raise NotImplementedError("cache_bytes: fill this in")
