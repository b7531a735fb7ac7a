"""Driving the pages: a notebook in JupyterLab, a tab of the Panel app, a slider, the figure.

Shared by the browser tests and ``benchmarks/bench_browser_latency.py``.
"""

from __future__ import annotations

import json

NOTEBOOK = "window.jupyterapp.shell.currentWidget"

# Selectors. An explorer in JupyterLab is the output holding both an ipywidgets slider and an ipympl
# figure; its figure is the ipympl canvas below the rubber-band canvas.
LAB_CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front
LAB_EXPLORER = ".jp-OutputArea-output:has(.widget-slider):has(.jupyter-matplotlib-figure)"
LAB_CANVAS = ".jupyter-matplotlib-canvas-div canvas >> nth=0"
SLIDER_HANDLE = ".noUi-handle"


def open_notebook(page, base: str, token: str, name: str, timeout_ms: int = 90_000) -> None:
    """Open ``name`` in JupyterLab (in the page's JupyterLab if it has one) and wait for its kernel."""
    if page.evaluate("() => !!window.jupyterapp"):
        page.evaluate(f"async () => {{ await window.jupyterapp.commands.execute('docmanager:open', "
                      f"{{path: {json.dumps(name)}}}); }}")
    else:
        page.goto(f"{base}/lab/tree/{name}?token={token}")
    wait_for_notebook(page, name, timeout_ms)


def wait_for_notebook(page, name: str, timeout_ms: int = 90_000) -> None:
    """Wait until ``name`` is the notebook in front and its kernel is idle (after opening it, or
    after a reload restores it)."""
    page.wait_for_function(
        f"() => window.jupyterapp && {NOTEBOOK} && {NOTEBOOK}.context"
        f" && {NOTEBOOK}.context.path === {json.dumps(name)}"
        f" && {NOTEBOOK}.sessionContext.session && {NOTEBOOK}.sessionContext.session.kernel"
        f" && {NOTEBOOK}.sessionContext.session.kernel.status === 'idle'",
        timeout=timeout_ms, polling=250,
    )


def run_all(page, timeout_ms: int = 120_000) -> None:
    """Run every cell of the current notebook and wait until each code cell has finished."""
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(
        f"""() => {NOTEBOOK}.content.widgets.every(c => c.model.type !== 'code' ||
              (c.model.executionCount !== null && !c.promptNode.textContent.includes('*')))
            && {NOTEBOOK}.sessionContext.session.kernel.status === 'idle'""",
        timeout=timeout_ms, polling=250,
    )


def cell_errors(page) -> list[str]:
    """``ename: evalue`` of every error output in the current notebook."""
    return page.evaluate(
        f"""() => {NOTEBOOK}.content.widgets.filter(c => c.model.type === 'code')
              .flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error')
              .map(o => o.ename + ': ' + o.evalue))"""
    )


def kernel_eval(page, code: str, timeout_ms: int = 30_000) -> str:
    """Run ``code`` in the current notebook's kernel (not in a cell) and return what it printed."""
    return page.evaluate(
        f"""async (code) => {{
            const kernel = {NOTEBOOK}.sessionContext.session.kernel;
            const future = kernel.requestExecute({{code, store_history: false}});
            let out = '';
            future.onIOPub = (msg) => {{
                if (msg.header.msg_type === 'stream') out += msg.content.text;
                if (msg.header.msg_type === 'error')
                    out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
            }};
            await future.done;
            return out;
        }}""",
        code,
    )


def show_whole(locator) -> None:
    """Scroll so that the element's bottom edge is in view (all of it when it fits). An explorer
    only partly in view keeps its figure below the window, where one CI run found ipympl's canvas
    still 0 x 0 (JupyterLab's windowed notebook need not lay out what is out of view)."""
    locator.evaluate("el => el.scrollIntoView({block: 'end'})")


def canvas_drawn(canvas) -> bool:
    """Whether a canvas element has any pixel drawn (a figure that never arrived stays transparent;
    a canvas that ipympl has not sized yet has no pixels at all)."""
    return canvas.evaluate("""(c) => {
        if (c.width === 0 || c.height === 0) return false;
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
        return false;
    }""")


def canvas_pixels(canvas) -> str:
    """The pixels of a canvas element, as a data URL."""
    return canvas.evaluate("(c) => c.toDataURL()")


def wait_changed(page, read, before, timeout_ms: int = 30_000):
    """Poll ``read()`` until it differs from ``before``; return the new value (``read`` re-queries the
    page each time, so an element that the page replaced is found again)."""
    waited = 0
    while waited <= timeout_ms:
        now = read()
        if now != before:
            return now
        page.wait_for_timeout(50)
        waited += 50
    raise AssertionError(f"nothing changed within {timeout_ms / 1000:.0f} s")


def wait_until(page, condition, timeout_ms: int = 30_000) -> None:
    """Poll ``condition()`` until it is true."""
    waited = 0
    while not condition():
        if waited > timeout_ms:
            raise AssertionError(f"not true within {timeout_ms / 1000:.0f} s")
        page.wait_for_timeout(100)
        waited += 100


def press_on(handle_locator, key: str, times: int = 1) -> None:
    """Focus a slider handle and press a key on it, as a keyboard user does."""
    handle_locator.focus()
    for _ in range(times):
        handle_locator.press(key)


# Latency probes. Each records in window.__frames the time (performance.now) at which the figure
# showed a new image: for ipympl, when the image is drawn on the figure's canvas; for Panel, when the
# new <img> has decoded. window.__keys records when each key press reached the page.
KEY_PROBE = """() => {
    if (window.__keys) return;
    window.__keys = [];
    document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
}"""

# ipympl: every drawImage on a canvas inside the probed explorer's output, so that a view of the
# figure that JupyterLab renders anew (a new canvas element) is still seen.
IPYMPL_PROBE = """(canvas) => {
    window.__frames = [];
    for (const el of document.querySelectorAll('[data-rnnlab-probe]')) el.removeAttribute('data-rnnlab-probe');
    (canvas.closest('.jp-OutputArea-output') || canvas.parentElement).setAttribute('data-rnnlab-probe', '');
    if (window.__probeInstalled) return;
    window.__probeInstalled = true;
    const drawImage = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (...args) {
        drawImage.apply(this, args);
        if (this.canvas.closest('[data-rnnlab-probe]')) window.__frames.push(performance.now());
    };
}"""

PANEL_PROBE = """(img) => {
    window.__frames = [];
    const root = img.getRootNode();
    const seen = new WeakSet([img]);
    new MutationObserver(() => {
        for (const el of root.querySelectorAll('img')) {
            if (seen.has(el)) continue;
            seen.add(el);
            el.decode().then(() => window.__frames.push(performance.now()), () => {});
        }
    }).observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
    // A src change on the same element: watch it too.
    new MutationObserver(() => img.decode().then(() => window.__frames.push(performance.now()), () => {}))
        .observe(img, {attributes: true, attributeFilter: ['src']});
}"""
