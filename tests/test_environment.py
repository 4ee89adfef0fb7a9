"""environment.yml (conda users) must describe the environment pyproject.toml pins."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_conda_python_satisfies_requires_python():
    conda_python = next(d for d in _conda()["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = conda_python.split("=", 1)[1]
    requires = _pyproject()["project"]["requires-python"]
    assert requires == f">={version},<3.{int(version.split('.')[1]) + 1}", (
        f"environment.yml pins {conda_python} but pyproject.toml requires-python is {requires!r}")


def test_conda_installs_the_package_with_every_extra():
    pip_section = next(d["pip"] for d in _conda()["dependencies"] if isinstance(d, dict))
    extras = sorted(_pyproject()["project"]["optional-dependencies"])
    assert pip_section == [f"-e .[{','.join(extras)}]"], (
        f"environment.yml's pip section {pip_section} should install the package with extras {extras}")


def test_conda_brings_graphviz_and_adds_no_unpinned_python_packages():
    deps = [d for d in _conda()["dependencies"] if isinstance(d, str)]
    assert "graphviz" in deps, "diagrams needs Graphviz's dot; conda-forge's graphviz provides it"
    extra = [d for d in deps if not re.match(r"^(python=|graphviz$|pip$)", d)]
    assert not extra, f"environment.yml adds {extra}; pin Python packages in pyproject.toml instead"


def test_every_dependency_is_pinned():
    project = _pyproject()["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    loose = [r for r in requirements if "==" not in r]
    assert not loose, f"unpinned requirements in pyproject.toml: {loose}"
