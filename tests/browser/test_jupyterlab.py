"""The notebooks' explorers in JupyterLab, in a real (headless) Chromium.

One JupyterLab server for the module, on copies of the notebooks. For each notebook with an
explorer: run all cells in smoke mode, check that no cell errored and that every widget rendered
(ipywidgets' front end and ipympl's are installed and agree with the kernel), press an arrow key
on the explorer's first slider, and check that the kernel got the new value and that the ipympl
canvas shows new pixels. A screenshot of each explorer goes to ``docs/screenshots/``.
"""

from __future__ import annotations

import re

import pytest

import _harness
import _pages
from conftest import SCREENSHOTS, new_page, save_if_failed

NOTEBOOKS = {  # notebook -> the explorer's variable and the control its first slider sets
    "01_dynamics_and_phase_portraits.ipynb": ("explorer", "w11"),
    "02_contraction.ipynb": ("explorer", "w11"),
}
STEPS = 3  # arrow presses; each moves a slider by its step


@pytest.fixture(scope="module")
def lab(browser):
    """JupyterLab on copies of the notebooks, and one page on it (loading JupyterLab takes seconds)."""
    with _harness.jupyterlab([_harness.ROOT / "notebooks" / name for name in NOTEBOOKS]) as (base, token):
        page = new_page(browser)
        yield base, token, page
        page.context.close()


@pytest.fixture
def lab_page(lab, request):
    base, token, page = lab
    yield page
    save_if_failed(page, request)


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_runs_and_its_explorer_responds_to_the_keyboard(lab, lab_page, name):
    base, token, page = lab
    variable, control = NOTEBOOKS[name]
    _pages.open_notebook(page, base, token, name)
    _pages.run_all(page)

    assert _pages.cell_errors(page) == []
    explorer = page.locator(_pages.LAB_CURRENT).locator(_pages.LAB_EXPLORER).last
    explorer.wait_for(timeout=30_000)
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.locator(".jupyter-widgets").count() > 0
    assert page.js_errors == []
    canvas = explorer.locator(_pages.LAB_CANVAS)
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=SCREENSHOTS / f"jupyterlab_{name.split('_')[0]}.png")

    slider = explorer.locator(".widget-slider").first
    readout = slider.locator(".widget-readout")
    step = float(re.search(r"[\d.]+", _pages.kernel_eval(
        page, f"print({variable}.controls[{control!r}].step)")).group())
    expected = round(_number(readout.inner_text()) + STEPS * step, 10)
    before_pixels = _pages.canvas_pixels(canvas)
    _pages.press_on(slider.locator(_pages.SLIDER_HANDLE), "ArrowRight", STEPS)

    # The browser shows the new value, the kernel gets it, and the figure changes.
    _pages.wait_until(page, lambda: _number(readout.inner_text()) == pytest.approx(expected, abs=1e-9))
    _pages.wait_until(page, lambda: float(_pages.kernel_eval(
        page, f"print({variable}.values[{control!r}])")) == pytest.approx(expected, abs=1e-9))
    _pages.wait_changed(page, lambda: _pages.canvas_pixels(canvas), before_pixels)
    page.evaluate(f"{_pages.NOTEBOOK}.sessionContext.shutdown()")   # free the CPU for what follows


def _number(text: str) -> float:
    """A slider readout as a float (ipywidgets writes minus signs as U+2212)."""
    return float(text.replace("\u2212", "-"))
