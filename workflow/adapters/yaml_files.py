"""Reading YAML: the people, the programme, the deadline rules.

PyYAML's ``safe_load`` parses in pure Python; its libyaml binding (``CSafeLoader``, built
into PyYAML's wheels) builds the same safe types about five times faster. The people's
directory is read by every set-up that loads it, and a programme may hold hundreds of
work streams.
"""

from __future__ import annotations

from typing import Any

import yaml

# The same safe constructors either way; the pure-Python loader where libyaml is absent.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load_yaml(text: str) -> Any:
    """The data of one YAML document, with only YAML's plain types (as ``safe_load``)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
