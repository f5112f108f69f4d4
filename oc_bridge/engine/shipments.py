"""Pulling shipments from every adapter that reports them and handing each to Orderchamp once.

Per adapter with ``PULL_SHIPMENTS``, under the job lock ``job:shipments:<instance>`` (one process
at a time reads an instance's feed; another skips it with a log line):
``fetch_shipments(saved cursor)``; every unreadable input
is parked (kind ``inbound``); every report goes through
:class:`~oc_bridge.engine.shipment_steps.ShipmentReporter` (a key already ``shipped`` is a
duplicate: skipped, outcome ok); then ``acknowledge_shipments(pull, outcomes)`` and the new
cursor is saved. A report whose Orderchamp step failed transiently is *accepted* (the ledger
holds it and retries it on every run until it succeeds or is parked). Finally every unfinished
ledger row not seen in this pull is resumed.
"""

from __future__ import annotations

import json
import logging

from oc_bridge.adapter import Capability
from oc_bridge.boundary import BoundAdapter
from oc_bridge.canonical import InboundProblem, ShipmentOutcome, ShipmentPull
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.shipment_steps import ShipmentReporter
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import PermanentError, TransientError
from oc_bridge.store import UNFINISHED_SHIPMENT_STATES, ParkedKind

__all__ = ["ShipmentPuller", "shipment_cursor_name", "shipment_job"]

log = logging.getLogger(__name__)


def shipment_job(instance: str) -> str:
    """The job lock of an adapter instance's shipment pull (one process at a time)."""
    return f"job:shipments:{instance}"


def shipment_cursor_name(instance: str) -> str:
    """The ledger cursor name of an adapter instance's shipment feed."""
    return f"shipments:{instance}"


class ShipmentPuller:
    """Runs one shipment pass over every adapter; see the module docstring."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.reporter = ShipmentReporter(ctx)

    def pull(self, summary: SyncSummary) -> None:
        """Pull from every adapter, then resume unfinished ledger rows."""
        handled: set[tuple[str, str]] = set()
        for instance, adapter in self.ctx.adapters.items():
            if adapter.supports(Capability.PULL_SHIPMENTS):
                self._pull_one(instance, adapter, summary, handled)
        self.resume_pending(summary, handled)

    def resume_pending(self, summary: SyncSummary,
                       skip: set[tuple[str, str]] | None = None) -> None:
        """Continue every unfinished shipment row (except those in ``skip``)."""
        for rec in self.store.list_shipments(UNFINISHED_SHIPMENT_STATES):
            if (rec.instance, rec.shipment_key) not in (skip or set()):
                self.reporter.resume(rec, summary)

    def _pull_one(self, instance: str, adapter: BoundAdapter, summary: SyncSummary,
                  handled: set[tuple[str, str]]) -> None:
        lock = shipment_job(instance)
        with self.ctx.claims.job(lock) as held:
            if not held:
                self.ctx.skipped(summary, f"shipments from {instance}", lock)
                return
            cursor_name = shipment_cursor_name(instance)
            try:
                pull = adapter.fetch_shipments(self.store.get_cursor(cursor_name))
            except (TransientError, PermanentError) as exc:
                summary.add_failed(f"{instance}: reading shipments failed: {exc}")
                log.warning("%s: reading shipments failed: %s", instance, exc)
                return
            self.feed(instance, adapter, pull, summary, handled)

    def feed(self, instance: str, adapter: BoundAdapter, pull: ShipmentPull, summary: SyncSummary,
             handled: set[tuple[str, str]] | None = None) -> None:
        """Report a pull (polled, or received by webhook), acknowledge it to the adapter and
        save its cursor when it has one; ``handled`` collects the keys reported."""
        handled = set() if handled is None else handled
        cursor_name = shipment_cursor_name(instance)
        for problem in pull.problems:
            self._park_inbound(instance, problem, summary)
        outcomes: list[ShipmentOutcome] = []
        for report in pull.shipments:
            handled.add((instance, report.shipment_key))
            outcomes.append(self.reporter.report(instance, report, summary))
        if pull.incomplete:
            summary.add_failed(f"{instance}: reading shipments stopped early: {pull.incomplete}")
            log.warning("%s: reading shipments stopped early: %s", instance, pull.incomplete)
        if self.ctx.dry_run:
            if pull.shipments or pull.problems:
                self.ctx.plan(summary, f"acknowledge {len(pull.shipments)} shipment(s) and "
                                       f"{len(pull.problems)} problem(s) at {instance}")
            return
        try:
            adapter.acknowledge_shipments(pull, outcomes)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"{instance}: acknowledging shipments failed: {exc}")
            log.warning("%s: acknowledging shipments failed: %s", instance, exc)
            return
        if pull.cursor is not None:
            self.store.set_cursor(cursor_name, pull.cursor)

    def _park_inbound(self, instance: str, problem: InboundProblem,
                      summary: SyncSummary) -> None:
        payload = json.dumps(dict(problem.raw), default=str) if problem.raw else None
        order = problem.order_number or problem.order_reference
        self.ctx.parked(summary, ParkedKind.INBOUND, problem.source, instance=instance,
                        reason=f"{problem.source}: {problem.message}", payload=payload,
                        order_number=order)
