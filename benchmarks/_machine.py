"""The machine a benchmark ran on, for the results files."""

from __future__ import annotations

import datetime
import os
import platform


def describe() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numpy
    import scipy

    return (
        f"{datetime.date.today().isoformat()}; {platform.platform()}; {cpu}; {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, scipy {scipy.__version__}"
    )
