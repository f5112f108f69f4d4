"""``oc-bridge orders ...``: look at Orderchamp orders directly (no ledger involved)."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.cli.holds_cmd import add_hold_parsers
from oc_bridge.cli.order_actions import add_action_parsers
from oc_bridge.cli.order_repair import add_repair_parsers
from oc_bridge.models import Order

PROGRESS_EVERY = 200

_COLUMNS = (("NUMBER", 12), ("STATUS", 24), ("RETAILER", 32), ("LINES", 5), ("TOTAL", 12))


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``orders`` and its subcommands."""
    parser = subparsers.add_parser(
        "orders", help="list, confirm, cancel, mark paid, set delivery; resync, forget, "
        "history; hold, release",
        description="Work with Orderchamp orders."
    )
    sub = parser.add_subparsers(dest="orders_command", metavar="SUBCOMMAND")
    listing = sub.add_parser(
        "list",
        help="list orders (confirmed, not cancelled by default)",
        description="Stream orders from Orderchamp as a table (or JSON). By default only "
        "confirmed, uncancelled orders: the ones that may be fulfilled. Progress goes to "
        "stderr on long listings.",
    )
    listing.add_argument(
        "--unfulfilled", action="store_true", help="only orders with something left to ship"
    )
    listing.add_argument(
        "--all", action="store_true", help="include unconfirmed and cancelled orders"
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array of orders")
    listing.add_argument(
        "--limit", type=int, default=None, metavar="N", help="stop after N orders"
    )
    listing.set_defaults(handler=run_list)
    add_action_parsers(sub)
    add_repair_parsers(sub)
    add_hold_parsers(sub)


def _row(values: list[str]) -> str:
    cells = []
    for (_, width), value in zip(_COLUMNS, values, strict=True):
        text = value if len(value) <= width else value[: width - 1] + "…"
        cells.append(text.ljust(width))
    return "  ".join(cells).rstrip()


def _summary(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status.value if order.status else None,
        "retailer": order.company_name,
        "lines": order.products_count,
        "total": str(order.total_price) if order.total_price is not None else None,
        "currency": order.currency,
        "created_at": order.created_at.isoformat() if order.created_at else None,
        "updated_at": order.updated_at.isoformat() if order.updated_at else None,
        "is_confirmed": order.is_confirmed,
        "is_cancelled": order.is_cancelled,
        "is_fulfilled": order.is_fulfilled,
    }


def run_list(args: argparse.Namespace, env: CliEnv) -> int:
    """Stream the listing; table or JSON on stdout, progress on stderr."""
    started = time.monotonic()
    count = 0
    with env.orderchamp_client() as client:
        orders = client.iter_orders(
            include_unconfirmed=args.all,
            include_cancelled=args.all,
            is_fulfilled=False if args.unfulfilled else None,
            with_lines=False,
        )
        if args.json:
            env.stdout.write("[")
        else:
            env.out(_row([name for name, _ in _COLUMNS]))
        for order in orders:
            if args.limit is not None and count >= args.limit:
                break
            item = _summary(order)
            if args.json:
                env.stdout.write(("," if count else "") + "\n  " + json.dumps(item))
            else:
                total = f"{item['total']} {item['currency'] or ''}".strip() if item["total"] else ""
                env.out(_row([item["number"], item["status"] or "", item["retailer"] or "",
                              str(item["lines"] if item["lines"] is not None else ""), total]))
            count += 1
            if count % PROGRESS_EVERY == 0:
                total_count = getattr(orders, "total_count", None)
                of = f" of {total_count}" if total_count is not None else ""
                env.err(f"… {count}{of} orders ({time.monotonic() - started:.1f}s)")
        if args.json:
            env.stdout.write("\n]\n" if count else "]\n")
        stats = client.stats
    env.err(
        f"{count} order(s) in {time.monotonic() - started:.1f}s; "
        f"{stats.points_spent} API points, {stats.throttle_waits} throttle wait(s), "
        f"{stats.throttled_answers} throttled answer(s)"
    )
    return ExitCode.OK
