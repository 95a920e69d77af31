"""Per-layer summaries of any model, counted independently, and ``check_params``.

:func:`summarize` walks a model's layer graph from its config (a registered spec, a
live ``keras.Model``, a ``model.to_json()`` string, or a saved ``.keras`` file) and asks
:mod:`cnnzoo.count` for every layer's output shape, parameters and MACs. For a live
model it then sets Keras' own count beside each row; :attr:`Summary.mismatches` lists
where they differ. Nothing here imports TensorFlow: a live model is read through its
own methods.

>>> s = summarize("lenet5")
>>> s.total, s.trainable, s.non_trainable
(61706, 61706, 0)
>>> s["conv2"].explain
'(5*5*6 + 1)*16 = 2,416'
>>> s["flatten"].output_shape
(400,)
"""

from cnnzoo.summary.check import check_params
from cnnzoo.summary.readers import summarize
from cnnzoo.summary.rows import Row, Summary

__all__ = ["Row", "Summary", "summarize", "check_params"]
