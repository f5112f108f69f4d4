"""Profiles: ready-made defaults for a known warehouse, merged under an adapter table.

``profile = "picqer"`` names a bundled profile (``plugins/rest_wms/profiles/picqer.toml``);
``profile = "/etc/oc-bridge/my-wms.toml"`` (anything ending in ``.toml``) names a file of your
own. The profile's keys are defaults: the adapter table is deep-merged over them, so a table
only holds what differs (credentials, the ``User-Agent`` contact, a field or two). Arrays are
replaced, not appended.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["ProfileProblem", "bundled_profiles", "load_profile", "merge_profile"]


class ProfileProblem(ValueError):
    """The named profile does not exist or is not valid TOML."""


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped with the adapter."""
    folder = resources.files("oc_bridge_rest").joinpath("profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_profile(name: str) -> dict[str, Any]:
    """The defaults of profile ``name`` (bundled name or path to a ``.toml`` file)."""
    try:
        if name.endswith(".toml"):
            text = Path(name).read_text(encoding="utf-8")
        else:
            resource = resources.files("oc_bridge_rest").joinpath("profiles", f"{name}.toml")
            if not resource.is_file():
                known = ", ".join(bundled_profiles())
                raise ProfileProblem(f"unknown profile {name!r} (bundled: {known}; or give a "
                                     f"path to a .toml file)")
            text = resource.read_text(encoding="utf-8")
        return tomllib.loads(text)
    except OSError as exc:
        raise ProfileProblem(f"cannot read profile {name!r}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileProblem(f"profile {name!r} is not valid TOML: {exc}") from exc


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: tables merge key by key, everything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def merge_profile(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` deep-merged over the profile it names (unchanged without ``profile``)."""
    name = options.get("profile")
    if not name:
        return dict(options)
    if not isinstance(name, str):
        raise ProfileProblem("must be a profile name or a path to a .toml file")
    return deep_merge(load_profile(name), options)
