"""Bringing one Orderchamp order up to date at each adapter instance: export, update, cancel.

Rules (Orderchamp §4): only confirmed, not cancelled orders are exported, and only while
something is left to ship (fully shipped history is never sent again); an order with a
cancellation *request* is neither exported nor cancelled in the warehouse; a cancelled order
that was (or may have been) exported is cancelled there, or parked when the adapter cannot.
Every step records its intent in the ledger before calling the adapter and its outcome after,
under the claim ``export:<instance>:<order id>`` (:mod:`oc_bridge.engine.claims`): an order
another process is bringing up to date at an instance is left to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from oc_bridge.adapter import Capability
from oc_bridge.boundary import BoundAdapter
from oc_bridge.canonical import CancelOutcome, CancelStatus, FulfilmentOrder, SubmitResult
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.diff import describe_difference, fingerprint
from oc_bridge.engine.holds import ExportGate
from oc_bridge.engine.rules import has_unshipped_lines, is_cancelled, next_revision, sighting
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import (
    AlreadyDoneError,
    ClaimLost,
    OcBridgeError,
    PermanentError,
    TransientError,
)
from oc_bridge.faults import crash_point
from oc_bridge.models import Order
from oc_bridge.store import ExportOperation, ExportRecord, ExportState, ParkedKind

__all__ = ["OrderExporter", "export_claim"]

log = logging.getLogger(__name__)

SubmitResultOrError = SubmitResult | OcBridgeError

_VERBS = {ExportOperation.SUBMIT: "export", ExportOperation.UPDATE: "update",
          ExportOperation.CANCEL: "cancel"}


def export_claim(instance: str, order_id: str) -> str:
    """The claim name of one order's steps at one adapter instance."""
    return f"export:{instance}:{order_id}"


@dataclass(frozen=True)
class _PendingSubmit:
    """A submission whose intent is recorded and which waits for its adapter's batch."""

    order: Order
    sent: FulfilmentOrder
    rec: ExportRecord | None
    summary: SyncSummary


class OrderExporter:
    """Applies the export rules for one order at a time; see the module docstring.

    New orders go through :meth:`BoundAdapter.submit_orders` once their intent is recorded: one at a
    time for most adapters, collected into batches of ``submit_batch_size`` for an adapter with
    a batch endpoint; :meth:`flush` sends what is left and must be called when a pass ends.
    """

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.claims = ctx.claims
        self.gate = ExportGate(ctx)
        self._batches: dict[str, list[_PendingSubmit]] = {}
        #: Overrides ``sync.on_change_after_export`` for this exporter (a repair run).
        self.on_change_override: str | None = None
        #: Bring orders up to date at this instance only (``orders resync --adapter``); the
        #: routing is still decided over every instance.
        self.only_instance: str | None = None
        #: Instances whose parked row of the order at hand is looked at again as if reset
        #: (a dry-run resync: the reset itself is not written).
        self.reopened: frozenset[str] = frozenset()

    def handle(self, order: Order, summary: SyncSummary, *, settled: bool = True) -> None:
        """Route the order, bring every instance up to date, then record the sighting.

        The sighting is what lets reconciliation skip an unchanged order, so it is not recorded
        when part of the work was left to another process (a claim held elsewhere) or when
        ``settled`` is False (the caller left something undecided): the next pass looks again.
        """
        # An order seen again in the same pass (it changed meanwhile) must not be decided on
        # while an earlier submission of it still waits in a batch: send that batch first.
        for instance, batch in list(self._batches.items()):
            if any(p.order.id == order.id for p in batch):
                self._flush_instance(instance)
        held = summary.held_elsewhere
        self._bring_everywhere(order, summary)
        # Recorded only now: reconciliation skips an order whose sighting is as new as the
        # listing says, so a sighting must never be written before its order was handled.
        if settled and summary.held_elsewhere == held and not self.ctx.dry_run:
            self.store.record_order(sighting(order))

    def _bring_everywhere(self, order: Order, summary: SyncSummary) -> None:
        existing = {r.instance: r for r in self.store.exports_for_order(order.id)}
        if not is_cancelled(order) and self.gate.manual_hold(order, summary) is not None:
            # Neither exported nor updated while held (a cancellation still goes out); the
            # release leaves a new waiting row, so any old one is dropped.
            self.gate.done_waiting(order)
            return
        routed: list[str] = []
        waiting = False
        if order.is_fulfillable and has_unshipped_lines(order):
            candidates = [name for name, adapter in self.ctx.adapters.items()
                          if adapter.supports(Capability.SUBMIT_ORDERS)]
            routed = self.ctx.hooks.route_order(order, candidates, self.ctx.settings)
            if not routed and not existing:
                self.gate.done_waiting(order)
                self._park_unrouted(order, summary)
                return
            if routed and not self.ctx.dry_run:
                self.store.resolve_parked_for(ParkedKind.ORDER, order.id, None,
                                              "routed to " + ", ".join(routed))
            if any(name not in existing for name in routed):
                waiting = self.gate.waiting(order, summary)
            if waiting:
                routed = [name for name in routed if name in existing]  # updates only
        if not waiting:
            self.gate.done_waiting(order)
        for instance in dict.fromkeys([*routed, *existing]):
            if self.only_instance is not None and instance != self.only_instance:
                continue
            adapter = self.ctx.adapters.get(instance)
            if adapter is not None:
                self._claimed(order, instance, adapter, summary, allow_submit=instance in routed)

    def _claimed(self, order: Order, instance: str, adapter: BoundAdapter, summary: SyncSummary, *,
                 allow_submit: bool) -> None:
        """Bring the order up to date at ``instance`` under the export's claim (a submission
        waiting in a batch holds the claim too, until :meth:`_flush_instance` records it)."""
        name = export_claim(instance, order.id)
        if not self.claims.acquire(name):
            summary.held_elsewhere += 1
            log.info("order %s at %s: held by %s, left to it", order.number, instance,
                     self.claims.holder(name))
            return
        try:
            # Read again under the claim: another process may have just finished a step.
            rec = self.store.get_export(instance, order.id)
            self._bring_up_to_date(order, instance, adapter, rec, summary,
                                   allow_submit=allow_submit)
        except ClaimLost as exc:
            log.warning("order %s at %s: %s; left to it", order.number, instance, exc)
        finally:
            self.claims.release(name)

    def _park_unrouted(self, order: Order, summary: SyncSummary) -> None:
        if self.store.find_open_parked(ParkedKind.ORDER, order.id, None) is not None:
            return
        reason = f"order {order.number}: no adapter instance takes it (check sync.routing)"
        self.ctx.parked(summary, ParkedKind.ORDER, order.id, instance=None, reason=reason,
                        order_number=order.number)

    def _bring_up_to_date(self, order: Order, instance: str, adapter: BoundAdapter,
                          rec: ExportRecord | None, summary: SyncSummary, *,
                          allow_submit: bool) -> None:
        cancelled = is_cancelled(order)
        if rec is not None and rec.state == ExportState.PARKED \
                and not (cancelled and rec.operation != ExportOperation.CANCEL) \
                and instance not in self.reopened:
            return  # waits for a human (``oc-bridge retry``)
        if cancelled:
            self._cancel(order, instance, adapter, rec, summary)
            return
        if not order.is_fulfillable or (rec is not None and rec.state == ExportState.CANCELLED):
            return
        if rec is None and not allow_submit:
            return
        # A submission started and not finished is resumed as one: a first export, or the new
        # export that follows an accepted cancellation (cancel-and-reexport).
        resubmit = rec is not None and rec.operation == ExportOperation.SUBMIT \
            and rec.pending_revision is not None
        operation = ExportOperation.SUBMIT if rec is None or rec.revision is None or resubmit \
            else ExportOperation.UPDATE
        mapped = self._map(order, instance, 1, rec, operation, summary)
        if mapped is None:
            return
        digest, print_ = mapped.content_digest(), fingerprint(mapped)
        if operation == ExportOperation.SUBMIT:
            rec = self._submit(order, instance, adapter, rec, digest, print_, summary)
        revision = next_revision(rec, digest) if rec is not None else None
        if rec is not None and revision is not None:
            self._update(order, instance, adapter, rec, revision, digest, print_, summary)

    def _map(self, order: Order, instance: str, revision: int, rec: ExportRecord | None,
             operation: ExportOperation, summary: SyncSummary) -> FulfilmentOrder | None:
        try:
            return self._mapped(order, instance, revision)
        except (TransientError, PermanentError) as exc:
            self._failed(order, instance, rec, operation, exc, summary)
            return None

    def _mapped(self, order: Order, instance: str, revision: int) -> FulfilmentOrder:
        """The mapping hook's order with the SKU map applied (for every adapter); raises
        ``MappingError`` naming unmapped SKUs when ``sync.require_sku_map`` is on."""
        return self.ctx.sku_map.apply(
            self.ctx.hooks.map_order(order, instance=instance, revision=revision))

    def _submit(self, order: Order, instance: str, adapter: BoundAdapter, rec: ExportRecord | None,
                digest: str, print_: str, summary: SyncSummary) -> ExportRecord | None:
        revision = 1
        if rec is not None and rec.pending_revision is not None:
            # Resume: the same revision (the adapter is idempotent on it) and the intent as
            # first recorded, so a changed content is sent as an update right after.
            revision = rec.pending_revision
            digest = rec.pending_digest or digest
            print_ = rec.pending_fingerprint or print_
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"export order {order.number} to {instance} "
                                   f"(revision {revision})")
            summary.exported += 1
            return None
        sent = self._map(order, instance, revision, rec, ExportOperation.SUBMIT, summary)
        if sent is None:
            return None
        with self._guard(instance, order.id):
            self.store.begin_export(instance, order.id, order_number=order.number,
                                    state=ExportState.SUBMITTING,
                                    operation=ExportOperation.SUBMIT, revision=revision,
                                    digest=digest, fingerprint=print_)
        log.info("order %s at %s: submitting revision %d", order.number, instance, revision)
        return self._queue_submit(order, instance, adapter, rec, sent, summary)

    def _queue_submit(self, order: Order, instance: str, adapter: BoundAdapter,
                      rec: ExportRecord | None, sent: FulfilmentOrder,
                      summary: SyncSummary) -> ExportRecord | None:
        """Queue a submission whose intent is recorded; sent at once unless the adapter
        batches. The recorded row when it went out alone."""
        batch = self._batches.setdefault(instance, [])
        self.claims.acquire(export_claim(instance, order.id))  # held by this process already
        batch.append(_PendingSubmit(order, sent, rec, summary))
        if len(batch) < adapter.submit_batch_size:
            return None  # sent with its batch; any update follows in a later pass
        done = self._flush_instance(instance)
        # Alone in its batch (the usual one-by-one adapter): an update may follow at once.
        return done[0] if len(done) == 1 else None

    def flush(self) -> None:
        """Send every collected batch (end of a pass)."""
        for instance in list(self._batches):
            self._flush_instance(instance)

    def _flush_instance(self, instance: str) -> list[ExportRecord | None]:
        """Submit the batch collected for ``instance``; the recorded rows, in batch order."""
        batch = [p for p in self._batches.pop(instance, []) if self._still_ours(instance, p)]
        if not batch:
            return []
        adapter = self.ctx.adapters[instance]
        results: dict[str, SubmitResultOrError]
        done: list[ExportRecord | None] = []
        try:
            results = dict(adapter.submit_orders([p.sent for p in batch]))
        except (TransientError, PermanentError) as exc:
            results = {p.sent.reference: exc for p in batch}
        for pending in batch:
            outcome = results.get(pending.sent.reference)
            if outcome is None:
                # The batch went out, so the back end may hold the order: ambiguous, retried
                # (idempotently) rather than treated as never sent.
                outcome = TransientError(f"{instance} returned no result for this order")
            try:
                done.append(self._submitted(instance, pending, outcome))
            except ClaimLost as exc:
                log.warning("order %s at %s: %s; left to it", pending.order.number, instance,
                            exc)
                done.append(None)
            finally:
                self.claims.release(export_claim(instance, pending.order.id))
        return done

    def _still_ours(self, instance: str, pending: _PendingSubmit) -> bool:
        """Renew a waiting submission's claim just before its batch goes out; a submission
        whose claim was taken over meanwhile is dropped (its new holder sends it)."""
        name = export_claim(instance, pending.order.id)
        try:
            self.claims.renew(name)
        except ClaimLost as exc:
            log.warning("order %s at %s: %s; not sent", pending.order.number, instance, exc)
            return False
        return True

    def _submitted(self, instance: str, pending: _PendingSubmit,
                   result: SubmitResultOrError) -> ExportRecord | None:
        """Record the outcome of one submission (single or from a batch)."""
        order, summary = pending.order, pending.summary
        if isinstance(result, AlreadyDoneError):
            result = SubmitResult(external_id=result.external_id, already_existed=True)
        if isinstance(result, OcBridgeError):
            if not isinstance(result, TransientError | PermanentError):
                raise result  # configuration problems stop the run
            self._failed(order, instance, pending.rec, ExportOperation.SUBMIT, result, summary)
            return None
        crash_point("after_export")
        done = self._finish(order, instance, result.external_id)
        log.info("order %s at %s: exported revision %d as %s", order.number, instance,
                 pending.sent.revision, result.external_id)
        summary.exported += 1
        self._notify_exported(instance, pending.sent, done.external_id)
        return done

    def _finish(self, order: Order, instance: str, external_id: str | None) -> ExportRecord:
        """Record ``exported`` and close any parked item of this order at this instance."""
        with self._guard(instance, order.id):
            done = self.store.finish_export(instance, order.id, state=ExportState.EXPORTED,
                                            external_id=external_id)
            self.store.resolve_parked_for(ParkedKind.ORDER, order.id, instance,
                                          f"exported revision {done.revision}")
        return done

    @property
    def on_change(self) -> str:
        """The policy for an edit after export: ``on_change_override`` (one repair run) or
        ``sync.on_change_after_export``."""
        return self.on_change_override or self.ctx.settings.sync.on_change_after_export

    def _update(self, order: Order, instance: str, adapter: BoundAdapter, rec: ExportRecord,
                revision: int, digest: str, print_: str, summary: SyncSummary) -> None:
        """The order changed after it was exported: apply ``on_change`` (park, update, or
        cancel-and-reexport), parking whenever the adapter cannot do what the policy asks."""
        change = describe_difference(rec.fingerprint, print_)
        what = f"order {order.number} changed after it was exported to {instance}: {change}"
        policy = self.on_change
        if policy == "park":
            self._park_change(order, instance, summary,
                              f"{what} (sync.on_change_after_export = park); apply it with "
                              f"`oc-bridge orders resync {order.id} --on-change update` or "
                              "change it there by hand")
            return
        if policy == "cancel-and-reexport":
            self._cancel_and_reexport(order, instance, adapter, rec, revision, digest, print_,
                                      summary, what=what)
            return
        if not adapter.supports(Capability.UPDATE_ORDERS):
            self._park_change(order, instance, summary,
                              f"{what}; {instance} cannot update orders: update it there by "
                              "hand")
            return
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"update order {order.number} at {instance} to revision "
                                   f"{revision}: {change}")
            summary.updated += 1
            return
        sent = self._map(order, instance, revision, rec, ExportOperation.UPDATE, summary)
        if sent is None:
            return
        with self._guard(instance, order.id):
            self.store.begin_export(instance, order.id, order_number=order.number,
                                    state=ExportState.UPDATING,
                                    operation=ExportOperation.UPDATE, revision=revision,
                                    digest=digest, fingerprint=print_)
        log.info("order %s at %s: updating to revision %d (%s)", order.number, instance,
                 revision, change)
        try:
            external_id = adapter.update_order(sent, rec.external_id).external_id
        except AlreadyDoneError as exc:
            external_id = exc.external_id
        except (TransientError, PermanentError) as exc:
            self._failed(order, instance, rec, ExportOperation.UPDATE, exc, summary)
            return
        done = self._finish(order, instance, external_id)
        log.info("order %s at %s: exported revision %d", order.number, instance, revision)
        summary.updated += 1
        self._notify_exported(instance, sent, done.external_id)

    def _park_change(self, order: Order, instance: str, summary: SyncSummary,
                     reason: str) -> None:
        self._park_export(order, instance, ExportOperation.UPDATE, reason, summary,
                          error=reason, sent=False)

    def _cancel_and_reexport(self, order: Order, instance: str, adapter: BoundAdapter,
                             rec: ExportRecord, revision: int, digest: str, print_: str,
                             summary: SyncSummary, *, what: str) -> None:
        """Cancel the exported order at ``instance``; once the back end accepted, export the
        new content as revision ``revision``. The accepted cancellation and the intent of the
        new submission are recorded in one transaction, so a crash in between resumes the
        submission (never leaves the order cancelled there and forgotten here)."""
        if not adapter.supports(Capability.CANCEL_ORDERS):
            self._park_change(order, instance, summary,
                              f"{what}; {instance} cannot cancel orders, so it cannot be "
                              "cancelled and exported again (sync.on_change_after_export = "
                              "cancel-and-reexport): change it there by hand")
            return
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"cancel order {order.number} at {instance} and export "
                                   f"it again as revision {revision}: {what}")
            summary.cancelled += 1
            summary.exported += 1
            return
        outcome = self._ask_cancel(order, instance, adapter, rec, summary,
                                   operation=ExportOperation.UPDATE, reason="changed after "
                                   "export; sent again as a new revision")
        if outcome is None:
            return
        if not outcome.is_accepted:
            self._cancel_refused(order, instance, outcome, summary,
                                 what=f"{what}; cancelling it there to export it again")
            return
        sent = self._map(order, instance, revision, rec, ExportOperation.SUBMIT, summary)
        if sent is None:
            return
        with self._guard(instance, order.id):
            self.store.begin_export(instance, order.id, order_number=order.number,
                                    state=ExportState.SUBMITTING,
                                    operation=ExportOperation.SUBMIT, revision=revision,
                                    digest=digest, fingerprint=print_)
        summary.cancelled += 1
        log.info("order %s at %s: cancelled (%s); exporting revision %d", order.number,
                 instance, outcome.reason or "accepted", revision)
        fresh = self.store.get_export(instance, order.id)
        self._queue_submit(order, instance, adapter, fresh, sent, summary)

    def _cancel(self, order: Order, instance: str, adapter: BoundAdapter, rec: ExportRecord | None,
                summary: SyncSummary) -> None:
        if rec is None or rec.state == ExportState.CANCELLED:
            return
        if not rec.maybe_in_backend:
            self._settle_unexported(order, instance, summary)
            return
        if self.ctx.dry_run:
            verb = "cancel" if adapter.supports(Capability.CANCEL_ORDERS) else \
                "park (the adapter cannot cancel)"
            self.ctx.plan(summary, f"{verb} order {order.number} at {instance}")
            summary.cancelled += 1
            return
        outcome = self._ask_cancel(order, instance, adapter, rec, summary,
                                   operation=ExportOperation.CANCEL,
                                   reason=order.cancellation_reason)
        if outcome is None:
            return
        if not outcome.is_accepted:
            self._cancel_refused(
                order, instance, outcome, summary,
                what=f"order {order.number} was cancelled in Orderchamp after it was "
                     f"exported to {instance}")
            return
        with self._guard(instance, order.id):
            self.store.finish_export(instance, order.id, state=ExportState.CANCELLED,
                                     external_id=outcome.external_id)
            self.store.resolve_parked_for(ParkedKind.ORDER, order.id, instance,
                                          "order cancelled; the warehouse accepted")
        log.info("order %s at %s: cancelled (%s)", order.number, instance,
                 outcome.reason or "accepted")
        summary.cancelled += 1

    def _ask_cancel(self, order: Order, instance: str, adapter: BoundAdapter, rec: ExportRecord,
                    summary: SyncSummary, *, operation: ExportOperation,
                    reason: str | None) -> CancelOutcome | None:
        """Ask ``adapter`` to cancel the order (intent first); its outcome, counted, or None
        when the call failed (kept for retry or parked as a failure)."""
        if not adapter.supports(Capability.CANCEL_ORDERS):
            outcome = CancelOutcome.unsupported(f"{instance} ({adapter.name}) cannot cancel "
                                                "orders")
            summary.count_cancellation(outcome.status.value)
            return outcome
        revision = rec.revision or rec.pending_revision or 1
        try:
            mapped = self._mapped(order, instance, revision)
        except (TransientError, PermanentError):  # a cancellation needs no lines
            mapped = FulfilmentOrder(reference=order.id, number=order.number, revision=revision)
        with self._guard(instance, order.id):
            self.store.begin_export(instance, order.id, order_number=order.number,
                                    state=ExportState.CANCELLING,
                                    operation=ExportOperation.CANCEL, revision=None,
                                    digest=None, fingerprint=None)
        log.info("order %s at %s: cancelling", order.number, instance)
        try:
            outcome = adapter.cancel_order(mapped, rec.external_id, reason)
        except AlreadyDoneError as exc:
            outcome = CancelOutcome.accepted("already cancelled", external_id=exc.external_id)
        except (TransientError, PermanentError) as exc:
            self._failed(order, instance, rec, operation, exc, summary)
            return None
        summary.count_cancellation(outcome.status.value)
        return outcome

    def _cancel_refused(self, order: Order, instance: str, outcome: CancelOutcome,
                        summary: SyncSummary, *, what: str) -> None:
        """A rejected or unsupported cancellation: parked with the adapter's reason (an
        alert-worthy event: logged as a warning, counted by outcome)."""
        if outcome.status == CancelStatus.REJECTED:
            said = f"{instance} rejected the cancellation (too late): " \
                   f"{outcome.reason or 'no reason given'}"
            hint = ("stop or recall it there by hand, then `oc-bridge retry` the item or "
                    f"`oc-bridge orders forget {order.id} --adapter {instance} --yes`")
        else:
            said = f"{instance} cannot cancel it: {outcome.reason or 'no reason given'}"
            hint = "cancel it there by hand"
        reason = f"{what}; {said}; {hint}"
        log.warning("order %s at %s: cancellation %s: %s", order.number, instance,
                    outcome.status.value, outcome.reason)
        self._park_export(order, instance, ExportOperation.CANCEL, reason, summary,
                          error=said, sent=True)

    def _settle_unexported(self, order: Order, instance: str, summary: SyncSummary) -> None:
        """A cancelled order that never reached the warehouse: close its row and parkings."""
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"close order {order.number} at {instance}: cancelled "
                                   "before it was exported")
            return
        with self._guard(instance, order.id):
            self.store.begin_export(instance, order.id, order_number=order.number,
                                    state=ExportState.CANCELLING,
                                    operation=ExportOperation.CANCEL, revision=None,
                                    digest=None, fingerprint=None)
            self.store.finish_export(instance, order.id, state=ExportState.CANCELLED)
            self.store.resolve_parked_for(ParkedKind.ORDER, order.id, instance,
                                          "order cancelled before it was exported")
        log.info("order %s at %s: cancelled before it was exported", order.number, instance)

    def _failed(self, order: Order, instance: str, rec: ExportRecord | None,
                operation: ExportOperation, exc: Exception, summary: SyncSummary) -> None:
        permanent = isinstance(exc, PermanentError)
        attempts = (rec.attempts if rec else 0) + 1
        message = f"{_VERBS[operation]} order {order.number} to {instance} failed: {exc}"
        # ``rec`` is the row before this attempt. The back end may hold something after a
        # transient error, or when an earlier attempt was left unfinished.
        sent = not permanent or (rec is not None and rec.pending_revision is not None)
        if permanent or attempts >= self.ctx.max_attempts:
            reason = message if permanent else f"{message} (gave up after {attempts} attempts)"
            self._park_export(order, instance, operation, reason, summary, error=str(exc),
                              sent=sent)
            return
        summary.add_failed(f"{message} (attempt {attempts} of {self.ctx.max_attempts}; "
                           "will retry)")
        if not self.ctx.dry_run:
            with self._guard(instance, order.id):
                self.store.fail_export(instance, order.id, order_number=order.number,
                                       operation=operation, error=str(exc), park=False,
                                       sent=sent)
        log.warning("order %s at %s: %s failed (attempt %d), will retry: %s", order.number,
                    instance, _VERBS[operation], attempts, exc)

    def _park_export(self, order: Order, instance: str, operation: ExportOperation,
                     reason: str, summary: SyncSummary, *, error: str, sent: bool) -> None:
        """Park the order at ``instance`` for a human and mark its ledger row parked."""
        self.ctx.parked(
            summary, ParkedKind.ORDER, order.id, instance=instance, reason=reason,
            order_number=order.number,
            record=lambda: self._guarded(instance, order.id, lambda: self.store.fail_export(
                instance, order.id, order_number=order.number, operation=operation,
                error=error, park=True, sent=sent)))

    def _guard(self, instance: str, order_id: str) -> AbstractContextManager[None]:
        """The transaction an intent or outcome is written in (the export's claim renewed)."""
        return self.claims.guard(export_claim(instance, order_id))

    def _guarded(self, instance: str, order_id: str, write: Callable[[], object]) -> object:
        with self._guard(instance, order_id):
            return write()

    def _notify_exported(self, instance: str, order: FulfilmentOrder,
                         external_id: str | None) -> None:
        try:
            self.ctx.hooks.notify_order_exported(instance=instance, order=order,
                                                 external_id=external_id)
        except Exception:  # observers never block the engine
            log.exception("observer of exported orders failed")
