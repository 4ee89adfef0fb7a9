"""The support package's imports run one way, as serverless_workbook/__init__.py states: a package imports
its own modules and those of the packages it may use, never one above it. Every import counts, also one
inside a function."""
import ast
import importlib
import re
from pathlib import Path

import pytest

import serverless_workbook

PACKAGE = Path(serverless_workbook.__file__).parent
# Top to bottom; each may import the packages named after it.
MAY_IMPORT = {
    "workspaces": {"course", "cloud", "models", "localcloud", "common"},
    "course": {"models", "common"},
    "cloud": {"models", "localcloud", "common"},
    "models": {"common"},
    "localcloud": {"common"},
    "common": set(),
}


def imported_modules(path: Path) -> list[tuple[str, str, int]]:
    """(subpackage of serverless_workbook, what of it, line) for every import of the workbook's in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "serverless_workbook" and len(parts) > 1:
                found.append((parts[1], parts[2] if len(parts) > 2 else "", node.lineno))
    return found


def test_every_module_sits_in_a_layer_and_the_root_holds_none():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py"]
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(MAY_IMPORT)


def test_the_package_docstring_lists_the_layers_in_order():
    listed = re.findall(r"^    (\w+) ", serverless_workbook.__doc__, re.M)
    assert listed == list(MAY_IMPORT)


@pytest.mark.parametrize("layer", MAY_IMPORT)
def test_imports_run_downwards(layer):
    wrong = [f"{path.relative_to(PACKAGE.parent)}:{line} imports serverless_workbook.{imported}"
             for path in sorted((PACKAGE / layer).rglob("*.py"))
             for imported, _, line in imported_modules(path)
             if imported != layer and imported not in MAY_IMPORT[layer]]
    assert not wrong, (f"{layer} may import only {sorted(MAY_IMPORT[layer]) or 'itself'}:\n" + "\n".join(wrong))


@pytest.mark.parametrize("layer", MAY_IMPORT)
def test_each_package_says_what_it_holds_and_may_import(layer):
    doc = __import__(f"serverless_workbook.{layer}", fromlist=["_"]).__doc__ or ""
    assert "May import" in doc or "may import" in doc.lower()
    for module in sorted((PACKAGE / layer).glob("*.py")):
        if module.name != "__init__.py":
            assert re.search(rf"\b{module.stem}\b", doc), f"{layer}/__init__.py does not list {module.name}"


def test_the_check_catches_an_upward_import(tmp_path):
    upward = tmp_path / "upward.py"
    upward.write_text("def f():\n    from serverless_workbook.workspaces import pipeline_run\n")
    assert imported_modules(upward) == [("workspaces", "pipeline_run", 2)]


@pytest.mark.parametrize("layer", MAY_IMPORT)
def test_other_packages_use_only_a_packages_public_surface(layer):
    surface = importlib.import_module(f"serverless_workbook.{layer}").__all__
    assert all(hasattr(importlib.import_module(f"serverless_workbook.{layer}"), name)
               or (PACKAGE / layer / f"{name}.py").is_file() for name in surface)
    inside = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {layer}.{name}"
              for path in sorted(PACKAGE.rglob("*.py")) if path.parent.name != layer
              for imported, name, line in imported_modules(path)
              if imported == layer and name and name not in surface]
    assert not inside, f"not in serverless_workbook.{layer}.__all__, so not for use outside it:\n" + "\n".join(inside)
