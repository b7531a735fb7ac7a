"""The two install routes (pip's pyproject.toml, conda's environment.yml) list the same packages."""

import pathlib
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}


def _split(requirement: str) -> tuple[str, str]:
    """('numpy', '>=1.24') from 'numpy>=1.24'; names normalised as PEP 503 does.

    An environment marker (``; platform_system == 'Linux'``) is dropped: conda's file is for one
    platform at a time and lists the package unconditionally.
    """
    requirement = requirement.split(";", 1)[0]
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    return re.sub(r"[-_.]+", "-", match[1]).lower(), match[2].replace(" ", "")


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs rnnlab itself
            assert dep == {"pip": ["-e ."]}, f"unexpected pip section {dep!r}"
            continue
        name, spec = _split(dep)
        if name not in NOT_PACKAGES:
            out[CONDA_TO_PYPI.get(name, name)] = spec
    return out


def test_pyproject_and_environment_list_the_same_packages_and_bounds():
    assert pip_requirements() == conda_requirements()


def test_environment_pins_the_python_of_the_quick_start():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert block, "README needs a '## Quick start' section with a code block"
    commands = [line for line in block[1].splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make lab", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_import_rnnlab_loads_no_torch_and_no_plotting():
    code = "import sys, rnnlab; print(sorted(m for m in ('torch', 'matplotlib', 'ipywidgets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_is_documented():
    import rnnlab

    undocumented = [name for name in rnnlab.__all__ if not (getattr(rnnlab, name).__doc__ or "").strip()]
    assert undocumented == []


@pytest.mark.parametrize("name", ["plots", "explorers", "widgets"])
def test_lazy_submodules_load_on_attribute_access(name):
    import rnnlab

    assert getattr(rnnlab, name).__name__ == f"rnnlab.{name}"
