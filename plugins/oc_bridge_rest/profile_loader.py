"""Profiles: ready-made defaults for a known warehouse, merged under an adapter table.

``profile = "picqer"`` names a bundled profile (``plugins/rest_wms/profiles/picqer.toml``);
``profile = "/etc/oc-bridge/my-wms.toml"`` (anything ending in ``.toml``) names a file of your
own. The profile's keys are defaults: the adapter table is deep-merged over them, so a table
only holds what differs (credentials, the ``User-Agent`` contact, a field or two). Arrays are
replaced, not appended.

``unset = ["poll_shipments.fields.lines", "webhook"]`` removes those keys (dotted paths) from
the profile before the merge: to drop a default, or to replace a table as a whole rather than
merge into it (unset it, then give your own).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["ProfileProblem", "bundled_profiles", "load_profile", "merge_profile", "unset_keys"]


class ProfileProblem(ValueError):
    """The named profile does not exist or is not valid TOML, or ``unset`` names a key the
    profile does not have; ``key`` is the adapter-table key at fault."""

    def __init__(self, message: str, key: str = "profile") -> None:
        super().__init__(message)
        self.key = key


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


def unset_keys(profile: dict[str, Any], paths: Any) -> dict[str, Any]:
    """``profile`` without the dotted ``paths``; a path the profile does not have is a
    :class:`ProfileProblem` (a typo would otherwise silently keep the default)."""
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise ProfileProblem("must be a list of dotted key paths", "unset")
    for path in paths:
        node: Any = profile
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ProfileProblem(f"{path!r} is not a key of the profile", "unset")
        node[parts[-1]] = _UNSET
    return _drop_unset(profile)


_UNSET = object()


def _drop_unset(table: dict[str, Any]) -> dict[str, Any]:
    return {k: _drop_unset(v) if isinstance(v, dict) else v
            for k, v in table.items() if v is not _UNSET}


def merge_profile(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` deep-merged over the profile it names (unchanged without ``profile``),
    after removing the profile keys listed in ``unset``."""
    name = options.get("profile")
    rest = {k: v for k, v in options.items() if k != "unset"}
    if not name:
        if "unset" in options:
            raise ProfileProblem("needs a profile to remove keys from", "unset")
        return rest
    if not isinstance(name, str):
        raise ProfileProblem("must be a profile name or a path to a .toml file")
    profile = load_profile(name)
    if "unset" in options:
        profile = unset_keys(profile, options["unset"])
    return deep_merge(profile, rest)
