"""``oc-bridge plugins``: which plugins are loaded, what they provide, which failed and why."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from oc_bridge.cli.env import CliEnv, ExitCode

if TYPE_CHECKING:
    from oc_bridge.plugins import PluginFailure

__all__ = ["add_parser", "report_failures", "run_plugins"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``plugins`` command."""
    parser = subparsers.add_parser(
        "plugins",
        help="list plugins, their hooks and adapters, and any that failed to load",
        description="List loaded, failed and disabled plugins. Exit 3 when any plugin failed.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run_plugins)


def _text(info: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for plugin in info:
        dist = f" ({plugin['distribution']})" if plugin["distribution"] else ""
        status = plugin["status"]
        if status == "blocked":
            lines.append(f"{plugin['name']}: blocked (OC_BRIDGE_DISABLE_PLUGINS)")
            continue
        lines.append(f"{plugin['name']}{dist}: {status}")
        if plugin["adapters"]:
            lines.append(f"  adapters: {', '.join(plugin['adapters'])}")
        if plugin["hooks"]:
            lines.append(f"  hooks: {', '.join(plugin['hooks'])}")
        if plugin["error"]:
            lines.append(f"  error: {plugin['error']}")
    return lines


def report_failures(env: CliEnv, failures: Sequence[PluginFailure]) -> None:
    """Print each plugin failure (plugin, distribution, cause) on stderr under a count."""
    env.err(f"{len(failures)} plugin problem(s):")
    for failure in failures:
        env.err(f"  - {failure}")


def run_plugins(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the plugin report; exit 3 (PLUGINS) when any plugin failed, else 0."""
    host = env.plugin_host()
    info = host.plugins_info()
    failed = bool(host.failures)
    if args.json:
        env.out(json.dumps({
            "ok": not failed,
            "plugins": info,
            "adapters": {name: f"{cls.__module__}.{cls.__qualname__}"
                         for name, cls in sorted(host.adapter_classes.items())},
        }, indent=2))
    else:
        for line in _text(info):
            env.out(line)
        if failed:
            report_failures(env, host.failures)
    return ExitCode.PLUGINS if failed else ExitCode.OK
