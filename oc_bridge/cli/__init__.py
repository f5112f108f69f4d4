"""The ``oc-bridge`` command line: global options, command registration, error handling.

Each command lives in its own module with ``add_parser(subparsers)``; a parser's ``handler``
default is called as ``handler(args, env) -> int``. Plugins add commands through the
``oc_bridge_add_commands`` hook. Expected failures (:class:`~oc_bridge.errors.OcBridgeError`)
print as one line with a matching exit code; anything else keeps its traceback (a bug).
"""

from __future__ import annotations

import argparse
import importlib
import logging
from collections.abc import Sequence

from oc_bridge import __version__
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.errors import ConfigurationError, OcBridgeError, PluginError, SettingsError
from oc_bridge.logs import configure_logging
from oc_bridge.settings import merge_overrides, parse_override

__all__ = ["CliEnv", "ExitCode", "build_parser", "main"]

log = logging.getLogger(__name__)

#: Built-in command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "oc_bridge.cli.config_cmd",
    "oc_bridge.cli.orders_cmd",
    "oc_bridge.cli.invoices_cmd",
    "oc_bridge.cli.stock_cmd",
    "oc_bridge.cli.customers_cmd",
    "oc_bridge.cli.doctor_cmd",
    "oc_bridge.cli.sandbox_cmd",
    "oc_bridge.cli.demo_cmd",
    "oc_bridge.cli.sync_cmd",
    "oc_bridge.cli.status_cmd",
    "oc_bridge.cli.db_cmd",
    "oc_bridge.cli.parked_cmd",
    "oc_bridge.cli.alerts_cmd",
    "oc_bridge.cli.run_cmd",
    "oc_bridge.cli.webhooks_cmd",
    "oc_bridge.cli.console_cmd",
    "oc_bridge.cli.adapters_cmd",
    "oc_bridge.cli.new_adapter_cmd",
)

EPILOG = """\
exit codes: 0 ok, 1 error, 2 configuration problem, 3 plugin problem,
            4 finished but something was parked or failed.
settings: --config PATH, else $OC_BRIDGE_CONFIG, else ./settings.toml; environment variables
          OC_BRIDGE_<SECTION>__<KEY> and --set section.key=value override the file.
"""


def build_parser(env: CliEnv | None = None) -> argparse.ArgumentParser:
    """The full argument parser, built-in commands first, then plugin commands."""
    parser = argparse.ArgumentParser(
        prog="oc-bridge",
        description="Sync Orderchamp orders into fulfilment systems and report shipments back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"oc-bridge {__version__}")
    parser.add_argument("--config", metavar="PATH", help="settings TOML file")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set sync.overlap_seconds=60 (repeatable)",
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    parser.add_argument(
        "--log-format", choices=("text", "json"), default=None, help="log line format"
    )
    parser.add_argument(
        "--account", metavar="NAME", default=None,
        help="the [accounts.NAME] to work on when several Orderchamp accounts are configured "
        "(status and run cover every account without it)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    _add_plugin_commands(subparsers, env)
    for command in subparsers.choices.values():
        _add_account_option(command)
    return parser


def _add_account_option(parser: argparse.ArgumentParser) -> None:
    """``--account NAME`` after the command too (``oc-bridge sync --account shop_nl``), on
    every command and subcommand; it never overrides a global ``--account`` it does not set."""
    if "--account" not in parser._option_string_actions:
        parser.add_argument("--account", metavar="NAME", default=argparse.SUPPRESS,
                            help="the [accounts.NAME] to work on (same as the global option)")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _add_account_option(sub)


def _add_plugin_commands(subparsers: argparse._SubParsersAction, env: CliEnv | None) -> None:
    (env or CliEnv()).plugin_host().add_commands(subparsers)


def _configure_logging(args: argparse.Namespace, env: CliEnv) -> None:
    level, fmt, secrets = "INFO", "text", []
    try:
        settings = env.full_settings()
        level, fmt = settings.logging.level, settings.logging.format
        pairs = [(settings.orderchamp.token, settings.orderchamp.webhook_secret,
                  settings.orderchamp.webhook_secret_previous)]
        pairs += [(account.token, account.webhook_secret, account.webhook_secret_previous)
                  for account in settings.accounts.values()]
        secrets += [secret.get_secret_value() for pair in pairs for secret in pair
                    if secret is not None]
    except OcBridgeError:
        pass  # the command itself reports configuration problems
    if args.verbose:
        level = "DEBUG"
    elif args.quiet:
        level = "WARNING"
    configure_logging(level, args.log_format or fmt, stream=env.stderr, secrets=secrets)


def main(argv: Sequence[str] | None = None, env: CliEnv | None = None) -> int:
    """Run the CLI; returns the exit code (the console script passes it to ``sys.exit``)."""
    env = env or CliEnv()
    parser = build_parser(env)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(env.stdout)
        return ExitCode.ERROR if args.command is None else ExitCode.OK
    env.config_path = args.config
    env.account = args.account
    try:
        env.overrides = merge_overrides([parse_override(item) for item in args.overrides])
    except SettingsError as exc:
        env.err(f"error: {exc}")
        return ExitCode.CONFIG
    _configure_logging(args, env)
    env.plugin_host().log_failures()  # loaded once, for the parser; told now, formatted
    try:
        return int(args.handler(args, env))
    except KeyboardInterrupt:
        env.err("interrupted")
        return ExitCode.INTERRUPTED
    except PluginError as exc:
        env.err(f"error: {exc}")
        return ExitCode.PLUGINS
    except ConfigurationError as exc:
        env.err(f"error: {exc}")
        return ExitCode.CONFIG
    except OcBridgeError as exc:
        env.err(f"error: {exc}")
        return ExitCode.ERROR


def console_main() -> None:  # pragma: no cover - thin wrapper for the console script
    """Entry point of the ``oc-bridge`` console script."""
    raise SystemExit(main())
