"""What the order and shipment steps share: settings, client, ledger, claims, adapters, hooks,
mode."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from oc_bridge.boundary import BoundAdapter
from oc_bridge.engine.claims import Claims
from oc_bridge.engine.hooks import EngineHooks, OrderchampApi
from oc_bridge.engine.progress import ProgressReporter
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.settings import Settings
from oc_bridge.sku_map import SkuMap, load_sku_map
from oc_bridge.store import ParkedKind, Store

__all__ = ["EngineContext"]

log = logging.getLogger(__name__)


@dataclass
class EngineContext:
    """The engine's collaborators and run mode, passed to the order and shipment steps."""

    settings: Settings
    client: OrderchampApi
    store: Store
    adapters: Mapping[str, BoundAdapter]
    hooks: EngineHooks
    dry_run: bool = False
    progress: ProgressReporter | None = None
    #: This engine's claims on steps and jobs (built from the settings when not given).
    claims: Claims = field(default=None)  # type: ignore[assignment]

    #: ``sync.sku_map``/``sync.sku_map_file`` (read from the settings when not given).
    sku_map: SkuMap = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.claims is None:
            self.claims = Claims(self.store, lease_seconds=self.settings.sync.claim_seconds,
                                 job_lease_seconds=self.settings.sync.job_lock_seconds,
                                 dry_run=self.dry_run)
        if self.sku_map is None:
            sync = self.settings.sync
            self.sku_map = load_sku_map(sync.sku_map, sync.sku_map_file,
                                        required=sync.require_sku_map)

    @property
    def max_attempts(self) -> int:
        """Attempts for a transiently failing item before it is parked."""
        return self.settings.sync.max_attempts

    def plan(self, summary: SyncSummary, action: str) -> None:
        """Dry run: note an action that would be taken."""
        summary.planned.append(action)
        log.info("dry run: would %s", action)

    def skipped(self, summary: SyncSummary, job: str, lock: str) -> None:
        """Note a job skipped because another process holds its lock ``lock``."""
        note = f"{job}: another process ({self.claims.holder(lock)}) is running it"
        summary.skipped.append(note)
        log.info("skipped %s", note)

    def start_progress(self, what: str, total: int | None) -> None:
        """A long run begins (a bar on a terminal, log lines otherwise)."""
        if self.progress is not None:
            self.progress.start(what, total)

    def advance_progress(self, done: int, note: str) -> None:
        """``done`` items of the run so far."""
        if self.progress is not None:
            self.progress.advance(done, note)

    def finish_progress(self, line: str) -> None:
        """The run ended; ``line`` sums it up."""
        if self.progress is not None:
            self.progress.finish(line)

    def parked(
        self, summary: SyncSummary, kind: ParkedKind, reference: str, *, instance: str | None,
        reason: str, order_number: str | None = None, payload: str | None = None,
        record: Callable[[], object] | None = None,
    ) -> None:
        """Park an item: ``record`` (the ledger row's state change) and the parked item are
        written in one transaction, then observers are told. A dry run only plans it."""
        summary.add_parked(reason)
        if self.dry_run:
            self.plan(summary, f"park {kind.value} {reference}: {reason}")
            return
        with self.store.transaction():
            if record is not None:
                record()
            item = self.store.park(kind, reference, instance=instance, reason=reason,
                                   order_number=order_number, payload=payload)
        log.info("parked %s %s (order %s) as #%d: %s", kind.value, reference,
                 order_number or "?", item.id, reason)
        try:
            self.hooks.notify_order_parked(kind=kind.value, reference=reference,
                                           instance=instance, reason=reason)
        except Exception:  # observers never block the engine
            log.exception("observer of parked items failed")
