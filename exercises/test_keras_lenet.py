import pytest

import cnnzoo
from cnnzoo.grading import Wrong

MODULE = "keras_lenet"


@pytest.fixture(scope="module", autouse=True)
def keras():
    """Import Keras once, before the timed tests (it takes seconds, not the student's code)."""
    import keras as _keras

    return _keras


@pytest.mark.points(5)
def test_build_lenet5_matches_the_lecture(student):
    model = student.build_lenet5()
    try:
        cnnzoo.check_params(model, "lenet5")
    except ValueError as err:  # the diff names layers and formulas, not the student's secret
        raise Wrong(str(err)) from None


@pytest.mark.points(1)
def test_build_lenet5_output_shape(student):
    model = student.build_lenet5()
    if tuple(model.output.shape) != (None, 10):
        raise Wrong(f"the model must end in 10 class scores; its output is {tuple(model.output.shape)}")
