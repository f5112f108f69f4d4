"""``oc-bridge orders resync|forget|history``: repair one order and read its audit trail.

The logic lives in :mod:`oc_bridge.actions` (the web console calls the same functions); these
handlers parse, print and set exit codes. Actions are recorded with actor ``cli:<OS user>``.
"""

from __future__ import annotations

import argparse
import json

from oc_bridge.actions.actor import cli_actor
from oc_bridge.actions.history import order_history
from oc_bridge.actions.repair import ON_CHANGE_POLICIES, forget_export, resync_order
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.cli.sync_cmd import print_summary
from oc_bridge.store import open_store

__all__ = ["add_repair_parsers"]


def add_repair_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the repair tools under ``orders``."""
    resync = sub.add_parser(
        "resync", help="fetch one order now and bring it up to date at the adapters",
        description="Fetch one order from Orderchamp now and export, update or cancel it "
        "wherever it belongs, as a sync would; its parked exports are re-evaluated too. "
        "ID is an Orderchamp order id or an order number the ledger has seen. Recorded in the "
        "audit trail. Exit 0 when everything went through, 4 when something was parked or "
        "failed.")
    resync.add_argument("id", metavar="ID", help="Orderchamp order id or order number")
    resync.add_argument("--adapter", metavar="NAME", help="only this adapter instance")
    resync.add_argument("--on-change", choices=ON_CHANGE_POLICIES, default=None,
                        help="for an edit after export, do this instead of "
                        "sync.on_change_after_export (e.g. update, to apply a parked change)")
    resync.add_argument("--dry-run", action="store_true",
                        help="change nothing anywhere; list what would be done")
    resync.add_argument("--json", action="store_true", help="print the summary as JSON")
    resync.set_defaults(handler=run_resync)

    forget = sub.add_parser(
        "forget", help="clear an order's ledger entry at one adapter (it is exported again)",
        description="Deliberately clear the ledger's export entry of one order at one adapter "
        "instance, so the order is exported there again as new: for an order deleted in the "
        "warehouse by mistake. Its parked items there are closed. Refused without --yes and "
        "while another process works on that export. Recorded in the audit trail. The order "
        "is exported again by `orders resync ID --adapter NAME` or the next reconciliation "
        "that fetches it.")
    forget.add_argument("id", metavar="ID", help="Orderchamp order id or order number")
    forget.add_argument("--adapter", metavar="NAME", required=True,
                        help="the adapter instance whose entry is cleared")
    forget.add_argument("--yes", action="store_true",
                        help="really clear it (required: the order will be exported again)")
    forget.add_argument("--dry-run", action="store_true",
                        help="change nothing; say what would be cleared")
    forget.add_argument("--json", action="store_true", help="print the result as JSON")
    forget.set_defaults(handler=run_forget)

    history = sub.add_parser(
        "history", help="everything the ledger knows about one order, with timestamps",
        description="Every event, export, shipment, parked item and error of one order from "
        "the ledger, oldest first, with who did each operator action. Reads the ledger only.")
    history.add_argument("id", metavar="ID", help="Orderchamp order id or order number")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=run_history)


def run_resync(args: argparse.Namespace, env: CliEnv) -> int:
    """Re-fetch and re-evaluate one order; the summary; exit 0 or 4."""
    with env.open_runtime() as runtime:
        engine = runtime.engine(dry_run=args.dry_run)
        summary = resync_order(engine, args.id, actor=cli_actor(env.environ),
                               adapter=args.adapter, on_change=args.on_change)
    print_summary(summary, env, as_json=args.json)
    return summary.exit_code


def run_forget(args: argparse.Namespace, env: CliEnv) -> int:
    """Clear one export row (with --yes), or say what would be cleared (--dry-run)."""
    if not args.yes and not args.dry_run:
        env.err(f"error: forgetting order {args.id} at {args.adapter} makes the bridge export "
                "it there again; add --yes to do it (or --dry-run to see what it would clear)")
        return ExitCode.ERROR
    with open_store(env.settings().store.url) as store:
        result = forget_export(store, args.id, adapter=args.adapter,
                               actor=cli_actor(env.environ), dry_run=args.dry_run,
                               claim_seconds=env.settings().sync.claim_seconds)
    if args.json:
        env.out(json.dumps({"order_id": result.order_id, "adapter": result.instance,
                            "dry_run": result.dry_run, "state": result.record.state.value,
                            "revision": result.record.revision,
                            "external_id": result.record.external_id}, indent=2))
    else:
        env.out(result.describe())
    return ExitCode.OK


def run_history(args: argparse.Namespace, env: CliEnv) -> int:
    """Print one order's ledger record and events."""
    with open_store(env.settings().store.url) as store:
        history = order_history(store, args.id)
    if args.json:
        env.out(json.dumps(history.to_dict(), indent=2))
    else:
        for line in history.lines():
            env.out(line)
    return ExitCode.OK
