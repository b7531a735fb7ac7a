"""The notebooks as stored: outputs only where the tests check them, no run debris, a parameters cell."""

import json
import pathlib

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
CHECK = "nbval-check-output"  # nbval reads its markers from cell tags, out of students' sight


def _cells(path):
    return json.loads(path.read_text())["cells"]


def test_the_series_is_all_there():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_stored_only_for_checked_cells(path):
    for k, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code" and CHECK not in cell["metadata"].get("tags", []):
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name} cell {k} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_widget_state_or_execution_timestamps(path):
    nb = json.loads(path.read_text())
    assert "widgets" not in nb["metadata"], f"{path.name} stores widget state"
    for k, cell in enumerate(nb["cells"]):
        assert "execution" not in cell.get("metadata", {}), f"{path.name} cell {k} stores execution times"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_the_tagged_smoke_parameter(path):
    first = next(c for c in _cells(path) if c["cell_type"] == "code")
    assert "parameters" in first["metadata"].get("tags", [])
    assert 'SMOKE = os.environ.get("RNNLAB_SMOKE", "0") == "1"' in "".join(first["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_test_markers_in_cell_sources(path):
    for k, cell in enumerate(_cells(path)):
        assert "NBVAL" not in "".join(cell["source"]), f"{path.name} cell {k}: use a metadata tag"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_title_comes_first(path):
    first = _cells(path)[0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")
