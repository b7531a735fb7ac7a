"""The notebooks' explorers in JupyterLab, in a real (headless) Chromium.

One JupyterLab server and one page for the module, on copies of the notebooks. For each notebook
with explorers: run all cells in smoke mode, check that no cell errored and that every widget
rendered (ipywidgets' front end and ipympl's are installed and agree with the kernel); then, for
each explorer, press an arrow key on its first slider, and check that the readout moved by the
slider's steps, that the kernel got the new value, and that the ipympl canvas shows new pixels;
last, that the page logged no error to its console (a failed widget state update shows only there).
A screenshot of each explorer goes to ``docs/screenshots/``. Then a page reload: the saved notebook
comes back and its explorer reconnects to the running kernel, draws and answers the keyboard.
"""

from __future__ import annotations

import re

import pytest

from . import _harness
from . import _pages
from .conftest import SCREENSHOTS, failed_since, new_page, save_if_failed

# notebook -> its explorers in page order: (variable, the control of its first slider, screenshot name)
NOTEBOOKS = {
    "01_dynamics_and_phase_portraits.ipynb": [("explorer", "w11", "jupyterlab_01")],
    "02_contraction.ipynb": [("explorer", "w11", "jupyterlab_02")],
    "04_divisive_normalization.ipynb": [("explorer", "w_r", "jupyterlab_04_circuit"),
                                        ("pool_explorer", "stimulus", "jupyterlab_04_pool")],
    "05_mean_field_and_nyquist.ipynb": [("explorer", "g", "jupyterlab_05")],
}
STEPS = 3  # arrow presses; each moves a slider by its step


@pytest.fixture(scope="module")
def lab(browser, request):
    """JupyterLab on copies of the notebooks, and one page on it (loading JupyterLab takes seconds)."""
    notebooks = [_harness.ROOT / "notebooks" / name for name in NOTEBOOKS]
    with _harness.jupyterlab(notebooks, keep_log=failed_since(request)) as (base, token):
        page = new_page(browser)
        yield base, token, page
        page.context.close()


@pytest.fixture
def lab_page(lab, request):
    base, token, page = lab
    yield page
    save_if_failed(page, request)


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_runs_and_its_explorers_respond_to_the_keyboard(lab, lab_page, name):
    base, token, page = lab
    _pages.open_notebook(page, base, token, name)
    _pages.run_all(page)

    assert _pages.cell_errors(page) == []
    explorers = page.locator(_pages.LAB_CURRENT).locator(_pages.LAB_EXPLORER)
    explorers.last.wait_for(timeout=30_000)
    assert explorers.count() == len(NOTEBOOKS[name])
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.js_errors == []
    for k, (variable, control, screenshot) in enumerate(NOTEBOOKS[name]):
        _check_explorer(page, explorers.nth(k), variable, control, screenshot)
    assert page.console_errors == []
    page.evaluate(f"{_pages.NOTEBOOK}.sessionContext.shutdown()")   # free the CPU for what follows


def test_an_explorer_comes_back_after_a_page_reload(lab, page):
    """A student reloads the page: JupyterLab restores the saved notebook, whose explorer views
    reconnect to the widgets in the still-running kernel; the figure must draw and answer the
    keyboard again. A page of its own, in a workspace of its own, so that the reload restores only
    this notebook."""
    base, token, _ = lab
    name = "01_dynamics_and_phase_portraits.ipynb"
    [(variable, control, _)] = NOTEBOOKS[name]
    page.goto(f"{base}/lab/workspaces/reload-test/tree/{name}?token={token}")
    _pages.wait_for_notebook(page, name)
    _pages.run_all(page)
    explorer = page.locator(_pages.LAB_CURRENT).locator(_pages.LAB_EXPLORER)
    explorer.wait_for(timeout=30_000)
    _pages.show_whole(explorer)
    _pages.wait_until(page, lambda: _pages.canvas_drawn(explorer.locator(_pages.LAB_CANVAS)))
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")

    page.reload()
    _pages.wait_for_notebook(page, name)
    explorer = page.locator(_pages.LAB_CURRENT).locator(_pages.LAB_EXPLORER)
    explorer.wait_for(timeout=30_000)
    _check_explorer(page, explorer, variable, control)
    assert page.js_errors == []
    assert page.console_errors == []
    page.evaluate(f"{_pages.NOTEBOOK}.sessionContext.shutdown()")


def _check_explorer(page, explorer, variable: str, control: str, screenshot: str | None = None) -> None:
    """Screenshot one explorer (if ``screenshot`` names one), press an arrow key on its first slider,
    check the kernel and the figure."""
    canvas = explorer.locator(_pages.LAB_CANVAS)
    _pages.show_whole(explorer)
    try:
        _pages.wait_until(page, lambda: _pages.canvas_drawn(canvas))   # the figure arrived from the kernel
    except AssertionError as error:
        size = canvas.evaluate("c => `${c.width} x ${c.height}`")
        raise AssertionError(f"{variable}'s figure never drew (canvas {size}); the console's errors: "
                             f"{page.console_errors}") from error
    if screenshot is not None:
        explorer.screenshot(path=SCREENSHOTS / f"{screenshot}.png")

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


def _number(text: str) -> float:
    """A slider readout as a float (ipywidgets writes minus signs as U+2212)."""
    return float(text.replace("\u2212", "-"))
