"""rnnlab.environment, and the promise that `import rnnlab` stays light (no torch, no plotting)."""

import importlib.machinery
import importlib.util
import os
import platform
import subprocess
import sys
import types

import numpy as np

from rnnlab.environment import LIBRARIES, environment_report

KEYS = {
    "python", "implementation", "platform", "cpu", "n_cpus", *LIBRARIES,
    "torch", "cuda_available", "cuda_device",
}


def modules_after(code: str) -> set:
    """The heavy modules in sys.modules after running ``code`` in a fresh interpreter."""
    heavy = ("torch", "matplotlib", "ipywidgets")
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_report_keys_and_values():
    report = environment_report()
    assert set(report) == KEYS
    assert report["python"] == platform.python_version()
    assert report["numpy"] == np.__version__
    assert report["n_cpus"] == os.cpu_count()
    assert report["rnnlab"] is not None and report["scipy"] is not None
    assert isinstance(report["cpu"], str) and report["cpu"]


def test_report_without_torch_says_none(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real_find_spec(name, *a))
    report = environment_report()
    assert report["torch"] is None and report["cuda_available"] is None and report["cuda_device"] is None


def test_report_asks_torch_about_cuda(monkeypatch):
    fake = types.ModuleType("torch")
    fake.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    fake.__version__ = "9.9.9"
    fake.cuda = types.SimpleNamespace(is_available=lambda: True, get_device_name=lambda i: f"GPU {i}")
    monkeypatch.setitem(sys.modules, "torch", fake)
    report = environment_report()
    assert (report["torch"], report["cuda_available"], report["cuda_device"]) == ("9.9.9", True, "GPU 0")
    fake.cuda.is_available = lambda: False
    assert environment_report()["cuda_device"] is None


def test_import_rnnlab_imports_no_torch_matplotlib_or_ipywidgets():
    assert modules_after("import rnnlab") == set()


def test_the_environment_report_imports_no_plotting():
    # torch is imported to ask about CUDA, by design, and only where it is installed.
    expected = {"torch"} if importlib.util.find_spec("torch") is not None else set()
    assert modules_after("import rnnlab.environment as e; e.environment_report()") == expected


def test_plots_load_on_first_use():
    assert modules_after("import rnnlab; rnnlab.plots") == {"matplotlib"}
