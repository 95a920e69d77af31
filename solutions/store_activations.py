"""Transfer learning, "store activations": what caching the frozen backbone's output saves."""


def vgg16_feature_shape(input_size: int) -> tuple:
    """Shape (h, w, c) of VGG-16's last pooling output (no top) for an ``input_size`` square RGB image.

    Five 2x2 stride-2 poolings; the 3x3 convolutions use "same" padding; 512 channels at the end.
    """
    # BEGIN SOLUTION
    size = input_size
    for _ in range(5):
        size //= 2
    return (size, size, 512)
    # END SOLUTION


def backbone_passes(n_images: int, epochs: int, cached: bool) -> int:
    """How many images go through the frozen backbone when training a head for ``epochs``.

    Without a cache each epoch recomputes every image; with stored activations only once.
    """
    # BEGIN SOLUTION
    return n_images if cached else n_images * epochs
    # END SOLUTION


def cache_bytes(n_images: int, feature_shape: tuple, bytes_per_value: int = 4) -> int:
    """Disk or memory needed to store the features of ``n_images`` (float32: 4 bytes each)."""
    # BEGIN SOLUTION
    size = 1
    for d in feature_shape:
        size *= d
    return n_images * size * bytes_per_value
    # END SOLUTION
