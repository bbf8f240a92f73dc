"""Where the default settings and themes are: inside the installed package, or in a source checkout.

A built wheel carries the repository's ``params.yaml`` and ``themes.yaml`` in ``pipeline/packaged/``
(setup.py copies them); a checkout, including an editable install, has them at the repository's top.
Either way ``complaints`` finds them without looking in the folder it runs from.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pipeline.errors import ConfigError

PARAMS_NAME, THEMES_NAME = "params.yaml", "themes.yaml"
# `inherit: defaults` in a council's config means the packaged params.yaml, wherever it is installed.
INHERIT_DEFAULTS = "defaults"


def default_file(name: str) -> Path:
    """The packaged copy of ``name`` (params.yaml or themes.yaml), else the source checkout's."""
    packaged = resources.files("pipeline") / "packaged" / name
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[1] / name
    if checkout.is_file():
        return checkout
    raise ConfigError(f"The default {name} is missing from this installation; reinstall complaints-pipeline.")


def params_file(given: Path | None) -> Path:
    """The params file a command reads: the one given, else ./params.yaml, else the packaged defaults."""
    if given is not None:
        return given
    local = Path(PARAMS_NAME)
    return local if local.is_file() else default_file(PARAMS_NAME)
