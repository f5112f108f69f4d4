"""``oc-bridge sync``: one reconciliation of orders plus one shipment pull, then exit."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from oc_bridge.cli.env import CliEnv
from oc_bridge.cli.progress import progress_for
from oc_bridge.engine import SyncSummary
from oc_bridge.orderchamp.execution import ClientStats

__all__ = ["PER_ORDER_LOGGERS", "add_parser", "api_use", "print_summary", "quiet_per_order_lines",
           "run_sync"]

DESCRIPTION = """\
Export every confirmed, uncancelled Orderchamp order to the configured adapters (once per
adapter), update or cancel what changed, then report the adapters' shipments back to
Orderchamp (each parcel once). Safe to run again at any time, also after a crash: the ledger
resumes every unfinished step. Only new or changed orders are fetched in full; the rest
cost a few API points each. Progress goes to stderr (a bar on a terminal, a log line every
10 s otherwise; one line per order with -v); the summary, with the Orderchamp API points spent
per order and per operation, to stdout.

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


#: Loggers whose INFO lines are per order: shown with -v only (a bar or a periodic line sums
#: them up otherwise).
PER_ORDER_LOGGERS = ("oc_bridge.engine.orders", "oc_bridge.engine.shipment_steps",
                     "oc_bridge.engine.confirm")


def _not_per_order(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.name.startswith(PER_ORDER_LOGGERS)


def quiet_per_order_lines(args: argparse.Namespace) -> None:
    """Without ``-v``, keep the per-order INFO lines out of the CLI's log handler (a filter on
    that handler only: other handlers, and the next configuration, are not affected)."""
    if getattr(args, "verbose", False):
        return
    for handler in logging.getLogger().handlers:
        if handler.get_name() == "oc_bridge":
            handler.addFilter(_not_per_order)


def api_use(spent: ClientStats, summary: SyncSummary) -> dict[str, Any]:
    """The Orderchamp API figures of a run for its summary (``--json`` key ``api``)."""
    data = spent.to_dict()
    data["points_per_order"] = round(spent.points_spent / summary.orders_seen, 1) \
        if summary.orders_seen else 0
    data["points_per_fetched_order"] = round(spent.points_spent / summary.orders_fetched, 1) \
        if summary.orders_fetched else 0
    return data


def run_sync(args: argparse.Namespace, env: CliEnv) -> int:
    """Run one sync; the exit code is the summary's (0 or 4)."""
    quiet_per_order_lines(args)
    with env.open_runtime() as runtime:
        before = runtime.client.stats.snapshot()
        progress = progress_for(env.stderr, env.stderr_is_tty,
                                lambda: runtime.client.stats.since(before))
        engine = runtime.engine(dry_run=args.dry_run, progress=progress)
        summary = engine.sync(full=args.full, order_id=args.order)
        summary.api = api_use(runtime.client.stats.since(before), summary)
    print_summary(summary, env, as_json=args.json)
    return summary.exit_code
