"""CloudFormation templates as data: read (short-form intrinsics included) and written back as YAML.

The deploy code, the labs' workspaces and the local cloud's gap fillers all read the same template files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml


# libyaml's parser where PyYAML has it (its wheels do): templates are read on every deploy, and it reads them
# seven times as fast as the pure-Python parser, into the same data.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """YAML loader that turns short-form intrinsics (!Ref, !GetAtt, !Sub...) into their long form."""


def _intrinsic(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or",
             "FindInMap", "Base64", "GetAZs", "ImportValue", "Condition"):
    _CfnLoader.add_constructor(f"!{_tag}", _intrinsic(_tag))


def load_template(text: str) -> dict[str, Any]:
    return yaml.load(text, Loader=_CfnLoader)


def write_template(template: dict[str, Any], path: Path) -> Path:
    """A loaded (and edited) template written back as YAML, in its own key order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(template, sort_keys=False, width=120))
    return path
