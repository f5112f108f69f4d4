"""``oc-bridge sandbox``: run the local Orderchamp stand-in and drive scenarios on it.

``sandbox serve`` runs the sandbox in the foreground; ``sandbox order create|confirm|cancel|
update|show`` talk to the ``/sandbox/...`` admin endpoint of a running one.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from types import FrameType
from typing import Any, TextIO
from urllib.parse import quote

import requests

__all__ = ["add_parser", "run_order", "serve"]

DEFAULT_URL = "http://127.0.0.1:8765"
_ADMIN_TIMEOUT = 10.0


def _say(stream: TextIO, text: str = "") -> None:
    stream.write(text + "\n")
    stream.flush()


# --- parsers ------------------------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``sandbox`` with its ``serve`` and ``order ...`` subcommands."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local Orderchamp stand-in and drive scenarios on it",
        description="A local, realistic stand-in for Orderchamp's GraphQL API over real HTTP: "
        "deterministic EU retailer orders, business rules, cost-based throttling, signed "
        "webhooks, fault injection, and an admin endpoint (/sandbox/...) to drive scenarios.",
    )
    parser.set_defaults(handler=_help_handler(parser))
    sub = parser.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND")
    _add_serve(sub)
    _add_order(sub)


def _help_handler(parser: argparse.ArgumentParser) -> Any:
    def show_help(_args: argparse.Namespace, env: Any) -> int:
        parser.print_help(env.stdout)
        return 1

    return show_help


def _add_serve(sub: argparse._SubParsersAction) -> None:
    serve_parser = sub.add_parser(
        "serve",
        help="serve the sandbox in the foreground until Ctrl-C",
        description="Generate a deterministic data set and serve Orderchamp's GraphQL API at "
        "http://HOST:PORT/v1/graphql until interrupted (SIGINT or SIGTERM). Prints the URL and "
        "the settings that point oc-bridge at it.",
    )
    add = serve_parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    add("--port", type=int, default=8765, help="port to listen on, 0 for any (default: 8765)")
    add("--orders", type=int, default=50, help="orders to generate (default: %(default)s)")
    add("--catalogue-size", type=int, default=0, metavar="N",
        help="at least N product variants (padded with NZ-BULK-NNNNN SKUs; default: built-in)")
    add("--seed", type=int, default=1, help="random seed of the data set (default: 1)")
    add(
        "--throttle",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="enforce the leaky bucket and the maximum query cost (default: off)",
    )
    add(
        "--webhook-secret",
        default="sandbox-secret",
        help="secret that signs webhook deliveries (default: %(default)s)",
    )
    add("--token", default=None, help="accept only this bearer token (default: any token)")
    add("--bucket-size", type=int, default=1000, help="bucket capacity in points (default: 1000)")
    add("--restore-rate", type=float, default=50.0, help="points restored per second (default: 50)")
    add(
        "--fault-5xx",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of GraphQL requests answered 500/502/503 (0..1)",
    )
    add(
        "--fault-429",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of GraphQL requests answered 429 with Retry-After (0..1)",
    )
    add("--latency-ms", type=int, default=0, metavar="MS", help="added latency per request")
    add("--no-webhooks", action="store_true", help="never deliver webhooks")
    add("--webhook-duplicates", action="store_true", help="deliver every webhook twice")
    add("--webhook-shuffle", action="store_true", help="deliver webhooks out of order")
    add(
        "--schema", metavar="PATH", default=None, help="serve this SDL file instead of the built-in"
    )
    serve_parser.set_defaults(handler=_serve_handler)


def _add_order(sub: argparse._SubParsersAction) -> None:
    order_parser = sub.add_parser(
        "order",
        help="create, confirm, cancel, update or show orders in a running sandbox",
        description="Drive order scenarios through the admin endpoint of a running sandbox. "
        "Orders are referenced by global ID (T3JkZXI6MQ) or number (OC-100001). Each change "
        "fires the same webhooks as the real API.",
    )
    order_parser.set_defaults(handler=_help_handler(order_parser))
    actions = order_parser.add_subparsers(dest="order_command", metavar="ACTION")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--url", default=DEFAULT_URL, help="base URL of the sandbox (default: %(default)s)"
        )
        parser.add_argument("--json", action="store_true", help="print the answer as JSON")
        parser.set_defaults(handler=run_order)

    create = actions.add_parser(
        "create",
        help="place a new order (confirmed unless --unconfirmed)",
        description="Place a new order from a random retailer; fires ORDER_CREATED (and, when "
        "confirmed, ORDER_CONFIRMED, ORDER_UPDATED and INVOICE_CREATED).",
    )
    create.add_argument("--unconfirmed", action="store_true", help="leave it AWAITING_CONFIRMATION")
    create.add_argument("--lines", type=int, default=None, help="number of lines (default: random)")
    create.add_argument(
        "--sku",
        dest="skus",
        action="append",
        default=None,
        metavar="SKU",
        help="order this SKU (repeatable)",
    )
    create.add_argument("--note", default=None, help="the retailer's note")
    common(create)

    confirm = actions.add_parser(
        "confirm",
        help="confirm an order awaiting confirmation",
        description="Confirm an AWAITING_CONFIRMATION order as the supplier would; creates its "
        "direct invoice.",
    )
    confirm.add_argument("ref", help="order global ID or number")
    common(confirm)

    cancel = actions.add_parser(
        "cancel",
        help="cancel an order",
        description="Cancel an order; one that already has shipments only becomes "
        "CANCELLATION_REQUESTED.",
    )
    cancel.add_argument("ref", help="order global ID or number")
    cancel.add_argument("--reason", default=None, help="cancellation reason code")
    cancel.add_argument("--message", default=None, help="message to the retailer")
    common(cancel)

    update = actions.add_parser(
        "update",
        help="change an order as the retailer would (bumps updatedAt)",
        description="Change the note or reference of an order, or a line quantity of an "
        "unconfirmed one; with no option the order is only touched. Fires ORDER_UPDATED.",
    )
    update.add_argument("ref", help="order global ID or number")
    update.add_argument("--note", default=None, help="new note")
    update.add_argument("--reference", default=None, help="new retailer reference")
    update.add_argument(
        "--quantity",
        dest="quantities",
        action="append",
        default=None,
        metavar="LINE=QTY",
        help="set a line's quantity; LINE is its ID, SKU or 0-based index (repeatable)",
    )
    common(update)

    show = actions.add_parser(
        "show",
        help="print an order with its lines, shipments and invoices",
        description="Print the full JSON of an order, including shipments and invoices.",
    )
    show.add_argument("ref", help="order global ID or number")
    common(show)


# --- serve --------------------------------------------------------------------------------------


def _config_from_args(args: argparse.Namespace) -> Any:
    from oc_bridge.sandbox import SandboxConfig

    return SandboxConfig(
        orders=args.orders,
        catalogue_size=args.catalogue_size,
        seed=args.seed,
        throttle=args.throttle,
        webhook_secret=args.webhook_secret,
        token=args.token,
        bucket_size=args.bucket_size,
        restore_rate=args.restore_rate,
        fault_5xx_rate=args.fault_5xx,
        fault_429_rate=args.fault_429,
        latency_ms=args.latency_ms,
        webhooks_enabled=not args.no_webhooks,
        webhook_duplicates=args.webhook_duplicates,
        webhook_shuffle=args.webhook_shuffle,
        schema_path=args.schema,
    )


def _serve_handler(args: argparse.Namespace, env: Any) -> int:
    return serve(args, env)


def serve(args: argparse.Namespace, env: Any, stop: threading.Event | None = None) -> int:
    """Serve until SIGINT/SIGTERM (or until ``stop`` is set, for in-process tests)."""
    from oc_bridge.sandbox import Sandbox

    stop = stop or threading.Event()
    problems = []
    if not 0 <= args.fault_5xx <= 1 or not 0 <= args.fault_429 <= 1:
        problems.append("fault rates must be between 0 and 1")
    if args.orders < 0 or args.latency_ms < 0 or args.bucket_size <= 0 or args.restore_rate <= 0:
        problems.append("--orders and --latency-ms must be >= 0, bucket and rate > 0")
    if problems:
        for problem in problems:
            _say(env.stderr, f"error: {problem}")
        return 2
    sandbox = Sandbox(_config_from_args(args))
    try:
        sandbox.start(args.host, args.port)
    except OSError as exc:
        _say(env.stderr, f"error: cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    previous = _install_signal_handlers(stop)
    try:
        out = env.stdout
        throttle = "on" if args.throttle else "off"
        _say(out, f"Orderchamp sandbox: {sandbox.url}")
        _say(out, f"  {args.orders} orders, seed {args.seed}, throttle {throttle}")
        _say(out, f"  admin: {sandbox.base_url}/sandbox/stats")
        _say(out, "Point oc-bridge at it:")
        _say(out, f"  export OC_BRIDGE_ORDERCHAMP__API_URL={sandbox.url}")
        _say(out, f"  export OC_BRIDGE_ORDERCHAMP__TOKEN={args.token or 'sandbox'}")
        _say(out, f"  export OC_BRIDGE_ORDERCHAMP__WEBHOOK_SECRET={args.webhook_secret}")
        _say(out, "Press Ctrl-C to stop.")
        while not stop.wait(0.5):
            pass
    finally:
        _restore_signal_handlers(previous)
        sandbox.stop()
    _say(env.stdout, "sandbox stopped")
    return 0


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handle)
    return previous


def _restore_signal_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


# --- order actions ------------------------------------------------------------------------------


def _order_request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    base = args.url.rstrip("/")
    if base.endswith("/v1/graphql"):
        base = base[: -len("/v1/graphql")]
    command = args.order_command
    if command == "create":
        body: dict[str, Any] = {"confirmed": not args.unconfirmed}
        if args.lines is not None:
            body["lines"] = args.lines
        if args.skus:
            body["skus"] = args.skus
        if args.note is not None:
            body["note"] = args.note
        return "POST", f"{base}/sandbox/orders", body
    ref = quote(args.ref, safe="")
    if command == "show":
        return "GET", f"{base}/sandbox/orders/{ref}", None
    if command == "cancel":
        return (
            "POST",
            f"{base}/sandbox/orders/{ref}/cancel",
            {
                "reason": args.reason,
                "message": args.message,
            },
        )
    if command == "update":
        quantities = {}
        for item in args.quantities or []:
            line, sep, qty = item.partition("=")
            if not sep or not qty.strip().lstrip("-").isdigit():
                raise ValueError(f"--quantity wants LINE=QTY, got {item!r}")
            quantities[line] = int(qty)
        body = {"note": args.note, "reference": args.reference}
        if quantities:
            body["quantities"] = quantities
        return "POST", f"{base}/sandbox/orders/{ref}/update", body
    return "POST", f"{base}/sandbox/orders/{ref}/confirm", {}


def run_order(args: argparse.Namespace, env: Any) -> int:
    """Send one order action to the admin endpoint and print the answer."""
    try:
        method, url, body = _order_request(args)
    except ValueError as exc:
        _say(env.stderr, f"error: {exc}")
        return 2
    try:
        response = requests.request(method, url, json=body, timeout=_ADMIN_TIMEOUT)
    except requests.RequestException as exc:
        _say(env.stderr, f"error: cannot reach the sandbox at {args.url}: {exc}")
        return 1
    try:
        payload = response.json()
    except ValueError:
        _say(env.stderr, f"error: HTTP {response.status_code} from {url}: not JSON")
        return 1
    if response.status_code >= 400:
        message = payload.get("error") if isinstance(payload, dict) else None
        _say(env.stderr, f"error: {message or f'HTTP {response.status_code}'}")
        if args.json:
            _say(env.stdout, json.dumps(payload, indent=2, ensure_ascii=False))
        return 1
    if args.json or args.order_command == "show":
        _say(env.stdout, json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        verb = {
            "create": "created",
            "confirm": "confirmed",
            "cancel": "cancelled",
            "update": "updated",
        }[args.order_command]
        _say(env.stdout, f"{verb} order {payload['number']} ({payload['id']}): {payload['status']}")
    return 0
