"""Every notebook runs top to bottom in quick mode (MINIGRAD_QUICK=1), as a student would run it,
so none can rot: each cell executes without error and every figure it shows is a real PNG."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="executing notebooks needs nbformat (the dev extra)")
nbclient = pytest.importorskip("nbclient", reason="executing notebooks needs nbclient (the dev extra)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))


def test_there_is_an_engine_notebook_and_one_per_unit():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "06", "07", "08", "09", "10"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path, monkeypatch):
    book = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in book.cells if cell.cell_type == "code"), \
        "notebooks are stored without outputs"
    monkeypatch.setenv("MINIGRAD_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    images = [out for cell in book.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if "image/png" in out.get("data", {})]
    errors = [out for cell in book.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    if path.stem != "00_engine":
        assert images, "a lesson notebook shows its figures inline"
