"""``oc-bridge parked`` (list items waiting for a human) and ``oc-bridge retry``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.cli.sync_cmd import print_summary
from oc_bridge.runtime import open_runtime
from oc_bridge.store import open_store

__all__ = ["add_parser", "run_parked", "run_retry"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``parked`` and ``retry``."""
    parked = subparsers.add_parser(
        "parked", help="list items parked for a human",
        description="List everything the bridge could not handle, with the exact reason: "
        "orders (mapping problems, changes or cancellations an adapter cannot apply), "
        "shipments (rejected lines, unknown orders) and inbound file problems.",
    )
    parked.add_argument("--json", action="store_true", help="print JSON")
    parked.add_argument("--resolved", action="store_true", help="include resolved items")
    parked.set_defaults(handler=run_parked)

    retry = subparsers.add_parser(
        "retry", help="try parked items again now",
        description="Try one parked item (by its id from `oc-bridge parked`) or all of them "
        "again now. Items that fail again stay parked under the same id. Inbound file problems "
        "cannot be retried: fix the file and drop it again.",
    )
    target = retry.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", type=int, help="the parked item's id")
    target.add_argument("--all", action="store_true", help="every open parked item")
    retry.add_argument("--dry-run", action="store_true", help="change nothing; list the plan")
    retry.add_argument("--json", action="store_true", help="print the summary as JSON")
    retry.set_defaults(handler=run_retry)


def run_parked(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the parked items (oldest first); exit 0."""
    with open_store(env.settings().store.url) as store:
        items = store.list_parked(include_resolved=args.resolved)
    if args.json:
        env.out(json.dumps([asdict(item) for item in items], indent=2))
        return ExitCode.OK
    if not items:
        env.out("nothing is parked")
    for item in items:
        adapter = item.instance or "-"
        order = f" order {item.order_number}" if item.order_number else ""
        closed = f" [resolved {item.resolved_at[:19]}Z: {item.resolution}]" \
            if item.resolved_at else ""
        env.out(f"#{item.id}  {item.kind.value}  {item.reference}{order}  adapter {adapter}  "
                f"since {item.created_at[:19]}Z{closed}")
        env.out(f"    {item.reason}")
    return ExitCode.OK


def run_retry(args: argparse.Namespace, env: CliEnv) -> int:
    """Retry and print the summary; exit 0 when everything went through, else 4."""
    with open_runtime(env.settings(), environ=env.environ) as runtime:
        summary = runtime.engine(dry_run=args.dry_run, progress=env.err).retry_parked(
            None if args.all else args.id)
    print_summary(summary, env, as_json=args.json)
    return summary.exit_code
