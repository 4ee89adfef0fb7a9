"""environment.yml (conda users) must describe the environment pyproject.toml pins,
and setup must pick a Python pyproject.toml allows or say which ones it accepts."""
import re
import shutil
import subprocess
import sys
import tomllib
from types import SimpleNamespace

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from serverless_workbook.common.registry import ROOT


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _requires_python():
    return SpecifierSet(_pyproject()["project"]["requires-python"])


def _supported_minors():
    return [m for m in range(30) if f"3.{m}" in _requires_python()]


def _accepted():
    names = [f"3.{m}" for m in _supported_minors()]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def test_conda_python_is_the_range_requires_python_allows():
    conda_python = next(d for d in _conda()["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert SpecifierSet(conda_python.removeprefix("python")) == _requires_python(), (
        f"environment.yml asks for {conda_python!r} but pyproject.toml requires-python is {str(_requires_python())!r}")


def test_lambda_runtime_is_a_supported_python():
    # The local cloud runs handlers in the kernel's Python, so the runtime
    # the templates and the library deploy must be one the workbook runs on.
    sources = [*(ROOT / "templates").glob("*.yaml"), *(ROOT / "serverless_workbook").rglob("*.py")]
    runtimes = {m for path in sources for m in re.findall(r"\bpython(3\.\d+)\b", path.read_text())}
    assert runtimes, "found no python3.X Lambda runtime in templates/ or serverless_workbook/"
    unsupported = sorted(r for r in runtimes if r not in _requires_python())
    assert not unsupported, f"Lambda runtimes python{unsupported} are outside requires-python {_requires_python()}"


def test_conda_installs_the_package_with_every_extra():
    pip_section = next(d["pip"] for d in _conda()["dependencies"] if isinstance(d, dict))
    extras = sorted(_pyproject()["project"]["optional-dependencies"])
    assert pip_section == [f"-e .[{','.join(extras)}]"], (
        f"environment.yml's pip section {pip_section} should install the package with extras {extras}")


def test_conda_brings_graphviz_and_adds_no_unpinned_python_packages():
    deps = [d for d in _conda()["dependencies"] if isinstance(d, str)]
    assert "graphviz" in deps, "diagrams needs Graphviz's dot; conda-forge's graphviz provides it"
    extra = [d for d in deps if not re.match(r"^(python[<>=]|graphviz$|pip$)", d)]
    assert not extra, f"environment.yml adds {extra}; pin Python packages in pyproject.toml instead"


def test_every_dependency_is_pinned():
    project = _pyproject()["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    loose = [r for r in requirements if "==" not in r]
    assert not loose, f"unpinned requirements in pyproject.toml: {loose}"


# setup.sh's choice of Python, with stand-in interpreters: each is this
# Python pretending to be another version that lacks ensurepip, so setup
# stops before it installs or builds anything.
FAKE_PYTHON = """#!{python}
import importlib.util, platform, sys
real_find_spec = importlib.util.find_spec
sys.version_info = ({major}, {minor}, 9, "final", 0)
platform.python_version = lambda: "{major}.{minor}.9"
importlib.util.find_spec = lambda name: None if name == "ensurepip" else real_find_spec(name)
sys.executable = __file__
exec(sys.argv[2])
"""


@pytest.fixture
def machine(tmp_path):
    """A PATH holding only the tools setup.sh needs, and a place for Pythons."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "sed", "seq", "sort"):
        (bin_dir / tool).symlink_to(shutil.which(tool))

    def add_python(name, version):
        major, minor = version.split(".")
        fake = bin_dir / name
        fake.write_text(FAKE_PYTHON.format(python=sys.executable, major=major, minor=minor))
        fake.chmod(0o755)
        return fake

    def setup(**env):
        return subprocess.run(
            ["scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv"),
                 "WORKBOOK_VENV": str(tmp_path / "venv"), **env})

    return SimpleNamespace(add_python=add_python, setup=setup)


def test_setup_refuses_a_python_outside_the_range_and_names_the_accepted_ones(machine):
    old = machine.add_python("python3.10", "3.10")
    result = machine.setup(PYTHON=str(old))
    assert result.returncode != 0
    assert f"is Python 3.10.9; the workbook needs Python {_accepted()}." in result.stderr


def test_setup_says_what_it_needs_when_no_python_fits(machine):
    machine.add_python("python3", "3.10")
    result = machine.setup()
    assert result.returncode != 0
    assert f"The workbook needs Python {_accepted()}, and python3 is Python 3.10.9." in result.stderr
    assert "PYTHON=" in result.stderr


def test_setup_falls_back_to_the_newest_supported_python_present_and_needs_ensurepip(machine):
    machine.add_python("python3", "3.10")
    present = _supported_minors()[:-1] or _supported_minors()  # the newest is missing
    for minor in present:
        chosen = machine.add_python(f"python3.{minor}", f"3.{minor}")
    result = machine.setup()
    assert result.returncode != 0
    assert f"python3 is Python 3.10.9; using {chosen}" in result.stdout
    assert f"{chosen} (Python 3.{present[-1]}.9) has no ensurepip module" in result.stderr
