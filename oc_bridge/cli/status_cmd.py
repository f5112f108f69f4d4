"""``oc-bridge status``: what the ledger says — counts per state and the latest activity."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from oc_bridge.accounts import each_account, has_accounts
from oc_bridge.alerts import AlertKind, detect
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.settings import Settings
from oc_bridge.store import OrderHold, OrderWait, Store, open_store

__all__ = ["add_parser", "run_status"]

#: Stuck items listed by ``status`` (``alerts check`` lists them all).
STUCK_SHOWN = 10


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``status``."""
    parser = subparsers.add_parser(
        "status", help="ledger counts and recent activity",
        description="Show how many exports and shipments are in each state, how many items are "
        "parked, which orders are held or waiting to be exported, and the latest state "
        "changes. Reads only the ledger (store.url); needs no Orderchamp token. With several "
        "[accounts.*] and no --account, every account's ledger is shown, one after the other.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--limit", type=int, default=15, metavar="N",
                        help="activity lines to show (default 15)")
    parser.set_defaults(handler=run_status)


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"


def run_status(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the counts and activity; exit 0. With several accounts and no ``--account``,
    one block per account (JSON: ``{"accounts": {name: {...}}}``)."""
    if env.account is not None or not has_accounts(env.full_settings()):
        return _status_of(env.settings(), args, env)
    everything = env.full_settings()
    if args.json:
        env.out(json.dumps({"accounts": {
            account.account: _status_data(account, args.limit)
            for account in each_account(everything)}}, indent=2))
        return ExitCode.OK
    for index, account in enumerate(each_account(everything)):
        env.out(("\n" if index else "") + f"== account {account.account} "
                f"({account.orderchamp.account_id})")
        _status_of(account, args, env)
    return ExitCode.OK


def _status_data(settings: Settings, limit: int) -> dict[str, Any]:
    with open_store(settings.store.url) as store:
        counts = store.counts()
        activity = store.recent_activity(limit)
        awaiting = store.list_awaiting_stock()
        holds, waits = _holds(store)
        alerting = detect(store, settings.alerts).enabled(settings.alerts.kinds)
    return {"counts": asdict(counts), "activity": [asdict(a) for a in activity],
            "awaiting_stock": [asdict(a) for a in awaiting],
            "held": [asdict(h) for h in holds], "waiting": [asdict(w) for w in waits],
            "alerts": [a.to_dict() for a in alerting]}


def _holds(store: Store) -> tuple[list[OrderHold], list[OrderWait]]:
    """Orders held by hand, and orders waiting to be exported (not also held)."""
    holds = store.list_holds()
    held = {h.order_id for h in holds}
    return holds, [w for w in store.list_waits() if w.order_id not in held]


def _status_of(settings: Settings, args: argparse.Namespace, env: CliEnv) -> int:
    if args.json:
        env.out(json.dumps(_status_data(settings, args.limit), indent=2))
        return ExitCode.OK
    with open_store(settings.store.url) as store:
        counts = store.counts()
        activity = store.recent_activity(args.limit)
        awaiting = store.list_awaiting_stock()
        holds, waits = _holds(store)
        alerting = detect(store, settings.alerts).enabled(settings.alerts.kinds)
    env.out(f"orders seen: {counts.orders_seen}")
    env.out(f"exports:     {_counts_text(counts.exports)}")
    env.out(f"shipments:   {_counts_text(counts.shipments)}")
    env.out(f"parked:      {counts.parked_open} open, {counts.parked_resolved} resolved")
    if awaiting:
        env.out(f"awaiting stock (left unconfirmed): {len(awaiting)}")
    for item in awaiting:
        short = ", ".join(f"{s.sku} needs {s.needed}, has {s.available}"
                          for s in item.short_lines)
        env.out(f"  order {item.order_number} (since {item.since[:19]}Z): {short}")
    if holds:
        env.out(f"held (not exported until released): {len(holds)}")
    for hold in holds:
        who = f" by {hold.actor}" if hold.actor else ""
        env.out(f"  order {hold.order_number or hold.order_id} (since {hold.held_at[:19]}Z"
                f"{who}): {hold.reason}")
    if waits:
        env.out(f"waiting to be exported: {len(waits)}")
    for wait in waits:
        env.out(f"  order {wait.order_number or wait.order_id} (due {wait.due_at[:19]}Z): "
                f"{wait.reason}")
    stuck = [a for a in alerting if a.kind is not AlertKind.PARKED]
    env.out(f"alerts:      {len(stuck) or 'nothing'} stuck"
            + (" (oc-bridge alerts check lists them)" if stuck else ""))
    for alert in stuck[:STUCK_SHOWN]:
        env.out(f"  [{alert.kind.value}] {alert.message}")
    if len(stuck) > STUCK_SHOWN:
        env.out(f"  ... and {len(stuck) - STUCK_SHOWN} more")
    if activity:
        env.out("recent activity:")
    for entry in activity:
        where = f" at {entry.instance}" if entry.instance else ""
        what = f"order {entry.order_number}" if entry.order_number else entry.reference
        note = f" ({entry.message})" if entry.message else ""
        who = f" by {entry.actor}" if entry.actor else ""
        env.out(f"  {entry.at[:19]}Z  {entry.kind} {what}{where}: {entry.state}{who}{note}")
    return ExitCode.OK
