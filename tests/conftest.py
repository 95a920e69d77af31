"""Shared fixtures. TensorFlow's log noise is kept out; Keras loads only in tests that ask."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def keras():
    import keras as _keras

    return _keras


@pytest.fixture(scope="session")
def tf():
    import tensorflow as _tf

    return _tf
