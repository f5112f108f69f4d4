"""``oc-bridge config check|show``: validate the configuration, or print the effective one."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import SecretStr

from oc_bridge.accounts import each_account, orderchamp_key
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.errors import SettingProblem, SettingsError
from oc_bridge.settings import Settings, config_path_from, cross_problems, load_settings
from oc_bridge.store import store_url_problem


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``config`` and its subcommands."""
    parser = subparsers.add_parser(
        "config",
        help="check or show the configuration",
        description="Check the configuration or print the effective settings (secrets masked).",
    )
    sub = parser.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check",
        help="report every configuration problem at once (exit 2 when any)",
        description="Validate settings from file, environment and --set overrides, including "
        "each adapter table against its adapter's own model. Prints every problem with its "
        "key path; exit code 2 when there is any.",
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(handler=run_check)
    show = sub.add_parser(
        "show",
        help="print the effective settings with secrets masked",
        description="Print the settings after merging defaults, the TOML file, the environment "
        "and --set overrides. Secrets are shown as '**********'.",
    )
    show.add_argument("--json", action="store_true", help="print JSON instead of TOML-like text")
    show.set_defaults(handler=run_show)


def _masked(settings: Settings) -> dict[str, Any]:
    def mask(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return "**********"
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    raw = settings.model_dump(mode="python")
    masked = mask(raw)
    # adapter tables may hold secrets under any name; mask anything that looks like one
    for table in masked.get("adapters", {}).values():
        for key in list(table):
            looks_secret = any(w in key.lower() for w in ("secret", "token", "password", "key"))
            if looks_secret and table[key] is not None:
                table[key] = "**********"
    result: dict[str, Any] = json.loads(json.dumps(masked, default=str))
    return result


def _adapter_problems(env: CliEnv) -> list[str]:
    """Validate every adapter table with its adapter's own model."""
    try:
        with env.adapters_for_checking(whole=True):
            pass
    except SettingsError as exc:
        return [str(p) for p in exc.problems]
    except Exception as exc:
        return [f"adapters: {exc}"]
    return []


def _service_problems(settings: Settings) -> list[str]:
    """What a real run would trip over beyond the model: no token, an unusable ledger place."""
    problems = []
    for account in each_account(settings):
        key = orderchamp_key(account)
        if account.orderchamp.token is None:
            env = f"OC_BRIDGE_{key.replace('.', '__').upper()}__TOKEN"
            problems.append(f"{key}.token: is not set ({env} or [{key}] token); every "
                            "command that talks to Orderchamp needs it")
        store = store_url_problem(account.store.url)
        if store is not None:
            if account.account is not None:  # the ledger place comes from the account
                store = SettingProblem(f"{key}.store_url", f"{account.store.url}: "
                                       f"{store.message}")
            problems.append(str(store))
    return problems


def run_check(args: argparse.Namespace, env: CliEnv) -> int:
    """Validate everything, print every problem, exit 2 when any."""
    source = config_path_from(env.config_path, env.environ)
    problems: list[str]
    try:
        settings = load_settings(env.config_path, overrides=env.overrides, environ=env.environ,
                                 cross_checks=False)
    except SettingsError as exc:
        problems = [str(p) for p in exc.problems]
    else:
        # the adapter check loads the settings again, so cross problems may come twice
        problems = list(dict.fromkeys([*map(str, cross_problems(settings)),
                                       *_service_problems(settings), *_adapter_problems(env)]))
    if args.json:
        env.out(json.dumps({"ok": not problems, "file": str(source) if source else None,
                            "problems": problems}, indent=2))
    elif problems:
        env.err(f"{len(problems)} configuration problem(s)"
                + (f" in {source}" if source else "") + ":")
        for problem in problems:
            env.err(f"  - {problem}")
    else:
        env.out(f"configuration OK ({source if source else 'no settings file; defaults + env'})")
    return ExitCode.CONFIG if problems else ExitCode.OK


def _toml_lines(data: dict[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if prefix and scalars:
        lines.append(f"[{prefix}]")
    for key, value in scalars.items():
        if value is None:
            lines.append(f"# {key} is unset")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    if scalars:
        lines.append("")
    for key, value in tables.items():
        lines.extend(_toml_lines(value, f"{prefix}.{key}" if prefix else key))
    return lines


def run_show(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the effective settings (raises SettingsError → exit 2 when invalid)."""
    # --account shows that account's effective settings; without it, the whole deployment
    data = _masked(env.settings() if env.account else env.full_settings())
    if args.json:
        env.out(json.dumps(data, indent=2))
    else:
        env.out("\n".join(_toml_lines(data)).rstrip())
    return ExitCode.OK
