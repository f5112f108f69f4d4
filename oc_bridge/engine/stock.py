"""Pushing adapters' stock to Orderchamp: absolute ``SET`` in batches, changed SKUs only.

- **Figures.** Every adapter instance with ``STOCK_LEVELS`` is read, its warehouse SKUs turned
  into Orderchamp SKUs through the SKU map (reversed); a SKU's figure is the sum
  of what all of them report (several warehouses, one Orderchamp catalogue); negative figures
  count as 0. If any adapter cannot be read, nothing is pushed this run: a partial sum would
  lower stock that is really there.
- **One process at a time.** The whole push holds the ledger's job lock ``job:stock``; another
  process skips its push meanwhile (nothing would be lost: the figures are absolute).
- **Dedupe.** The ledger (``stock_pushes``) keeps the last figure Orderchamp accepted per SKU;
  only SKUs whose figure differs (or that were never pushed) are sent.
- **Batches.** ``inventoryLevelBulkAdjust`` with ``action: SET`` and at most 100 items per call,
  so 5,000 changed SKUs take 50 mutations and an unchanged second run takes none.
- **Failures.** A batch is recorded only after Orderchamp answered. After an ambiguous failure
  nothing is recorded and the batch goes out again next run: harmless, because ``SET`` is
  absolute. A relative ``ADJUST`` is never used, so nothing can be applied twice.
- **Unknown SKUs.** Items Orderchamp rejects (unknown SKU, bad figure) are recorded with the
  message and reported once; they are sent again only when their figure changes or after
  :data:`REJECTED_RETRY_AFTER`, never on every run.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from oc_bridge.adapter import Capability
from oc_bridge.engine.context import EngineContext
from oc_bridge.errors import PermanentError, TransientError
from oc_bridge.store import StockPush

__all__ = ["BATCH_SIZE", "REJECTED_RETRY_AFTER", "StockSummary", "StockSync"]

log = logging.getLogger(__name__)

#: Items per ``inventoryLevelBulkAdjust`` call (Orderchamp's limit).
BATCH_SIZE = 100
#: Job lock of the stock push (one process at a time per ledger).
STOCK_JOB = "job:stock"
#: A rejected SKU with an unchanged figure is tried again after this long.
REJECTED_RETRY_AFTER = timedelta(days=1)


@dataclass
class StockSummary:
    """What one stock push did (in a dry run: would do)."""

    dry_run: bool = False
    read: int = 0
    changed: int = 0
    unchanged: int = 0
    pushed: int = 0
    mutations: int = 0
    still_rejected: int = 0
    unknown: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Set when another process was pushing stock (``job:stock`` held): nothing was done.
    skipped: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every batch went through, 4 when something failed (retried next run)."""
        return 4 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``--json``), with ``exit_code``."""
        data = asdict(self)
        data["exit_code"] = self.exit_code
        return data

    def lines(self) -> list[str]:
        """A readable report."""
        head = "dry run: nothing was changed" if self.dry_run else "stock sync finished"
        out = [head,
               f"  SKUs read: {self.read}, changed: {self.changed}, unchanged: "
               f"{self.unchanged}, pushed: {self.pushed}, mutations: {self.mutations}",
               f"  rejected before and unchanged (not resent): {self.still_rejected}"]
        if self.unknown:
            out.append("rejected by Orderchamp (sent again only when the figure changes):")
            out.extend(f"  - {u['sku']} ({u['available']}): {u['message']}" for u in self.unknown)
        if self.skipped:
            out.append("skipped:")
            out.extend(f"  - {s}" for s in self.skipped)
        if self.errors:
            out.append("errors (retried next run):")
            out.extend(f"  - {e}" for e in self.errors)
        return out


def _due(rec: StockPush | None, available: int, now: datetime) -> bool:
    """Whether ``available`` must be sent for a SKU with ledger row ``rec``."""
    if rec is None:
        return True
    if rec.rejected_at is not None:
        if rec.rejected_available != available:
            return True
        return datetime.fromisoformat(rec.rejected_at) + REJECTED_RETRY_AFTER <= now
    return rec.available != available


def _rejections(payload: Mapping[str, Any], batch: list[tuple[str, int]]) -> dict[str, str] | None:
    """Per-item ``userErrors`` by SKU; None when an error concerns the whole batch."""
    out: dict[str, str] = {}
    for error in payload.get("userErrors") or []:
        path = [str(p) for p in (error.get("field") or [])]
        message = str(error.get("message") or "rejected")
        if len(path) >= 2 and path[0] == "inventoryLevels" and path[1].isdigit() \
                and int(path[1]) < len(batch):
            out[batch[int(path[1])][0]] = message
        else:
            return None
    return out


class StockSync:
    """Reads adapter stock and pushes changed figures; see the module docstring."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def collect(self, summary: StockSummary) -> dict[str, int] | None:
        """Figures per SKU summed over every ``STOCK_LEVELS`` instance; None when one failed."""
        figures: dict[str, int] = defaultdict(int)
        for name, adapter in self.ctx.adapters.items():
            if not adapter.supports(Capability.STOCK_LEVELS):
                continue
            try:
                # Warehouse SKUs become Orderchamp SKUs through the SKU map, reversed.
                for sku, available in self.ctx.sku_map.orderchamp_figures(
                        adapter.fetch_stock()).items():
                    figures[sku] += available
            except (TransientError, PermanentError) as exc:
                summary.errors.append(f"reading stock from {name} failed: {exc}; nothing pushed")
                return None
        summary.read = len(figures)
        return dict(figures)

    def run(self) -> StockSummary:
        """One push under the ``job:stock`` lock (skipped, and listed in ``skipped``, while
        another process pushes); never raises for a failed batch (listed in ``errors``)."""
        summary = StockSummary(dry_run=self.ctx.dry_run)
        with self.ctx.claims.job(STOCK_JOB) as held:
            if held:
                self._run(summary)
            else:
                holder = self.ctx.claims.holder(STOCK_JOB)
                summary.skipped.append(f"stock: another process ({holder}) is pushing it")
                log.info("skipped stock push: %s holds %s", holder, STOCK_JOB)
        return summary

    def _run(self, summary: StockSummary) -> None:
        figures = self.collect(summary)
        if figures is None:
            return
        ledger = self.store.stock_pushes()
        now = datetime.now(UTC)
        due: list[tuple[str, int]] = []
        for sku in sorted(figures):
            rec = ledger.get(sku)
            if _due(rec, figures[sku], now):
                due.append((sku, figures[sku]))
            elif rec is not None and rec.rejected_at is not None:
                summary.still_rejected += 1
            else:
                summary.unchanged += 1
        summary.changed = len(due)
        self.ctx.start_progress("stock", len(due))
        for start in range(0, len(due), BATCH_SIZE):
            self._push(due[start:start + BATCH_SIZE], summary)
            done = min(len(due), start + BATCH_SIZE)
            self.ctx.advance_progress(done, f"stock: {done} of {len(due)} changed SKUs sent, "
                                            f"{summary.pushed} accepted")
        self.ctx.finish_progress(f"stock: {summary.read} SKUs read, {summary.changed} changed, "
                                 f"{summary.pushed} pushed")
        log.info("stock: %d SKUs read, %d changed, %d pushed in %d mutation(s), %d rejected",
                 summary.read, summary.changed, summary.pushed, summary.mutations,
                 len(summary.unknown))

    def _push(self, batch: list[tuple[str, int]], summary: StockSummary) -> None:
        summary.mutations += 1
        if self.ctx.dry_run:
            summary.pushed += len(batch)
            return
        items = [{"sku": sku, "action": "SET", "adjustment": qty} for sku, qty in batch]
        label = f"{batch[0][0]}..{batch[-1][0]} ({len(batch)} SKUs)"
        try:
            payload = self.ctx.client.bulk_adjust_inventory(
                items, client_mutation_id=f"oc-bridge-stock-{uuid.uuid4().hex}")
        except (TransientError, PermanentError) as exc:
            # Nothing recorded: the same absolute figures go out again next run.
            summary.errors.append(f"stock batch {label} failed: {exc}")
            log.warning("stock batch %s failed, resent next run: %s", label, exc)
            return
        rejected = _rejections(payload, batch)
        if rejected is None:
            errors = "; ".join(str(e.get("message")) for e in payload.get("userErrors") or [])
            summary.errors.append(f"stock batch {label} refused: {errors}")
            return
        accepted = {sku: qty for sku, qty in batch if sku not in rejected}
        figures = dict(batch)
        with self.store.transaction():
            self.store.record_stock_pushed(accepted)
            self.store.record_stock_rejected(
                {sku: (figures[sku], message) for sku, message in rejected.items()})
        summary.pushed += len(accepted)
        summary.unknown.extend({"sku": sku, "available": figures[sku], "message": message}
                               for sku, message in rejected.items())
