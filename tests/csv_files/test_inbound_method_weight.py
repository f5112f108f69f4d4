"""Shipment files: the optional ``method`` and ``weight`` columns (issue 15)."""

from __future__ import annotations

from pathlib import Path

from oc_bridge_csv.inbound import read_file

HEADER = "order_number,sku,quantity,carrier,tracking_number,tracking_url,shipped_at,method,weight"


def read(tmp_path: Path, *rows: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "ship.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return read_file(path, encoding="utf-8", delimiter=",", default_transit_days=None)


def test_method_and_weight_are_read_per_parcel(tmp_path: Path) -> None:
    result = read(tmp_path,
                  "OC-1,A,1,postnl,T1,,2026-11-27,Orderchamp,",
                  "OC-1,B,1,postnl,T1,,2026-11-27,,1200",
                  "OC-2,C,1,dhl,T2,,2026-11-27,,")
    assert not result.problems
    by_key = {s.shipment_key: s for s in result.shipments}
    assert (by_key["csv:OC-1:T1"].method, by_key["csv:OC-1:T1"].weight_grams) == (
        "ORDERCHAMP", 1200)
    assert (by_key["csv:OC-2:T2"].method, by_key["csv:OC-2:T2"].weight_grams) == (None, None)


def test_a_bad_method_or_weight_is_a_bad_row(tmp_path: Path) -> None:
    result = read(tmp_path, "OC-1,A,1,postnl,T1,,2026-11-27,drone,",
                  "OC-2,A,1,postnl,T2,,2026-11-27,,-5",
                  "OC-3,A,1,postnl,T3,,2026-11-27,,1.5")
    assert not result.shipments
    messages = [p.message for p in result.problems]
    assert "method: shipment method 'drone' is not one of SHIP_YOURSELF, ORDERCHAMP" in \
        messages[0]
    assert "weight" in messages[1] and "grams" in messages[1]
    assert "weight" in messages[2]
