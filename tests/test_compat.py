"""rnnlab._compat: the private-API patches apply on the tested versions and fall back to the public
path elsewhere, and the explorers work either way."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import types

import pytest

from rnnlab import _compat


def _fake_canvas():
    canvas = types.SimpleNamespace(
        _png_is_old=True, _force_full=True, syncing_data_url=True, sent=[], modes=[],
        handle_refresh=lambda event: "refreshed", handle_draw=lambda event: "drawn",
    )
    canvas.set_image_mode = canvas.modes.append
    canvas.send = lambda content, buffers=None: canvas.sent.append((content, buffers))
    return canvas


@pytest.fixture
def tested_everything(monkeypatch):
    """Pretend the installed versions are the tested ones, whatever is installed."""
    monkeypatch.delenv("RNNLAB_NO_PRIVATE_API", raising=False)
    monkeypatch.setattr(_compat, "_tested", lambda package: True)


def test_front_end_watch_calls_back_before_ipympl_handles_the_message(tested_everything):
    canvas, calls = _fake_canvas(), []
    assert _compat.watch_ipympl_front_end(canvas, lambda: calls.append("r"), lambda: calls.append("d"))
    assert canvas.handle_refresh({}) == "refreshed" and canvas.handle_draw({}) == "drawn"
    assert calls == ["r", "d"]


def test_whole_frames_send_the_encoder_png_and_a_data_url_while_syncing(tested_everything):
    canvas = _fake_canvas()
    canvas.get_renderer = lambda: types.SimpleNamespace(buffer_rgba=lambda: b"rgba")
    assert _compat.ipympl_send_whole_png_frames(canvas, lambda rgba: b"png:" + rgba)
    assert canvas.get_diff_image() == b"png:rgba" and canvas.modes == ["full"]
    assert canvas.get_diff_image() is None   # nothing new to send until the figure is redrawn
    canvas.send_binary(b"PNG")
    assert canvas._data_url == "data:image/png;base64,UE5H"
    assert canvas.sent == [({"data": '{"type": "binary"}'}, [b"PNG"])]


def test_panel_debounce_is_set_on_widgets_that_have_it(tested_everything):
    widget = types.SimpleNamespace(_debounce=50)
    assert _compat.set_panel_debounce(widget, 0) and widget._debounce == 0
    assert not _compat.set_panel_debounce(types.SimpleNamespace(), 0)


@pytest.mark.parametrize("why", ["untested version", "opt-out"])
def test_nothing_is_patched_outside_the_tested_versions_or_when_opted_out(monkeypatch, why):
    if why == "untested version":
        monkeypatch.delenv("RNNLAB_NO_PRIVATE_API", raising=False)
        monkeypatch.setattr(_compat, "TESTED", {"ipympl": ("0.0",), "panel": ("0.0",)})
    else:
        monkeypatch.setenv("RNNLAB_NO_PRIVATE_API", "1")
    canvas, widget = _fake_canvas(), types.SimpleNamespace(_debounce=50)
    handlers = (canvas.handle_refresh, canvas.handle_draw)
    assert not _compat.watch_ipympl_front_end(canvas, print, print)
    assert not _compat.ipympl_send_whole_png_frames(canvas, bytes)
    assert not _compat.set_panel_debounce(widget, 0)
    assert (canvas.handle_refresh, canvas.handle_draw) == handlers
    assert not hasattr(canvas, "get_diff_image") and widget._debounce == 50


def test_the_installed_libraries_are_the_tested_ones():
    """A library upgrade past :data:`TESTED` silently drops the explorers to the slower public path;
    this test says so, so the patches are re-checked (and the browser tests rerun) before the range grows."""
    for package in _compat.TESTED:
        if importlib.util.find_spec(package) is None:
            continue
        assert _compat._tested(package) or os.environ.get("RNNLAB_NO_PRIVATE_API"), (
            f"{package} {_compat.version(package)} is outside rnnlab._compat.TESTED[{package!r}]"
        )


def test_an_ipympl_explorer_without_the_patches_takes_the_public_draw_path():
    """With RNNLAB_NO_PRIVATE_API=1 the explorer never blits: every event goes through draw_idle,
    ipympl's own request-and-answer path, and the canvas keeps ipympl's frame methods."""
    if importlib.util.find_spec("ipympl") is None:
        pytest.skip("ipympl is not installed")
    code = """
import rnnlab.widgets as w
ex = w.rate_rnn_explorer()
canvas = ex.fig.canvas
requests = []
canvas.draw_idle = lambda: requests.append(1)
for value in (0.3, -1.2):
    ex.controls["w11"].value = value
print(ex._blitter is None, len(requests), type(canvas).get_diff_image is not None,
      "get_diff_image" not in vars(canvas))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg", "RNNLAB_NO_PRIVATE_API": "1"},
    )
    assert out.stdout.split() == ["True", "2", "True", "True"]
