"""``oc-bridge adapters``: the adapter types installed, what each can do, and its settings.

``--schema TYPE`` prints the JSON schema of one type's ``[adapters.<instance>]`` table (its
pydantic ``Config`` model), for editors, generated docs and config validation elsewhere.
"""

from __future__ import annotations

import argparse
import inspect
import json
import textwrap
from typing import TYPE_CHECKING, Any

from oc_bridge.adapter import Adapter
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.cli.plugins_cmd import report_failures

if TYPE_CHECKING:
    from oc_bridge.plugins import PluginHost

__all__ = ["adapter_types", "add_parser", "run_adapters"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``adapters`` command."""
    parser = subparsers.add_parser(
        "adapters",
        help="list adapter types, their capabilities and settings; print a config schema",
        description="List the adapter types the installed plugins provide: the plugin and "
        "distribution each comes from, its capabilities (what the engine may ask of it) and "
        "the keys of its [adapters.<instance>] table. With --schema TYPE, print that table's "
        "JSON schema instead. Exit 3 when a plugin failed to load (its adapters are missing).",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--schema",
        metavar="TYPE",
        help="print the JSON schema of adapter type TYPE's configuration table",
    )
    parser.set_defaults(handler=run_adapters)


def _settings_keys(cls: type[Adapter[Any]]) -> list[dict[str, Any]]:
    keys = []
    for key, field in cls.Config.model_fields.items():
        if key in ("type", "enabled"):
            continue  # common to every adapter table
        keys.append({"key": key, "required": field.is_required(),
                     "description": field.description})
    return keys


def _narrows_per_instance(cls: type[Adapter[Any]]) -> bool:
    """True when the class overrides ``capabilities_for`` (an instance may have fewer)."""
    return inspect.getattr_static(cls, "capabilities_for") is not inspect.getattr_static(
        Adapter, "capabilities_for")


def adapter_types(host: PluginHost) -> list[dict[str, Any]]:
    """One dict per adapter type of ``host``, sorted by type: ``type``, ``class``, ``plugin``,
    ``distribution``, ``capabilities`` (sorted values: what the type can do),
    ``capabilities_depend_on_settings`` (True when an instance may have fewer), ``config``
    (the model's qualified name) and ``settings`` (``key``, ``required``, ``description`` per
    table key, without the common ``type``/``enabled``)."""
    owners: dict[str, tuple[str, str | None]] = {}
    for plugin in host.plugins_info():
        for type_name in plugin["adapters"]:
            owners[type_name] = (plugin["name"], plugin["distribution"])
    result = []
    for type_name, cls in sorted(host.adapter_classes.items()):
        plugin_name, distribution = owners.get(type_name, (None, None))
        result.append({
            "type": type_name,
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "plugin": plugin_name,
            "distribution": distribution,
            "capabilities": sorted(c.value for c in cls.capabilities),
            "capabilities_depend_on_settings": _narrows_per_instance(cls),
            "config": f"{cls.Config.__module__}.{cls.Config.__qualname__}",
            "settings": _settings_keys(cls),
        })
    return result


_WIDTH = 100


def _text(types: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for entry in types:
        origin = entry["plugin"] or "?"
        if entry["distribution"]:
            origin += f", {entry['distribution']}"
        lines.append(f"{entry['type']}  ({entry['class']}; plugin {origin})")
        keys = [s["key"] + ("*" if s["required"] else "") for s in entry["settings"]]
        capabilities = list(entry["capabilities"])
        if entry["capabilities_depend_on_settings"] and capabilities:
            capabilities[-1] += " (some depend on the settings)"
        for label, values in (("capabilities", capabilities), ("settings", keys)):
            lines.extend(textwrap.wrap(", ".join(values) or "none", width=_WIDTH,
                                       initial_indent=f"  {label}: ",
                                       subsequent_indent="      "))
    if any(s["required"] for entry in types for s in entry["settings"]):
        lines.append("(* required; `oc-bridge adapters --schema TYPE` shows types and defaults)")
    return lines


def run_adapters(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the adapter types (or one type's config schema). Exit 0; 1 for an unknown
    ``--schema`` type; 3 (PLUGINS) when a plugin failed to load."""
    host = env.plugin_host()
    failed = bool(host.failures)
    if args.schema is not None:
        cls = host.adapter_classes.get(args.schema)
        if cls is None:
            known = ", ".join(sorted(host.adapter_classes)) or "none"
            env.err(f"error: no adapter type {args.schema!r} (installed types: {known})")
            for failure in host.failures:
                env.err(f"  plugin problem: {failure}")
            return ExitCode.PLUGINS if failed else ExitCode.ERROR
        env.out(json.dumps(cls.Config.model_json_schema(), indent=2))
        return ExitCode.OK
    types = adapter_types(host)
    if args.json:
        env.out(json.dumps({
            "ok": not failed,
            "adapters": types,
            "failures": [str(failure) for failure in host.failures],
        }, indent=2))
    else:
        for line in _text(types):
            env.out(line)
        if failed:
            report_failures(env, host.failures)
    return ExitCode.PLUGINS if failed else ExitCode.OK
