"""Holding an order back from the warehouses by hand, and releasing it.

A held order is never exported or updated at any adapter instance (by ``sync``, the daemon's
webhooks or reconciliation) until released; a cancellation still reaches the warehouse. Release
makes the order due at once: the next reconciliation, and the daemon's ``holds`` job, look at it
again (see :mod:`oc_bridge.engine.holds`). Every hold and release is written to the activity log
with the actor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from oc_bridge.errors import OcBridgeError
from oc_bridge.store import ExportState, OrderHold, Store

__all__ = ["HoldResult", "hold_order", "list_holds", "release_order", "resolve_order"]


class _HasStore(Protocol):
    store: Store


@dataclass(frozen=True)
class HoldResult:
    """What a hold or release did (``changed``) or, in a dry run, would do.

    ``ok`` is False when the action could not be taken (releasing an order that is not held).
    ``message`` is one line for a person; ``warnings`` say what the hold cannot stop (an order
    already in a warehouse)."""

    action: str
    order_id: str
    order_number: str | None
    ok: bool
    changed: bool
    dry_run: bool
    message: str
    reason: str | None = None
    actor: str | None = None
    since: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _store(target: Store | _HasStore) -> Store:
    return target if isinstance(target, Store) else target.store


def resolve_order(store: Store, order: str) -> tuple[str, str | None]:
    """``(order id, order number)`` for an Orderchamp order id or a number the ledger knows;
    an id the ledger has never seen is taken as given (an order may be held before it
    arrives). Raises ``OcBridgeError`` for an empty value."""
    text = order.strip()
    if not text:
        raise OcBridgeError("an order id or number is required")
    seen = store.get_order(text)
    if seen is not None:
        return seen.order_id, seen.number
    by_number = store.find_order_id(text)
    if by_number is not None:
        found = store.get_order(by_number)
        return by_number, found.number if found else text
    return text, None


def _label(order_id: str, number: str | None) -> str:
    return f"order {number}" if number else f"order {order_id}"


def hold_order(target: Store | _HasStore, order: str, reason: str, actor: str | None = None, *,
               dry_run: bool = False) -> HoldResult:
    """Hold ``order`` (an Orderchamp order id, or a number the ledger knows) with ``reason``.

    Holding an order that is already held changes nothing (``changed`` False, the standing
    hold's reason and time reported). Raises ``OcBridgeError`` when ``reason`` is blank."""
    store = _store(target)
    if not reason.strip():
        raise OcBridgeError("a hold needs a reason (--reason)")
    order_id, number = resolve_order(store, order)
    label = _label(order_id, number)
    warnings = [f"already exported to {r.instance}: the hold stops updates there, not the "
                "order itself; cancel or hold it in that warehouse if needed"
                for r in store.exports_for_order(order_id) if r.state == ExportState.EXPORTED]
    if number is None:
        warnings.append(f"the ledger has not seen an order {order_id!r} yet: the hold applies "
                        "to the Orderchamp order with exactly this id (an order number works "
                        "only once the bridge has seen the order)")
    standing = store.get_hold(order_id)
    if standing is not None:
        return _standing(standing, label, dry_run, warnings)
    if dry_run:
        return HoldResult("hold", order_id, number, ok=True, changed=False, dry_run=True,
                          message=f"would hold {label}: {reason.strip()}",
                          reason=reason.strip(), actor=actor, warnings=warnings)
    hold, added = store.place_hold(order_id, order_number=number, reason=reason.strip(),
                                   actor=actor)
    if not added:  # another front end held it a moment ago
        return _standing(hold, label, dry_run, warnings)
    return HoldResult("hold", order_id, number, ok=True, changed=True, dry_run=False,
                      message=f"{label} held: {hold.reason}", reason=hold.reason,
                      actor=hold.actor, since=hold.held_at, warnings=warnings)


def _standing(hold: OrderHold, label: str, dry_run: bool, warnings: list[str]) -> HoldResult:
    return HoldResult("hold", hold.order_id, hold.order_number, ok=True, changed=False,
                      dry_run=dry_run,
                      message=f"{label} is already held since {hold.held_at[:19]}Z: "
                              f"{hold.reason}", reason=hold.reason, actor=hold.actor,
                      since=hold.held_at, warnings=warnings)


def release_order(target: Store | _HasStore, order: str, actor: str | None = None, *,
                  dry_run: bool = False) -> HoldResult:
    """Release ``order``'s hold: it is due at once (next reconciliation, the daemon's ``holds``
    job). ``ok`` False when the order is not held (nothing changed)."""
    store = _store(target)
    order_id, number = resolve_order(store, order)
    label = _label(order_id, number)
    standing = store.get_hold(order_id)
    if standing is None:
        return HoldResult("release", order_id, number, ok=False, changed=False,
                          dry_run=dry_run, message=f"{label} is not held")
    number = number or standing.order_number
    label = _label(order_id, number)
    if dry_run:
        return HoldResult("release", order_id, number, ok=True, changed=False, dry_run=True,
                          message=f"would release {label} (held since "
                                  f"{standing.held_at[:19]}Z: {standing.reason})",
                          reason=standing.reason, actor=actor, since=standing.held_at)
    lifted = store.lift_hold(order_id, actor=actor)
    if lifted is None:  # released elsewhere a moment ago
        return HoldResult("release", order_id, number, ok=False, changed=False,
                          dry_run=False, message=f"{label} is not held")
    return HoldResult("release", order_id, number, ok=True, changed=True, dry_run=False,
                      message=f"{label} released; it is exported by the next sync or "
                              "reconciliation", reason=lifted.reason, actor=actor,
                      since=lifted.held_at)


def list_holds(target: Store | _HasStore) -> list[OrderHold]:
    """Every standing hold, oldest first."""
    return _store(target).list_holds()
