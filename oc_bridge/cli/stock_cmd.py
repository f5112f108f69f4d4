"""``oc-bridge stock sync``: push adapters' stock figures to Orderchamp (changed SKUs only)."""

from __future__ import annotations

import argparse
import json

from oc_bridge.cli.env import CliEnv
from oc_bridge.cli.progress import progress_for

__all__ = ["add_parser", "run_sync"]

DESCRIPTION = """\
Read available stock per SKU from every adapter with the stock capability (summed across
adapters) and set it in Orderchamp with inventoryLevelBulkAdjust (absolute SET, at most 100
SKUs per mutation), only for SKUs whose figure changed since the last successful push. SKUs
Orderchamp does not know are reported once and sent again only when their figure changes.

exit codes: 0 done, 4 a batch failed (it is sent again next run), 2 configuration problem."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``stock sync``."""
    parser = subparsers.add_parser("stock", help="push stock levels to Orderchamp",
                                   description="Stock levels from adapters to Orderchamp.")
    sub = parser.add_subparsers(dest="stock_command", metavar="SUBCOMMAND")
    sync = sub.add_parser("sync", help="push changed stock figures once",
                          description=DESCRIPTION,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    sync.add_argument("--dry-run", action="store_true",
                      help="change nothing; count what would be pushed")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")
    sync.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace, env: CliEnv) -> int:
    """One stock push; the exit code is the summary's (0 or 4)."""
    with env.open_runtime() as runtime:
        progress = progress_for(env.stderr, env.stderr_is_tty, lambda: runtime.client.stats,
                                unit="SKU")
        summary = runtime.engine(dry_run=args.dry_run, progress=progress).push_stock()
    if args.json:
        env.out(json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    else:
        for line in summary.lines():
            env.out(line)
    return summary.exit_code
