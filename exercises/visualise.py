"""Seeing what a network learned: PCA by SVD of its last hidden layer, and the plot of it."""

import numpy as np  # noqa: F401  (the stub leaves it for your code)


def pca(x, k):
    """The scores of the rows of ``x`` (N, d) on its first ``k`` principal components, (N, k).

    By SVD: centre each column (subtract its mean), take ``U, S, Vt = svd(centred)`` and
    return ``centred @ Vt[:k].T`` (the same as ``U[:, :k] * S[:k]``). A component's sign is
    free: the grader accepts each column or its negative, as it compares with
    scikit-learn's ``PCA(k).fit_transform(x)``.
    """
    raise NotImplementedError("pca: fill this in")


def hidden_pca(weights, images):
    """The 2-D PCA of LeNet-5's last hidden layer (fc2, 84 values per image) on ``images``.

    ``weights``: the 10 arrays of the lecture's LeNet-5, in ``get_weights()`` order (as
    keras_lenet.build_lenet5 builds it: conv1, pool1, conv2, pool2, flatten, fc1, fc2, fc3;
    relu after conv1, conv2, fc1 and fc2; max pooling; softmax). ``images``: uint8
    (N, 32, 32), fed as ``x[..., None] / 255.0``. Return ``pca(activations_of_fc2, 2)``.
    """
    raise NotImplementedError("hidden_pca: fill this in")


def plot_embedding(points, labels, path):
    """Scatter ``points`` (N, 2), coloured by ``labels``, and save the figure as ``path`` (a PNG
    file name, in the current folder).

    Return the positions as the saved figure holds them:
    ``np.concatenate([c.get_offsets() for c in ax.collections])`` (one row per point, in
    any order). The grader checks the PNG file is there and that every point was drawn.
    """
    raise NotImplementedError("plot_embedding: fill this in")
