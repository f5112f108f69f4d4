"""Compact fingerprints of what was sent to a warehouse, and readable differences between them.

A fingerprint keeps a short hash per order field and, per line, its SKU, quantity and a hash of
the rest: enough to say *what* changed (for a parked update) without keeping addresses or other
personal data in the ledger.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from oc_bridge.canonical import FulfilmentOrder

__all__ = ["describe_difference", "fingerprint"]


def _short_hash(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def fingerprint(order: FulfilmentOrder) -> str:
    """The fingerprint of ``order`` as JSON text (revision excluded, like the digest)."""
    data = order.model_dump(mode="json", exclude={"revision"})
    lines = data.pop("lines", [])
    return json.dumps({
        "fields": {name: _short_hash(value) for name, value in sorted(data.items())},
        "lines": {
            line["line_ref"]: {
                "sku": line.get("sku"), "quantity": line.get("quantity"),
                "rest": _short_hash({k: v for k, v in line.items()
                                     if k not in ("line_ref", "sku", "quantity")}),
            }
            for line in lines
        },
    }, sort_keys=True)


def _line_label(ref: str, line: dict[str, Any]) -> str:
    return f"line {ref} ({line.get('sku') or 'no SKU'})"


def describe_difference(old: str | None, new: str) -> str:
    """What changed from fingerprint ``old`` to ``new``, e.g. ``fields changed: notes,
    ship_to; line op-1 (MUG-1): quantity 2 -> 3; line op-9 (TEA-1) added``."""
    if not old:
        return "the content changed (no record of what was sent before)"
    before, after = json.loads(old), json.loads(new)
    parts: list[str] = []
    fields = sorted(name for name in set(before["fields"]) | set(after["fields"])
                    if before["fields"].get(name) != after["fields"].get(name))
    if fields:
        parts.append("fields changed: " + ", ".join(fields))
    old_lines, new_lines = before["lines"], after["lines"]
    for ref in sorted(set(old_lines) | set(new_lines)):
        was, now = old_lines.get(ref), new_lines.get(ref)
        if was is None:
            parts.append(f"{_line_label(ref, now)} added, quantity {now.get('quantity')}")
        elif now is None:
            parts.append(f"{_line_label(ref, was)} removed")
        else:
            changes = [f"{key} {was.get(key)} -> {now.get(key)}" for key in ("sku", "quantity")
                       if was.get(key) != now.get(key)]
            if was.get("rest") != now.get("rest"):
                changes.append("other details changed")
            if changes:
                parts.append(f"{_line_label(ref, was)}: " + ", ".join(changes))
    return "; ".join(parts) or "the content changed"
