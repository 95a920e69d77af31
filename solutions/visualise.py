"""Seeing what a network learned: PCA by SVD of its last hidden layer, and the plot of it."""

import numpy as np  # noqa: F401  (the stub leaves it for your code)


def pca(x, k):
    """The scores of the rows of ``x`` (N, d) on its first ``k`` principal components, (N, k).

    By SVD: centre each column (subtract its mean), take ``U, S, Vt = svd(centred)`` and
    return ``centred @ Vt[:k].T`` (the same as ``U[:, :k] * S[:k]``). A component's sign is
    free: the grader accepts each column or its negative, as it compares with
    scikit-learn's ``PCA(k).fit_transform(x)``.
    """
    # BEGIN SOLUTION
    centred = np.asarray(x, dtype=float) - np.mean(x, axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:k].T
    # END SOLUTION


def hidden_pca(weights, images):
    """The 2-D PCA of LeNet-5's last hidden layer (fc2, 84 values per image) on ``images``.

    ``weights``: the 10 arrays of the lecture's LeNet-5, in ``get_weights()`` order (as
    keras_lenet.build_lenet5 builds it: conv1, pool1, conv2, pool2, flatten, fc1, fc2, fc3;
    relu after conv1, conv2, fc1 and fc2; max pooling; softmax). ``images``: uint8
    (N, 32, 32), fed as ``x[..., None] / 255.0``. Return ``pca(activations_of_fc2, 2)``.
    """
    # BEGIN SOLUTION
    import keras
    net = keras.Sequential([
        keras.Input((32, 32, 1)),
        keras.layers.Conv2D(6, 5, activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(2, name="pool1"),
        keras.layers.Conv2D(16, 5, activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(2, name="pool2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(120, activation="relu", name="fc1"),
        keras.layers.Dense(84, activation="relu", name="fc2"),
        keras.layers.Dense(10, activation="softmax", name="fc3"),
    ])
    net.set_weights(weights)
    hidden = keras.Model(net.inputs, net.get_layer("fc2").output)
    x = (np.asarray(images)[..., None] / 255.0).astype("float32")
    return pca(hidden.predict(x, verbose=0), 2)
    # END SOLUTION


def plot_embedding(points, labels, path):
    """Scatter ``points`` (N, 2), coloured by ``labels``, and save the figure as ``path`` (a PNG
    file name, in the current folder).

    Return the positions as the saved figure holds them:
    ``np.concatenate([c.get_offsets() for c in ax.collections])`` (one row per point, in
    any order). The grader checks the PNG file is there and that every point was drawn.
    """
    # BEGIN SOLUTION
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=8)
    ax.set_title("last hidden layer, 2-D PCA")
    fig.savefig(path, dpi=60)
    drawn = np.concatenate([c.get_offsets() for c in ax.collections])
    plt.close(fig)
    return np.asarray(drawn, dtype=float)
    # END SOLUTION
