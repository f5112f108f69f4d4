"""Carrier mapping (``[sync.carriers]``): the adapter's carrier code to what Orderchamp shows.

Each entry maps a carrier code as an adapter reports it (``postnl``, ``dhl_parcel_nl``; matched
exactly, else ignoring case) to the carrier ``name`` sent to Orderchamp and, optionally, a
tracking-URL template (``https://t.example/{tracking}``; ``{tracking}`` is replaced by the
URL-quoted tracking number) used when the adapter gives no tracking URL of its own. An unmapped
carrier is sent as given and counted (the sync summary, ``oc_bridge_unmapped_carriers_total``),
or, with ``sync.require_carrier_map`` on, the shipment is parked before anything is created in
Orderchamp. Counting only starts once the table has an entry: without one nothing is mapped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from oc_bridge.canonical import ShipmentReport
from oc_bridge.errors import MappingError

__all__ = ["TRACKING_PLACEHOLDER", "CarrierEntry", "CarrierMapped", "UnmappedCarrierError",
           "map_carrier"]

TRACKING_PLACEHOLDER = "{tracking}"


class CarrierEntry(Protocol):
    """One ``[sync.carriers.<code>]`` table (:class:`oc_bridge.settings.CarrierMapping`)."""

    @property
    def name(self) -> str:
        """Carrier name sent to Orderchamp."""
        ...

    @property
    def tracking_url(self) -> str | None:
        """Tracking-URL template with ``{tracking}``, or None."""
        ...


class UnmappedCarrierError(MappingError):
    """The shipment's carrier is not in ``[sync.carriers]`` while ``sync.require_carrier_map``
    is on."""


@dataclass(frozen=True)
class CarrierMapped:
    """What is sent to Orderchamp for a shipment's carrier. ``unmapped`` is the adapter's code
    when the table is in use and does not know it (sent as given)."""

    carrier: str | None
    tracking_url: str | None
    unmapped: str | None = None


def _find(code: str, carriers: Mapping[str, CarrierEntry]) -> CarrierEntry | None:
    if code in carriers:
        return carriers[code]
    folded = code.strip().casefold()
    return next((entry for key, entry in carriers.items() if key.casefold() == folded), None)


def map_carrier(report: ShipmentReport, carriers: Mapping[str, CarrierEntry], *,
                required: bool) -> CarrierMapped:
    """The carrier name and tracking URL to send for ``report``. Raises
    :class:`UnmappedCarrierError` when ``required`` and the carrier is not in ``carriers``
    (a shipment without a carrier has nothing to map and passes)."""
    code = report.carrier.strip() if report.carrier and report.carrier.strip() else None
    url = report.tracking_url if report.is_tracked else None
    if code is None:
        return CarrierMapped(None, url)
    entry = _find(code, carriers)
    if entry is None:
        if required:
            known = ", ".join(sorted(carriers)) or "none"
            raise UnmappedCarrierError(
                f"carrier {code!r} is not in [sync.carriers] (sync.require_carrier_map is on; "
                f"known: {known}); add it, then `oc-bridge retry`")
        return CarrierMapped(code, url, unmapped=code if carriers else None)
    if url is None and report.is_tracked and entry.tracking_url:
        number = (report.tracking_number or "").strip()
        url = entry.tracking_url.replace(TRACKING_PLACEHOLDER, quote(number, safe=""))
    return CarrierMapped(entry.name, url)
