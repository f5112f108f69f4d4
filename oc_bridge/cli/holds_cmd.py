"""``oc-bridge orders hold|release``: keep an order away from the warehouses, and let it go.

Front end of :mod:`oc_bridge.actions.holds` (the web console calls the same functions). Both
read and write only the ledger (``store.url``); no Orderchamp token is needed.
"""

from __future__ import annotations

import argparse
import json

from oc_bridge.actions.actor import cli_actor as shell_actor
from oc_bridge.actions.holds import HoldResult, hold_order, release_order
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.store import open_store

__all__ = ["add_hold_parsers", "cli_actor"]


def add_hold_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``hold`` and ``release`` under ``orders``."""
    hold = sub.add_parser(
        "hold", help="hold an order back from every warehouse",
        description="Hold an order: it is not exported (or updated) at any adapter by sync, "
        "the daemon's webhooks or reconciliation until released; a cancellation still goes "
        "through. Shown in `oc-bridge status` with its reason. ID is the Orderchamp order id "
        "or an order number the ledger knows. Holding a held order changes nothing. Exit 0.")
    hold.add_argument("id", metavar="ID", help="Orderchamp order id or known order number")
    hold.add_argument("--reason", required=True, help="why it is held (shown in status)")
    _common(hold)
    hold.set_defaults(handler=run_hold)
    release = sub.add_parser(
        "release", help="release a held order (exported at the next sync)",
        description="Release a held order: it is looked at again at once by the next sync, "
        "and by a running daemon within sync.hold_check_seconds. Exit 1 when the order is not "
        "held.")
    release.add_argument("id", metavar="ID", help="Orderchamp order id or known order number")
    _common(release)
    release.set_defaults(handler=run_release)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--actor", default=None,
                        help="who acts, for the activity log (default: $OC_BRIDGE_ACTOR, else "
                        "the login name)")
    parser.add_argument("--dry-run", action="store_true",
                        help="say what would change; change nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def cli_actor(args: argparse.Namespace, env: CliEnv) -> str:
    """The actor recorded for a CLI action: ``--actor``, ``$OC_BRIDGE_ACTOR``, the login."""
    if args.actor:
        return str(args.actor)
    if env.environ.get("OC_BRIDGE_ACTOR"):
        return env.environ["OC_BRIDGE_ACTOR"]
    return shell_actor(env.environ)


def _report(result: HoldResult, args: argparse.Namespace, env: CliEnv) -> int:
    if args.json:
        env.out(json.dumps(result.to_dict(), indent=2))
    else:
        prefix = "dry run: " if result.dry_run and not result.message.startswith("would") else ""
        (env.out if result.ok else env.err)(("" if result.ok else "error: ") + prefix
                                            + result.message)
        for warning in result.warnings:
            env.err(f"warning: {warning}")
    return ExitCode.OK if result.ok else ExitCode.ERROR


def run_hold(args: argparse.Namespace, env: CliEnv) -> int:
    """Hold the order; print the result."""
    with open_store(env.settings().store.url) as store:
        result = hold_order(store, args.id, args.reason, cli_actor(args, env),
                            dry_run=args.dry_run)
    return _report(result, args, env)


def run_release(args: argparse.Namespace, env: CliEnv) -> int:
    """Release the order; print the result (exit 1 when it was not held)."""
    with open_store(env.settings().store.url) as store:
        result = release_order(store, args.id, cli_actor(args, env), dry_run=args.dry_run)
    return _report(result, args, env)
