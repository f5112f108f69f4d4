"""Repair one order: look at it again now (``resync``), make the bridge forget its export at
one adapter (``forget``), try parked items again (``retry``). Each records who did it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from oc_bridge.actions.orders import resolve_order_id
from oc_bridge.engine import SyncEngine, SyncSummary
from oc_bridge.engine.claims import Claims
from oc_bridge.engine.orders import export_claim
from oc_bridge.errors import OcBridgeError
from oc_bridge.store import ExportOperation, ExportRecord, ExportState, Store

__all__ = ["ON_CHANGE_POLICIES", "ForgetResult", "forget_export", "resync_order", "retry_parked"]

log = logging.getLogger(__name__)

#: What ``resync --on-change`` accepts (``sync.on_change_after_export`` for one run).
ON_CHANGE_POLICIES = ("park", "update", "cancel-and-reexport")


def _check_adapter(engine: SyncEngine, adapter: str | None) -> None:
    if adapter is not None and adapter not in engine.ctx.adapters:
        known = ", ".join(sorted(engine.ctx.adapters)) or "none"
        raise OcBridgeError(f"no adapter instance {adapter!r} (configured: {known})")


def resync_order(engine: SyncEngine, order: str, *, actor: str, adapter: str | None = None,
                 on_change: str | None = None) -> SyncSummary:
    """Fetch ``order`` (id or number) from Orderchamp now and bring it up to date everywhere
    it belongs, or only at ``adapter``: export, update, cancel, as a sync would, with
    ``on_change`` instead of ``sync.on_change_after_export`` for an edit after export. Its
    parked export rows (at ``adapter``, or all) are re-evaluated too, like ``retry``. A dry
    run (``engine`` built with ``dry_run=True``) changes nothing and lists the plan. Recorded
    in the audit trail with ``actor``."""
    _check_adapter(engine, adapter)
    if on_change is not None and on_change not in ON_CHANGE_POLICIES:
        raise OcBridgeError(f"--on-change must be one of {', '.join(ON_CHANGE_POLICIES)}, "
                            f"not {on_change!r}")
    store = engine.store
    order_id = resolve_order_id(store, order)
    dry_run = engine.ctx.dry_run
    reopened = []
    for rec in store.exports_for_order(order_id):
        if rec.state == ExportState.PARKED and adapter in (None, rec.instance):
            reopened.append(rec.instance)
            if not dry_run:
                store.reset_export(rec.instance, order_id)
    engine.orders.on_change_override = on_change
    engine.orders.only_instance = adapter
    engine.orders.reopened = frozenset(reopened) if dry_run else frozenset()
    try:
        summary = engine.process_order(order_id)
    finally:
        engine.orders.on_change_override = None
        engine.orders.only_instance = None
        engine.orders.reopened = frozenset()
    if reopened and dry_run:
        summary.planned.insert(0, "re-evaluate parked export(s) at " + ", ".join(reopened))
    if not dry_run:
        number = _number(store, order_id)
        store.record_action(
            "order", order_id, "resync", actor=actor, order_number=number, instance=adapter,
            message=_resync_note(adapter, on_change, summary))
    return summary


def _number(store: Store, order_id: str) -> str | None:
    seen = store.get_order(order_id)
    if seen is not None:
        return seen.number
    rows = store.exports_for_order(order_id)
    return rows[0].order_number if rows else None


def _resync_note(adapter: str | None, on_change: str | None, summary: SyncSummary) -> str:
    parts = [f"adapter {adapter or 'all'}"]
    if on_change:
        parts.append(f"on-change {on_change}")
    parts.append(f"exported {summary.exported}, updated {summary.updated}, cancelled "
                 f"{summary.cancelled}, parked {summary.parked}, failed {summary.failed}")
    return "; ".join(parts)


@dataclass(frozen=True)
class ForgetResult:
    """What ``forget`` removed (or, in a dry run, would remove)."""

    order_id: str
    instance: str
    record: ExportRecord
    dry_run: bool
    #: True: exported there again as new; False: the order is cancelled, nothing more is sent.
    reexport: bool = True

    def describe(self) -> str:
        """One line for the operator."""
        rec = self.record
        verb = "would forget" if self.dry_run else "forgot"
        held = f"revision {rec.revision}" if rec.revision is not None else "nothing confirmed"
        ext = f", external id {rec.external_id}" if rec.external_id else ""
        head = (f"{verb} order {rec.order_number} at {self.instance} (state "
                f"{rec.state.value}, {held}{ext})")
        if not self.reexport:
            return f"{head}; the order is cancelled, so nothing more is sent there"
        return (f"{head}; the next sync, or `oc-bridge orders resync {self.order_id} --adapter "
                f"{self.instance}`, exports it there again as a new revision")


def forget_export(store: Store, order: str, *, adapter: str, actor: str, dry_run: bool = False,
                  claim_seconds: float = 60.0) -> ForgetResult:
    """Clear what the ledger knows of ``order`` (id or number) at ``adapter``, so the order is
    exported there again as a new revision (an order deleted in the warehouse by mistake),
    close its parked items there and record who did it. For a cancelled order the row is
    removed and nothing more is sent. Refused while another process is working on that
    export (its claim is held). Raises ``OcBridgeError`` when there is no such row."""
    order_id = resolve_order_id(store, order)
    rec = store.get_export(adapter, order_id)
    if rec is None:
        known = ", ".join(r.instance for r in store.exports_for_order(order_id)) or "none"
        raise OcBridgeError(f"order {order} has no ledger entry at adapter {adapter!r} "
                            f"(it has entries at: {known}); nothing to forget")
    seen = store.get_order(order_id)
    reexport = not ((seen is not None and seen.is_cancelled)
                    or rec.state == ExportState.CANCELLED
                    or rec.operation == ExportOperation.CANCEL)
    if dry_run:
        return ForgetResult(order_id, adapter, rec, dry_run=True, reexport=reexport)
    claims = Claims(store, lease_seconds=claim_seconds)
    name = export_claim(adapter, order_id)
    with claims.hold(name) as held:
        if not held:
            raise OcBridgeError(f"order {rec.order_number} at {adapter} is being worked on by "
                                f"{claims.holder(name)}; try again when it is done")
        note = (f"export forgotten by {actor} (was {rec.state.value}, revision "
                f"{rec.revision}, external id {rec.external_id})"
                + ("; exported again as new" if reexport else "; the order is cancelled"))
        gone = store.forget_export(adapter, order_id, actor=actor, note=note,
                                   reexport=reexport)
    if gone is None:  # removed meanwhile by someone else
        raise OcBridgeError(f"order {order} has no ledger entry at adapter {adapter!r} any "
                            "more; nothing to forget")
    log.info("order %s at %s: export forgotten by %s", rec.order_number, adapter, actor)
    return ForgetResult(order_id, adapter, gone, dry_run=False, reexport=reexport)


def retry_parked(engine: SyncEngine, parked_id: int | None, *, actor: str) -> SyncSummary:
    """Try one parked item (``parked_id``) or every open one again now (see
    :meth:`SyncEngine.retry_parked`), recording who asked. A dry run only lists the plan."""
    items = [engine.store.get_parked(parked_id)] if parked_id is not None \
        else engine.store.list_parked()
    summary = engine.retry_parked(parked_id)
    if not engine.ctx.dry_run:
        for item in items:
            if item is None:
                continue
            engine.store.record_action(
                item.kind.value, item.reference, "retry", actor=actor,
                order_number=item.order_number, instance=item.instance,
                message=f"parked #{item.id} retried")
    return summary
