"""``oc-bridge new-adapter``: a new adapter as a separate, installable distribution.

:func:`create_adapter_package` renders the templates in ``templates/`` (package data) into a
folder: ``pyproject.toml`` publishing the ``oc_bridge`` entry point, ``src/oc_bridge_<name>/``
with the adapter class (typed config, declared and per-instance capabilities) and its plugin
module, a README and ``tests/test_contract.py`` running the contract suite through
:func:`oc_bridge.testing.adapter_contract`. The generated adapter works as it is (it exchanges
JSON files with the back end through two folders), installs with ``pip install -e``, passes its
tests and ``mypy --strict``; the author replaces the file handling with calls to the real
system.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2

from oc_bridge import __version__
from oc_bridge.errors import OcBridgeError

__all__ = ["AdapterNames", "ScaffoldError", "create_adapter_package"]

#: An adapter type name: what goes into ``type = "..."``, the entry point and the module name.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")

#: Template file (in ``templates/``) -> path in the generated package, per adapter name.
TEMPLATES = {
    "pyproject.toml.jinja": "pyproject.toml",
    "README.md.jinja": "README.md",
    "gitignore.jinja": ".gitignore",
    "plugin.py.jinja": "src/{package}/__init__.py",
    "adapter.py.jinja": "src/{package}/adapter.py",
    "py.typed.jinja": "src/{package}/py.typed",
    "test_contract.py.jinja": "tests/test_contract.py",
}


class ScaffoldError(OcBridgeError):
    """The adapter package cannot be generated (a bad name, a folder in the way)."""


@dataclass(frozen=True)
class AdapterNames:
    """Every name derived from the adapter type name ``name`` (``acme_wms``):
    ``package`` (``oc_bridge_acme_wms``), ``distribution`` (``oc-bridge-acme-wms``) and
    ``camel`` (``AcmeWms``, for ``AcmeWmsAdapter`` and ``AcmeWmsConfig``)."""

    name: str

    @classmethod
    def parse(cls, name: str) -> AdapterNames:
        """Check ``name`` is a usable adapter type name; raises ``ScaffoldError`` saying why."""
        if not NAME_PATTERN.fullmatch(name) or name.endswith("_") or "__" in name:
            raise ScaffoldError(
                f"adapter name {name!r} must be lower case letters, digits and single "
                "underscores, starting with a letter (e.g. acme or acme_wms)")
        if keyword.iskeyword(name):
            raise ScaffoldError(f"adapter name {name!r} is a Python keyword")
        return cls(name)

    @property
    def package(self) -> str:
        return f"oc_bridge_{self.name}"

    @property
    def distribution(self) -> str:
        return "oc-bridge-" + self.name.replace("_", "-")

    @property
    def camel(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))


def _render(template: str, names: AdapterNames) -> str:
    source = resources.files(__package__).joinpath("templates", template).read_text("utf-8")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    return environment.from_string(source).render(
        name=names.name,
        package=names.package,
        distribution=names.distribution,
        camel=names.camel,
        oc_bridge_version=__version__,
    )


def create_adapter_package(name: str, target: Path, *, dry_run: bool = False) -> list[Path]:
    """Generate the package for adapter type ``name`` into ``target`` (created; it must not
    exist or be empty). Returns the files written (with ``dry_run``: that would be written,
    nothing is), relative to ``target``. Raises ``ScaffoldError`` for a bad name or a
    non-empty ``target``; writes nothing then."""
    names = AdapterNames.parse(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not an empty folder")
    rendered = {
        Path(output.format(package=names.package)): _render(template, names)
        for template, output in TEMPLATES.items()
    }
    for relative, text in rendered.items():
        if dry_run:
            break
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(rendered)
