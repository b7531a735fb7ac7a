"""Fixtures of the real-browser tests: one headless Chromium, the servers, a page per test.

Every test here is skipped, with the reason, when playwright or a system Chromium is missing
(:func:`_harness.missing`). A failing test leaves a screenshot of its page in
``tests/browser/artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import _harness

ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOTS = _harness.ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    reason = _harness.missing()
    if reason is not None:
        pytest.skip(reason)
    with _harness.chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, request):
    """A fresh page; JavaScript errors on it are collected in ``page.js_errors``."""
    context = browser.new_context(viewport=VIEWPORT)
    new = context.new_page()
    new.js_errors = []
    new.on("pageerror", lambda error: new.js_errors.append(str(error)))
    yield new
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        new.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
