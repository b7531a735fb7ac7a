"""Fixtures of the real-browser tests: one headless Chromium, the servers, a page per test.

Every test here is skipped, with the reason, when playwright or a system Chromium is missing
(:func:`_harness.missing`). A failing test leaves a screenshot of its page in
``tests/browser/artifacts/``.
"""

from __future__ import annotations


import pytest

from . import _harness

ARTIFACTS = _harness.ARTIFACTS
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


def failed_since(request):
    """A callable: whether any test of the session failed from now on (a module's server keeps its
    log when one of the module's tests failed)."""
    before = request.session.testsfailed
    return lambda: request.session.testsfailed > before


def save_if_failed(page, request) -> None:
    """Keep a screenshot of ``page`` in ARTIFACTS when the test of ``request`` failed."""
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)


def new_page(browser):
    """A page in a fresh context. Uncaught JavaScript errors on it are collected in ``page.js_errors``,
    errors logged to the console (ipywidgets logs a failed state update there) in
    ``page.console_errors``."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.js_errors, page.console_errors = [], []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    return page


@pytest.fixture
def page(browser, request):
    """A fresh page for one test."""
    fresh = new_page(browser)
    yield fresh
    save_if_failed(fresh, request)
    fresh.context.close()
