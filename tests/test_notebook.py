"""The lecture notebook runs top to bottom, so it cannot rot."""

import os
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "cnn_lecture.ipynb"


@pytest.mark.slow
def test_lecture_notebook_executes(monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # the kernel must be this interpreter (with cnnzoo), not whatever "python" is on PATH
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {i: "".join(o.get("text", "") for o in cell.get("outputs", []))
               for i, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    text = "\n".join(outputs.values())
    assert "32,400,000,100" in text and "[[ 6. 17.  3.]\n [ 8. 17. 13.]" in text
    assert "Total params: 61,706" in text
    assert "depth 4 = number of filters" in text and "per-pixel dense layer: True" in text
    error = float(text.split("relative error ")[1].split()[0])
    assert error < 1e-7  # TensorFlow's gradient agrees with the numerical one
    assert "conv2: expected (5*5*6 + 1)*16 = 2,416, got 2,400" in text
    images = sum(1 for cell in nb.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))
    assert images >= 8
