"""``oc-bridge parked`` (list items waiting for a human) and ``oc-bridge retry``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from oc_bridge.actions.actor import cli_actor
from oc_bridge.actions.repair import retry_parked
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.cli.sync_cmd import print_summary
from oc_bridge.store import open_store

__all__ = ["add_parser", "run_parked", "run_retry"]

#: Items ``oc-bridge parked`` shows per page unless ``--limit`` says otherwise.
DEFAULT_LIMIT = 50


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``parked`` and ``retry``."""
    parked = subparsers.add_parser(
        "parked", help="list items parked for a human",
        description="List everything the bridge could not handle, with the exact reason: "
        "orders (mapping problems, changes or cancellations an adapter cannot apply), "
        "shipments (rejected lines, unknown orders) and inbound file problems.",
    )
    parked.add_argument("--json", action="store_true",
                        help='print JSON: {"total", "offset", "limit", "items"}')
    parked.add_argument("--resolved", action="store_true", help="include resolved items")
    parked.add_argument("--limit", type=_count, default=DEFAULT_LIMIT, metavar="N",
                        help=f"show at most N items (default {DEFAULT_LIMIT}; 0 shows all)")
    parked.add_argument("--offset", type=_count, default=0, metavar="N",
                        help="skip the first N items (the next page starts at offset + limit)")
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
    """Print one page of parked items (oldest first) and the total; exit 0."""
    limit = args.limit or None
    with open_store(env.settings().store.url) as store:
        counts = store.counts()
        items = store.list_parked(include_resolved=args.resolved, limit=limit,
                                  offset=args.offset)
    total = counts.parked_open + (counts.parked_resolved if args.resolved else 0)
    if args.json:
        env.out(json.dumps({"total": total, "offset": args.offset, "limit": limit,
                            "items": [asdict(item) for item in items]}, indent=2))
        return ExitCode.OK
    if not total:
        env.out("nothing is parked")
    for item in items:
        adapter = item.instance or "-"
        order = f" order {item.order_number}" if item.order_number else ""
        closed = f" [resolved {item.resolved_at[:19]}Z: {item.resolution}]" \
            if item.resolved_at else ""
        env.out(f"#{item.id}  {item.kind.value}  {item.reference}{order}  adapter {adapter}  "
                f"since {item.created_at[:19]}Z{closed}")
        env.out(f"    {item.reason}")
    if total and len(items) < total:
        shown = f"{args.offset + 1}-{args.offset + len(items)}" if items else "none"
        more = args.offset + len(items) < total
        env.out(f"showing {shown} of {total}" + (
            f"; next page: --offset {args.offset + len(items)}" if more and items else ""))
    return ExitCode.OK


def run_retry(args: argparse.Namespace, env: CliEnv) -> int:
    """Retry and print the summary; exit 0 when everything went through, else 4."""
    with env.open_runtime() as runtime:
        engine = runtime.engine(dry_run=args.dry_run, progress=env.err)
        summary = retry_parked(engine, None if args.all else args.id,
                               actor=cli_actor(env.environ))
    print_summary(summary, env, as_json=args.json)
    return summary.exit_code
