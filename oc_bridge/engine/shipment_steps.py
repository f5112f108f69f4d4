"""Reporting one parcel to Orderchamp exactly once: validate, create, ship — and resume.

Ledger steps: ``received`` (report stored) → ``creating`` (intent with the resolved lines) →
``shipmentCreate`` → ``created`` (Orderchamp id recorded) → ``shipping`` → ``shipmentShip`` →
``shipped``. Resume rules, applied whenever a row's create step was started:

- no Orderchamp id recorded (crash or ambiguous failure around ``shipmentCreate``): re-read the
  order and ADOPT an unshipped shipment with exactly the recorded lines and quantities that no
  other ledger row claims; only when there is none, create it (after checking again);
- id recorded: re-read the order; a shipment already shipped is recorded as ``shipped``,
  otherwise it is shipped now. ``shipmentCreate`` is never sent twice for one row.

Every row is advanced under its claim ``shipment:<instance>:<key>``
(:mod:`oc_bridge.engine.claims`): a row another process holds is left to it (the report is
already in the ledger, so the outcome is ok), and each intent and outcome is written together
with a renewal of the claim, so a process that lost it stops before writing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from oc_bridge.canonical import ShipmentOutcome, ShipmentReport, ShippedLine
from oc_bridge.carriers import CarrierMapped, map_carrier
from oc_bridge.engine.allocation import ShipmentRejected, allocate_lines
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import OcBridgeError, PermanentError, TransientError
from oc_bridge.faults import crash_point
from oc_bridge.models import Order, OrderStatus
from oc_bridge.store import ParkedKind, ShipmentRecord, ShipmentState

__all__ = ["ShipmentReporter", "shipment_claim"]

log = logging.getLogger(__name__)


def shipment_claim(instance: str, shipment_key: str) -> str:
    """The claim name of one parcel's Orderchamp steps."""
    return f"shipment:{instance}:{shipment_key}"


def _lines_text(lines: list[tuple[str, int]] | tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{qty} x {ref}" for ref, qty in lines)


class ShipmentReporter:
    """Takes one report (or one unfinished ledger row) as far as it can go."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.client = ctx.client
        self.claims = ctx.claims

    # --- entry points -----------------------------------------------------------------------

    def report(self, instance: str, report: ShipmentReport,
               summary: SyncSummary) -> ShipmentOutcome:
        """Handle a report delivered by adapter ``instance``; returns its outcome."""
        key = report.shipment_key
        rec = self.store.get_shipment(instance, key)
        if rec is not None and rec.state == ShipmentState.SHIPPED:
            return self._duplicate(rec, summary)
        if self.ctx.dry_run:
            return self._dry_run(instance, report, rec, summary)
        if rec is None or not rec.create_started:
            # Recorded before the claim is asked for: whoever holds the claim (or takes it
            # over later) finds the report in the ledger.
            rec = self.store.receive_shipment(
                instance, key, report_json=report.model_dump_json(),
                order_id=report.order_ref, order_number=report.order_number)
            log.info("shipment %s of order %s at %s: received", key,
                     report.order_number or report.order_ref, instance)
        return self._claimed(rec, summary)

    def resume(self, rec: ShipmentRecord, summary: SyncSummary) -> ShipmentOutcome:
        """Continue an unfinished ledger row (no adapter involved)."""
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"resume shipment {rec.shipment_key} of order "
                                   f"{rec.order_number} (now {rec.state.value})")
            return ShipmentOutcome(shipment_key=rec.shipment_key, ok=True)
        return self._claimed(rec, summary)

    def _claimed(self, rec: ShipmentRecord, summary: SyncSummary) -> ShipmentOutcome:
        """Advance the row under its claim; a row another process holds is left to it."""
        name = shipment_claim(rec.instance, rec.shipment_key)
        outcome = ShipmentOutcome(
            shipment_key=rec.shipment_key, ok=True,
            message="recorded; another process is reporting it to Orderchamp")
        with self.claims.hold(name) as held:
            if not held:
                summary.held_elsewhere += 1
                log.info("shipment %s of order %s: held by %s, left to it", rec.shipment_key,
                         rec.order_number, self.claims.holder(name))
                return outcome
            # Read again under the claim: another process may have finished it meanwhile.
            current = self.store.get_shipment(rec.instance, rec.shipment_key) or rec
            if current.state == ShipmentState.SHIPPED:
                return self._duplicate(current, summary)
            if current.state == ShipmentState.PARKED and rec.state != ShipmentState.PARKED:
                return ShipmentOutcome(shipment_key=rec.shipment_key, ok=False,
                                       message=current.last_error or "parked")
            outcome = self._advance(current, summary)
        return outcome

    def _duplicate(self, rec: ShipmentRecord, summary: SyncSummary) -> ShipmentOutcome:
        summary.duplicates_skipped += 1
        log.info("shipment %s of order %s at %s: already reported, skipped", rec.shipment_key,
                 rec.order_number, rec.instance)
        return ShipmentOutcome(shipment_key=rec.shipment_key, ok=True,
                               message=f"already reported as {rec.oc_shipment_id}")

    # --- steps ------------------------------------------------------------------------------

    def _guard(self, rec: ShipmentRecord) -> AbstractContextManager[None]:
        """The transaction every intent and outcome of ``rec`` is written in (claim renewed)."""
        return self.claims.guard(shipment_claim(rec.instance, rec.shipment_key))

    def _guarded(self, rec: ShipmentRecord, write: Callable[[], object]) -> object:
        with self._guard(rec):
            return write()

    def _advance(self, rec: ShipmentRecord, summary: SyncSummary) -> ShipmentOutcome:
        report = ShipmentReport.model_validate_json(rec.report_json)
        try:
            if not rec.create_started:
                order, lines = self._validate(report)
                with self._guard(rec):
                    rec = self.store.begin_shipment_create(
                        rec.instance, rec.shipment_key, order_id=order.id,
                        order_number=order.number, lines=lines)
                log.info("shipment %s of order %s: creating (%s)", rec.shipment_key,
                         order.number, _lines_text(lines))
                return self._create(rec, report, summary)
            return self._resume_created(rec, report, summary)
        except PermanentError as exc:
            return self._park(rec, exc, summary)
        except TransientError as exc:
            return self._retry_later(rec, exc, summary)

    def _validate(self, report: ShipmentReport) -> tuple[Order, list[tuple[str, int]]]:
        order_id = report.order_ref or self.store.find_order_id(report.order_number or "")
        if order_id is None:
            raise ShipmentRejected(f"unknown order number {report.order_number}")
        order = self.client.get_order(order_id, with_shipments=True)
        if order is None:
            raise ShipmentRejected(f"unknown order {report.order_ref or report.order_number}")
        if report.order_ref and report.order_number and report.order_number != order.number:
            raise ShipmentRejected(f"order number {report.order_number} does not match order "
                                   f"{report.order_ref} (number {order.number})")
        lines = allocate_lines(order, report.lines,
                               orderchamp_skus=self.ctx.sku_map.orderchamp_skus)
        # Before anything is created: a carrier that must be mapped and is not parks it whole.
        self._carrier(report, required=self.ctx.settings.sync.require_carrier_map)
        return order, lines

    def _carrier(self, report: ShipmentReport, *, required: bool) -> CarrierMapped:
        return map_carrier(report, self.ctx.settings.sync.carriers, required=required)

    def _method(self, instance: str, report: ShipmentReport) -> str:
        """The shipment's own method, else its instance's ``shipment_method``, else
        ``sync.shipment_method``."""
        section = self.ctx.settings.adapters.get(instance)
        return report.method or (section.shipment_method if section else None) \
            or self.ctx.settings.sync.shipment_method

    def _create(self, rec: ShipmentRecord, report: ShipmentReport,
                summary: SyncSummary) -> ShipmentOutcome:
        assert rec.order_id is not None
        shipment = self.client.create_shipment(
            rec.order_id, list(rec.lines), method=self._method(rec.instance, report),
            weight=report.weight_grams,
            client_mutation_id=f"oc-bridge:{rec.instance}:{rec.shipment_key}"[:200])
        crash_point("after_shipment_create")
        with self._guard(rec):
            rec = self.store.record_shipment_created(rec.instance, rec.shipment_key,
                                                     shipment.id)
        log.info("shipment %s of order %s: created as %s", rec.shipment_key, rec.order_number,
                 shipment.id)
        crash_point("after_shipment_created")
        return self._ship(rec, report, summary)

    def _ship(self, rec: ShipmentRecord, report: ShipmentReport,
              summary: SyncSummary) -> ShipmentOutcome:
        with self._guard(rec):
            rec = self.store.begin_shipment_ship(rec.instance, rec.shipment_key)
        assert rec.oc_shipment_id is not None
        tracked = report.is_tracked
        transit = report.estimated_transit_days or self.ctx.settings.sync.default_transit_days
        # Never parks here (the shipment exists in Orderchamp): required was checked before.
        carrier = self._carrier(report, required=False)
        log.info("shipment %s of order %s: shipping (%s)", rec.shipment_key, rec.order_number,
                 "tracked" if tracked else f"untracked, {transit} days")
        self.client.ship_shipment(
            rec.oc_shipment_id, is_tracked=tracked, estimated_transit_days=transit,
            tracking_number=report.tracking_number.strip()
            if tracked and report.tracking_number else None,
            tracking_url=carrier.tracking_url, carrier=carrier.carrier)
        if carrier.unmapped is not None:
            summary.unmapped_carriers += 1
            summary.warnings.append(f"shipment {rec.shipment_key} of order {rec.order_number}: "
                                    f"carrier {carrier.unmapped!r} is not in [sync.carriers]; "
                                    "sent as given")
            log.warning("shipment %s: carrier %r not in sync.carriers, sent as given",
                        rec.shipment_key, carrier.unmapped)
        return self._shipped(rec, report, summary)

    def _shipped(self, rec: ShipmentRecord, report: ShipmentReport,
                 summary: SyncSummary) -> ShipmentOutcome:
        with self._guard(rec):
            rec = self.store.record_shipment_shipped(rec.instance, rec.shipment_key)
            self.store.resolve_parked_for(ParkedKind.SHIPMENT, rec.shipment_key, rec.instance,
                                          f"reported as {rec.oc_shipment_id}")
        log.info("shipment %s of order %s: shipped as %s", rec.shipment_key, rec.order_number,
                 rec.oc_shipment_id)
        summary.shipments_reported += 1
        assert rec.oc_shipment_id is not None
        try:
            self.ctx.hooks.notify_shipment_reported(instance=rec.instance, shipment=report,
                                                    shipment_id=rec.oc_shipment_id)
        except Exception:  # observers never block shipment reporting
            log.exception("observer of reported shipments failed")
        self._check_fulfilled(rec, summary)
        return ShipmentOutcome(shipment_key=rec.shipment_key, ok=True,
                               message=f"reported as Orderchamp shipment {rec.oc_shipment_id}")

    def _resume_created(self, rec: ShipmentRecord, report: ShipmentReport,
                        summary: SyncSummary) -> ShipmentOutcome:
        assert rec.order_id is not None
        order = self.client.get_order(rec.order_id, with_shipments=True)
        if order is None:
            raise ShipmentRejected(f"order {rec.order_number} is no longer in Orderchamp")
        if rec.oc_shipment_id is None:
            claimed = self.store.claimed_shipment_ids(order.id)
            wanted = sorted(rec.lines)
            for shipment in order.shipments:
                lines = sorted((p.order_product_id, p.quantity) for p in shipment.products)
                if shipment.id not in claimed and not shipment.is_shipped and lines == wanted:
                    with self._guard(rec):
                        rec = self.store.record_shipment_created(
                            rec.instance, rec.shipment_key, shipment.id, adopted=True)
                    log.info("shipment %s of order %s: adopted existing %s", rec.shipment_key,
                             rec.order_number, shipment.id)
                    return self._ship(rec, report, summary)
            allocate_lines(order, [ShippedLine(line_ref=ref, quantity=qty)
                                   for ref, qty in rec.lines])
            with self._guard(rec):
                rec = self.store.begin_shipment_create(
                    rec.instance, rec.shipment_key, order_id=order.id,
                    order_number=order.number, lines=rec.lines)
            log.info("shipment %s of order %s: creating again, none was made (%s)",
                     rec.shipment_key, order.number, _lines_text(rec.lines))
            return self._create(rec, report, summary)
        found = next((s for s in order.shipments if s.id == rec.oc_shipment_id), None)
        if found is None:
            raise ShipmentRejected(f"Orderchamp shipment {rec.oc_shipment_id} recorded for this "
                                   f"parcel is not on order {order.number}")
        if found.is_shipped:
            log.info("shipment %s of order %s: %s was already shipped", rec.shipment_key,
                     order.number, found.id)
            return self._shipped(rec, report, summary)
        return self._ship(rec, report, summary)

    def _check_fulfilled(self, rec: ShipmentRecord, summary: SyncSummary) -> None:
        """After shipping: when every line is shipped the order must show AWAITING_DELIVERY."""
        assert rec.order_id is not None
        try:
            order = self.client.get_order(rec.order_id, with_shipments=False)
        except OcBridgeError as exc:
            summary.warnings.append(f"order {rec.order_number}: could not re-read after "
                                    f"shipping: {exc}")
            return
        if order is None or any((p.unshipped_quantity or 0) > 0 for p in order.products):
            return
        if order.status == OrderStatus.AWAITING_DELIVERY:
            summary.orders_fulfilled += 1
            log.info("order %s: every line shipped, now AWAITING_DELIVERY", order.number)
        else:
            status = order.status.value if order.status else "unknown"
            summary.warnings.append(f"order {order.number}: every line is shipped but its "
                                    f"status is {status}, not AWAITING_DELIVERY")
            log.warning("order %s: every line shipped but status is %s", order.number, status)

    # --- failures and dry runs --------------------------------------------------------------

    def _park(self, rec: ShipmentRecord, exc: Exception, summary: SyncSummary,
              suffix: str = "") -> ShipmentOutcome:
        reason = f"{exc}{suffix}"
        self.ctx.parked(summary, ParkedKind.SHIPMENT, rec.shipment_key, instance=rec.instance,
                        reason=reason, order_number=rec.order_number, payload=rec.report_json,
                        record=lambda: self._guarded(rec, lambda: self.store.fail_shipment(
                            rec.instance, rec.shipment_key, error=reason, park=True)))
        return ShipmentOutcome(shipment_key=rec.shipment_key, ok=False, message=reason)

    def _retry_later(self, rec: ShipmentRecord, exc: TransientError,
                     summary: SyncSummary) -> ShipmentOutcome:
        current = self.store.get_shipment(rec.instance, rec.shipment_key) or rec
        attempts = current.attempts + 1
        if attempts >= self.ctx.max_attempts:
            return self._park(current, exc, summary, f" (gave up after {attempts} attempts)")
        with self._guard(rec):
            self.store.fail_shipment(rec.instance, rec.shipment_key, error=str(exc), park=False)
        message = (f"shipment {rec.shipment_key} of order {current.order_number}: {exc} "
                   f"(attempt {attempts} of {self.ctx.max_attempts}; will retry)")
        summary.add_failed(message)
        log.warning("%s", message)
        return ShipmentOutcome(shipment_key=rec.shipment_key, ok=True,
                               message=f"recorded; reporting to Orderchamp will be retried: {exc}")

    def _dry_run(self, instance: str, report: ShipmentReport, rec: ShipmentRecord | None,
                 summary: SyncSummary) -> ShipmentOutcome:
        key = report.shipment_key
        if rec is not None and rec.create_started:
            return self.resume(rec, summary)
        try:
            order, lines = self._validate(report)
        except PermanentError as exc:
            summary.add_parked(str(exc))
            self.ctx.plan(summary, f"park shipment {key}: {exc}")
            return ShipmentOutcome(shipment_key=key, ok=False, message=str(exc))
        except TransientError as exc:
            summary.add_failed(f"shipment {key}: {exc}")
            return ShipmentOutcome(shipment_key=key, ok=False, message=str(exc))
        how = "tracked" if report.is_tracked else "untracked"
        carrier = self._carrier(report, required=False)
        self.ctx.plan(summary, f"report shipment {key} of order {order.number} from {instance}: "
                               f"create ({_lines_text(lines)}, "
                               f"{self._method(instance, report)}) and ship {how}"
                               + (f" with {carrier.carrier}" if carrier.carrier else ""))
        summary.shipments_reported += 1
        return ShipmentOutcome(shipment_key=key, ok=True)
