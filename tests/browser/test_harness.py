"""The servers' logs: kept in the artifacts exactly when a run went wrong. No browser needed."""

from __future__ import annotations

import contextlib
import sys

import pytest

from . import _harness


@pytest.mark.parametrize(("raise_in_block", "keep", "trouble", "kept"), [
    (False, None, False, False),
    (False, lambda: False, False, False),
    (False, lambda: True, False, True),             # a test that used the server failed
    (True, None, False, True),                      # the block itself failed
    (False, None, True, True),                      # a kernel crashed: the log says so
])
def test_a_servers_log_is_kept_when_the_run_went_wrong(tmp_path, monkeypatch, raise_in_block, keep,
                                                        trouble, kept):
    monkeypatch.setattr(_harness, "ARTIFACTS", tmp_path / "artifacts")
    port = _harness.free_port()
    # A stand-in server: it answers HTTP and, when asked, prints a line the harness counts as trouble.
    code = ("import http.server, sys; print('Fatal Python error' if sys.argv[2] == '1' else 'fine', flush=True); "
            "http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]), "
            "bind='127.0.0.1')")
    cmd = [sys.executable, "-c", code, str(port), str(int(trouble))]
    url = f"http://127.0.0.1:{port}/"
    expected = pytest.raises(RuntimeError) if raise_in_block else contextlib.nullcontext()
    with expected, _harness._server(cmd, url, {}, tmp_path, tmp_path / "stand-in.log", 30.0, keep):
        if raise_in_block:
            raise RuntimeError("the block failed")
    logs = sorted((tmp_path / "artifacts").glob("stand-in-*.log"))
    assert len(logs) == int(kept)
    if kept:
        assert ("Fatal Python error" if trouble else "fine") in logs[0].read_text()

