"""The standalone app (``panel serve rnnlab/app.py``) in a real (headless) Chromium.

One server for the module. The page must show one tab per entry of ``rnnlab.app.EXPLORERS``; in
each tab the figure must render, an arrow key on the first slider must move it by its step, and
the figure must come back with new pixels. A screenshot of each tab goes to ``docs/screenshots/``.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from . import _harness
from . import _pages
from .conftest import SCREENSHOTS, failed_since

STEPS = 2


@pytest.fixture(scope="module")
def app_url(browser, request):
    with _harness.panel_app(keep_log=failed_since(request)) as url:
        yield url


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def _pixels(src: str) -> np.ndarray:
    """The pixels of a ``data:image/png;base64,...`` source."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def test_every_explorer_has_a_tab_that_renders_and_responds_to_the_keyboard(app_url, page):
    from rnnlab.app import EXPLORERS

    page.goto(app_url)
    figure = page.locator("img:visible").first
    figure.wait_for(timeout=60_000)
    assert page.locator(".bk-tab").all_inner_texts() == list(EXPLORERS)

    for title in EXPLORERS:
        page.locator(".bk-tab", has_text=title).click()
        handle = page.locator(f"{_pages.SLIDER_HANDLE}:visible").first
        handle.wait_for(timeout=30_000)
        figure.wait_for(timeout=30_000)
        _pages.wait_until(page, lambda: figure.evaluate("(img) => img.complete && img.naturalWidth > 100"))
        page.wait_for_timeout(300)  # let the tab settle before its screenshot
        page.locator(".rnnlab-explorer:visible").screenshot(
            path=SCREENSHOTS / f"app_{_slug(title)}.png")

        before = figure.get_attribute("src")
        value = float(handle.get_attribute("aria-valuetext"))
        _pages.press_on(handle, "ArrowRight", STEPS)
        after = _pages.wait_changed(page, lambda: figure.get_attribute("src"), before)
        old, new = _pixels(before), _pixels(after)
        assert old.shape == new.shape and old.shape[0] > 100 and old.shape[1] > 100
        assert (old != new).any(axis=-1).mean() > 1e-3, f"{title}: the figure came back unchanged"
        moved = float(page.locator(f"{_pages.SLIDER_HANDLE}:visible").first.get_attribute("aria-valuetext"))
        assert moved > value, f"{title}: the slider did not move"
    assert page.js_errors == []
