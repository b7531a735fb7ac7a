"""What rnnlab runs on: Python, platform, CPU and library versions, and whether torch sees a GPU.

Versions come from the installed distributions' metadata, so the report imports nothing heavy;
torch is imported only to ask about CUDA, only here, and only when it is installed.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from importlib import metadata

__all__ = ["environment_report"]

LIBRARIES = ("rnnlab", "numpy", "scipy", "matplotlib", "ipywidgets", "ipympl")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else what :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment_report() -> dict:
    """Describe the running environment, for notebooks' environment checks and benchmark records.

    Returns
    -------
    dict
        ``python`` (version), ``implementation``, ``platform``, ``cpu`` (model name), ``n_cpus``;
        the version of each of ``rnnlab``, ``numpy``, ``scipy``, ``matplotlib``, ``ipywidgets``,
        ``ipympl`` (None where not installed); ``torch`` (version or None), ``cuda_available``
        (bool, None without torch) and ``cuda_device`` (name of GPU 0, or None).

    Examples
    --------
    >>> report = environment_report()
    >>> report["python"] == platform.python_version(), "numpy" in report
    (True, True)
    """
    report = {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "n_cpus": os.cpu_count(),
    }
    report |= {name: _version(name) for name in LIBRARIES}
    report |= {"torch": None, "cuda_available": None, "cuda_device": None}
    if importlib.util.find_spec("torch") is not None:
        import torch  # the training side only: never at import time of rnnlab

        cuda = bool(torch.cuda.is_available())
        report |= {
            "torch": torch.__version__,
            "cuda_available": cuda,
            "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
        }
    return report
