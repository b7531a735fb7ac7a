"""Servers and a headless Chromium for the real-browser tests and the browser latency benchmark.

Chromium comes from the OS packages (Debian's ``chromium``), never from a download at run time:
:func:`find_chromium` looks at ``$RNNLAB_CHROMIUM``, then the usual executables. Servers listen on
127.0.0.1 only, on a free port, with their settings and runtime files in a temporary directory;
each is a context manager that always stops its process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The browser binary itself, before the wrapper scripts that Debian and Ubuntu put on the PATH.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome",
                       "google-chrome-stable")
TOKEN = "rnnlab-browser-tests"
ARTIFACTS = Path(__file__).parent / "artifacts"
# Lines of a server's log that say a kernel or the server itself went wrong: the log is then kept.
TROUBLE = ("Fatal Python error", "KernelRestarter", "Traceback (most recent call last)", "malloc(")


def find_chromium() -> str | None:
    """The Chromium executable to drive, or None: ``$RNNLAB_CHROMIUM`` or a system Chromium."""
    wanted = os.environ.get("RNNLAB_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; the `browser` extra)"
    if find_chromium() is None:
        return ("no Chromium found (apt-get install chromium, or set RNNLAB_CHROMIUM to its executable); "
                "browsers are not downloaded at run time")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering:\n"
                               f"{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def _server(cmd: list[str], url: str, env: dict, cwd: Path, log: Path, timeout: float, keep_log=None):
    """Run a server until the block ends; its log is kept (:func:`_keep_log`) when the block raised,
    when ``keep_log()`` (asked at the end) is true, or when the log shows trouble."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    failed = True
    try:
        _wait_http(url, proc, log, timeout)
        yield proc
        failed = False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _keep_log(log, failed or (keep_log is not None and keep_log()))


def _keep_log(log: Path, failed: bool) -> None:
    """Copy a server's log to ARTIFACTS when the run failed or the log shows trouble (a kernel's
    crash, with its faulthandler stack, shows up only there)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    if failed or any(line in text for line in TROUBLE):
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"{log.stem}-{time.strftime('%Y%m%d-%H%M%S')}.log")


def _env(extra: dict) -> dict:
    # faulthandler: a kernel that crashes prints its Python stack into the server's log.
    env = dict(os.environ, RNNLAB_SMOKE="1", PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1")
    env.pop("MPLBACKEND", None)  # the kernels and the app choose their backends themselves
    env.update(extra)
    return env


@contextlib.contextmanager
def panel_app(timeout: float = 60.0, wrapper: Path | None = None, keep_log=None):
    """Serve ``rnnlab/app.py`` with ``panel serve`` on a free local port; yields the page's URL.

    ``wrapper``: a Python script run instead of the ``panel`` command, with the same arguments
    (the latency benchmark instruments the server this way). ``keep_log``: asked at the end whether
    to keep the server's log in ARTIFACTS (a test that used the server failed).
    """
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rnnlab-panel-") as tmp:
        panel = [str(BIN / "panel")] if wrapper is None else [sys.executable, str(wrapper)]
        cmd = [*panel, "serve", str(ROOT / "rnnlab" / "app.py"), "--address", "127.0.0.1",
               "--port", str(port), "--allow-websocket-origin", f"127.0.0.1:{port}", "--num-procs", "1",
               "--liveness"]
        base = f"http://127.0.0.1:{port}"
        # Wait on the liveness endpoint: a GET of the page itself would build a session of the app.
        with _server(cmd, f"{base}/liveness", _env({}), Path(tmp), Path(tmp) / "panel.log", timeout,
                     keep_log):
            yield f"{base}/app"


# JupyterLab's user settings for the tests: no news or update checks (their toasts cover the page).
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


@contextlib.contextmanager
def jupyterlab(notebooks: list[Path], timeout: float = 90.0, keep_log=None):
    """Run JupyterLab on a free local port over copies of ``notebooks`` in a temporary directory.

    Yields ``(base_url, token)``. Settings, runtime files, workspaces and any autosave stay in the
    temporary directory, so the repository's notebooks are never written. The app object is exposed
    in the page (``window.jupyterapp``) so tests can run its commands. ``keep_log`` as for
    :func:`panel_app`.
    """
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rnnlab-lab-") as tmp:
        tmp = Path(tmp)
        work, settings = tmp / "notebooks", tmp / "settings"
        work.mkdir()
        for nb in notebooks:
            shutil.copy(nb, work / nb.name)
        solutions = notebooks[0].parent / "solutions" if notebooks else None
        if solutions is not None and solutions.is_dir():  # the notebooks' solution cells import from here
            shutil.copytree(solutions, work / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
        for name, value in _LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env = _env({
            "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
            "IPYTHONDIR": str(tmp / "ipython"),
        })
        cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url="]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        base = f"http://127.0.0.1:{port}"
        with _server(cmd, f"{base}/api/status?token={TOKEN}", env, tmp, tmp / "lab.log", timeout, keep_log):
            yield base, TOKEN


@contextlib.contextmanager
def chromium(viewport=(1400, 1000)):
    """A headless Chromium page factory: yields the Playwright browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), headless=True,
                                     args=["--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()
