"""``oc-bridge orders confirm|cancel|mark-paid|set-delivery``: change orders in Orderchamp.

These act on Orderchamp directly; the next ``sync`` sees the result and exports, updates or
cancels at the adapters as usual. Each takes ``--dry-run``: the order is read (a query, no
mutation) and what would be done is printed. A done action is recorded in the ledger's audit
trail with actor ``cli:<OS user>``.
"""

from __future__ import annotations

import argparse
import logging
from datetime import date, datetime

from oc_bridge.actions.actor import cli_actor
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.engine.delivery import as_estimate
from oc_bridge.errors import OcBridgeError, PermanentError
from oc_bridge.models import Order, OrderStatus
from oc_bridge.store import open_store

__all__ = ["add_action_parsers", "parse_delivery"]

log = logging.getLogger(__name__)

DRY_RUN_HELP = "change nothing; read the order and print what would be done"


def add_action_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the order actions under ``orders``."""
    confirm = sub.add_parser(
        "confirm", help="confirm orders (you have the stock)",
        description="Confirm one or more orders awaiting confirmation. Confirmed orders are "
        "exported by the next sync. Exit 1 when any could not be confirmed.")
    confirm.add_argument("ids", nargs="+", metavar="ID", help="Orderchamp order id")
    confirm.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
    confirm.set_defaults(handler=run_confirm)
    cancel = sub.add_parser(
        "cancel", help="cancel an order",
        description="Cancel an order. An order with shipments only gets "
        "CANCELLATION_REQUESTED, which the bridge treats as not yet cancelled.")
    cancel.add_argument("id", metavar="ID", help="Orderchamp order id")
    cancel.add_argument("--reason", required=True, help="cancellation reason")
    cancel.add_argument("--message", default=None, help="message to the retailer")
    cancel.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
    cancel.set_defaults(handler=run_cancel)
    paid = sub.add_parser(
        "mark-paid", help="mark an Order Portal order paid",
        description="Order Portal only: record that you collected the payment yourself. "
        "Refuses an order that is already paid.")
    paid.add_argument("id", metavar="ID", help="Orderchamp order id")
    paid.add_argument("--description", required=True,
                      help="how the payment was collected (required)")
    paid.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
    paid.set_defaults(handler=run_mark_paid)
    delivery = sub.add_parser(
        "set-delivery", help="change an order's estimated delivery",
        description="Set estimatedDeliveryAt. DATE is an ISO date (2026-12-03, taken as 12:00 "
        "UTC that day) or an ISO date-time with a time zone. The retailer is e-mailed unless "
        "--no-notify.")
    delivery.add_argument("id", metavar="ID", help="Orderchamp order id")
    delivery.add_argument("date", metavar="DATE", help="ISO date or date-time with time zone")
    delivery.add_argument("--no-notify", action="store_true",
                          help="do not e-mail the retailer about the change")
    delivery.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
    delivery.set_defaults(handler=run_set_delivery)


def _status(status: OrderStatus | None) -> str:
    return status.value if status else "?"


def _audit(env: CliEnv, order: Order, action: str, message: str) -> None:
    """Record an operator's change of an Orderchamp order in the ledger's audit trail; a
    ledger that cannot be written is a warning (the change itself is done)."""
    try:
        with open_store(env.settings().store.url) as store:
            store.record_action("order", order.id, action, actor=cli_actor(env.environ),
                                order_number=order.number, message=message)
    except Exception as exc:  # the audit line must never hide that the change was made
        log.warning("order %s: %s done, but recording it in the ledger failed: %s",
                    order.number, action, exc)


def _read(env: CliEnv, order_id: str, *, shipments: bool = False) -> Order | None:
    """The order as Orderchamp has it now (a dry run's look before it says anything): the
    lean document, with shipments only when the answer depends on them."""
    with env.orderchamp_client() as client:
        return client.get_order(order_id, with_shipments=shipments)


def _missing(env: CliEnv, order_id: str) -> int:
    env.err(f"error: order {order_id} not found in Orderchamp")
    return ExitCode.ERROR


def run_confirm(args: argparse.Namespace, env: CliEnv) -> int:
    """Confirm each order; a failure is reported and the rest still go."""
    if args.dry_run:
        return _confirm_dry_run(args, env)
    failed = 0
    with env.orderchamp_client() as client:
        for order_id in args.ids:
            try:
                order = client.confirm_order(order_id)
            except OcBridgeError as exc:
                env.err(f"error: order {order_id}: {exc}")
                failed += 1
                continue
            env.out(f"order {order.number} confirmed ({_status(order.status)})")
            _audit(env, order, "confirm", "confirmed in Orderchamp")
    return ExitCode.ERROR if failed else ExitCode.OK


def _confirm_dry_run(args: argparse.Namespace, env: CliEnv) -> int:
    failed = 0
    for order_id in args.ids:
        order = _read(env, order_id)
        if order is None:
            failed += 1
            _missing(env, order_id)
        elif order.is_confirmed:
            env.out(f"dry run: order {order.number} is already confirmed; nothing to do")
        elif order.is_cancelled:
            env.err(f"error: order {order.number} is cancelled; it cannot be confirmed")
            failed += 1
        else:
            env.out(f"dry run: would confirm order {order.number} ({_status(order.status)})")
    return ExitCode.ERROR if failed else ExitCode.OK


def run_cancel(args: argparse.Namespace, env: CliEnv) -> int:
    """Cancel one order; say so when only a cancellation request resulted."""
    if args.dry_run:
        current = _read(env, args.id, shipments=True)
        if current is None:
            return _missing(env, args.id)
        if current.is_cancelled:
            env.out(f"dry run: order {current.number} is already cancelled; nothing to do")
        elif current.shipments:
            env.out(f"dry run: would ask to cancel order {current.number} (reason "
                    f"{args.reason}); it has shipments, so it would become "
                    "CANCELLATION_REQUESTED, not cancelled")
        else:
            env.out(f"dry run: would cancel order {current.number} (reason {args.reason}); "
                    "the next sync would cancel it at the adapters")
        return ExitCode.OK
    with env.orderchamp_client() as client:
        order = client.cancel_order(args.id, reason=args.reason, message=args.message)
    _audit(env, order, "cancel", f"reason {args.reason}; status {_status(order.status)}")
    if order.status == OrderStatus.CANCELLATION_REQUESTED and not order.is_cancelled:
        env.out(f"order {order.number}: cancellation requested (CANCELLATION_REQUESTED); it is "
                "not cancelled yet and is not exported or cancelled at the adapters meanwhile")
    else:
        env.out(f"order {order.number} cancelled ({_status(order.status)})")
    return ExitCode.OK


def run_mark_paid(args: argparse.Namespace, env: CliEnv) -> int:
    """Mark paid after checking ``isPaid``; an already paid order is refused (exit 1)."""
    if not args.description.strip():
        env.err("error: --description must say how the payment was collected")
        return ExitCode.ERROR
    with env.orderchamp_client() as client:
        current = client.get_order(args.id, with_shipments=False, full=True)
        if current is None:
            env.err(f"error: order {args.id} not found in Orderchamp")
            return ExitCode.ERROR
        if current.is_paid:
            when = f" (paid at {current.paid_at.isoformat()})" if current.paid_at else ""
            env.err(f"error: order {current.number} is already paid{when}; nothing changed")
            return ExitCode.ERROR
        if args.dry_run:
            env.out(f"dry run: would mark order {current.number} paid "
                    f"({args.description.strip()})")
            return ExitCode.OK
        order = client.mark_order_paid(args.id, args.description.strip())
    env.out(f"order {order.number} marked paid")
    _audit(env, order, "mark-paid", args.description.strip())
    return ExitCode.OK


def parse_delivery(text: str) -> datetime:
    """An ISO date (12:00 UTC that day) or an aware ISO date-time; ``PermanentError`` else."""
    try:
        if "T" not in text and " " not in text.strip():
            return as_estimate(date.fromisoformat(text.strip()))
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise PermanentError(f"DATE {text!r} is not an ISO date or date-time") from exc
    if moment.tzinfo is None:
        raise PermanentError(f"DATE {text!r} needs a time zone (e.g. +01:00 or Z)")
    return as_estimate(moment)


def run_set_delivery(args: argparse.Namespace, env: CliEnv) -> int:
    """Update ``estimatedDeliveryAt``."""
    estimate = parse_delivery(args.date)
    if args.dry_run:
        current = _read(env, args.id)
        if current is None:
            return _missing(env, args.id)
        was = current.estimated_delivery_at.isoformat() if current.estimated_delivery_at \
            else "none"
        who = "retailer not notified" if args.no_notify else "the retailer would be e-mailed"
        env.out(f"dry run: would change the estimated delivery of order {current.number} "
                f"from {was} to {estimate.isoformat()} ({who})")
        return ExitCode.OK
    with env.orderchamp_client() as client:
        order = client.update_estimated_delivery(args.id, estimate,
                                                 notify_customer=not args.no_notify)
    shown = order.estimated_delivery_at.isoformat() if order.estimated_delivery_at \
        else estimate.isoformat()
    note = "" if not args.no_notify else " (retailer not notified)"
    env.out(f"order {order.number}: estimated delivery {shown}{note}")
    _audit(env, order, "set-delivery", f"estimated delivery {shown}{note}")
    return ExitCode.OK
