"""``oc-bridge console set-password``: hash a password for ``[console] password_hash``."""

from __future__ import annotations

import argparse
import getpass

from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.console.security import hash_password

__all__ = ["MIN_LENGTH", "add_parser", "run_set_password"]

#: Shorter passwords are refused (the console faces a network).
MIN_LENGTH = 10


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``console`` and its sub-commands."""
    parser = subparsers.add_parser(
        "console", help="the operator console (web pages served by `oc-bridge run`)",
        description="The operator console is served by the daemon under /console/ when "
        "[console] enabled = true; see docs/console.md.")
    sub = parser.add_subparsers(dest="console_command", metavar="ACTION", required=True)
    setpw = sub.add_parser(
        "set-password", help="print the hash of a new console password",
        description="Ask for the console password (twice) and print its scrypt hash for "
        "[console] password_hash (or OC_BRIDGE_CONSOLE__PASSWORD_HASH). The password itself "
        "is stored nowhere. With --stdin (or when input is not a terminal) the password is "
        "the first line of standard input.")
    setpw.add_argument("--stdin", action="store_true",
                       help="read the password from the first line of standard input")
    setpw.set_defaults(handler=run_set_password)


def _read(args: argparse.Namespace, env: CliEnv) -> str | None:
    if args.stdin or not env.stdin.isatty():
        return env.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("console password: ", stream=env.stderr)
    if getpass.getpass("again: ", stream=env.stderr) != first:
        env.err("error: the two passwords differ")
        return None
    return first


def run_set_password(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the hash; exit 1 when the password is too short or the two entries differ."""
    password = _read(args, env)
    if password is None:
        return ExitCode.ERROR
    if len(password) < MIN_LENGTH:
        env.err(f"error: the password needs at least {MIN_LENGTH} characters")
        return ExitCode.ERROR
    env.out(hash_password(password))
    env.err('put it in settings.toml: [console] password_hash = "<the line above>"')
    return ExitCode.OK
