"""``oc-bridge sync``: one reconciliation of orders plus one shipment pull, then exit."""

from __future__ import annotations

import argparse
import json

from oc_bridge.cli.env import CliEnv
from oc_bridge.engine import SyncSummary
from oc_bridge.runtime import open_runtime

__all__ = ["add_parser", "print_summary", "run_sync"]

DESCRIPTION = """\
Export every confirmed, uncancelled Orderchamp order to the configured adapters (once per
adapter), update or cancel what changed, then report the adapters' shipments back to
Orderchamp (each parcel once). Safe to run again at any time, also after a crash: the ledger
resumes every unfinished step. Progress goes to stderr; the summary to stdout.

exit codes: 0 everything went through, 4 something was parked or will be retried,
            2 configuration problem, 3 plugin problem."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``sync``."""
    parser = subparsers.add_parser(
        "sync", help="reconcile orders and report shipments once", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dry-run", action="store_true",
                        help="change nothing anywhere; list what would be done")
    parser.add_argument("--full", action="store_true",
                        help="look at every order, ignoring the saved cursor")
    parser.add_argument("--order", metavar="ID",
                        help="reconcile only this Orderchamp order id (shipments still pulled)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run_sync)


def print_summary(summary: SyncSummary, env: CliEnv, *, as_json: bool) -> None:
    """The summary on stdout: JSON (``--json``) or readable lines."""
    if as_json:
        env.out(json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    else:
        for line in summary.lines():
            env.out(line)


def run_sync(args: argparse.Namespace, env: CliEnv) -> int:
    """Run one sync; the exit code is the summary's (0 or 4)."""
    with open_runtime(env.settings(), environ=env.environ) as runtime:
        engine = runtime.engine(dry_run=args.dry_run, progress=env.err)
        summary = engine.sync(full=args.full, order_id=args.order)
    print_summary(summary, env, as_json=args.json)
    return summary.exit_code
