"""A 50,000-row bad shipment file is ONE parked item (its rows in the report), and
``oc-bridge parked`` pages: ``--limit``/``--offset`` with the total in ``--json``."""

from __future__ import annotations

import io
import json
from pathlib import Path

from e2e_bridge import Bridge

from oc_bridge.cli import CliEnv, main
from oc_bridge.store import ParkedKind, SqliteStore

ROWS = 50_000
HEADER = "order_number,sku,quantity,carrier,tracking_number,tracking_url,shipped_at\n"


def test_a_50000_row_bad_file_is_one_parked_item_naming_every_row(bridge: Bridge) -> None:
    bridge.inbound.mkdir(parents=True, exist_ok=True)
    body = "".join(f"OC-{n},SKU-{n},2\n" for n in range(ROWS))  # short rows: all bad
    (bridge.inbound / "big.csv").write_text(HEADER + body, encoding="utf-8")
    result = bridge.run("sync")
    assert result.returncode == 4, result.stderr
    listed = bridge.run("parked", "--json")
    assert listed.returncode == 0
    assert len(listed.stdout) < 100_000  # was 37 MB: one item per row
    page = json.loads(listed.stdout)
    assert page["total"] == 1
    [item] = page["items"]
    assert (item["kind"], item["reference"]) == ("inbound", "big.csv")
    assert f"{ROWS} problem(s) in rows 2-{ROWS + 1}" in item["reason"]
    assert json.loads(item["payload"])["rows"] == f"rows 2-{ROWS + 1}"
    report = (bridge.inbound / "failed" / "big.csv.errors.txt").read_text(encoding="utf-8")
    named = {line.split(":", 2)[1] for line in report.splitlines()
             if line.startswith("big.csv:")}
    assert named == {str(n) for n in range(2, ROWS + 2)}  # every bad row, none dropped


def run(config: Path, *args: str) -> str:
    out = io.StringIO()
    assert main(["--config", str(config), "parked", *args],
                env=CliEnv(stdout=out, stderr=io.StringIO(), environ={})) == 0
    return out.getvalue()


def test_parked_pages_with_limit_offset_and_totals(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    with SqliteStore(ledger) as store:
        for n in range(120):
            store.park(ParkedKind.INBOUND, f"f{n}.csv", instance="csv", reason=f"bad {n}")
        store.resolve_parked(1, "done")
    config = tmp_path / "settings.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{ledger}"\n', encoding="utf-8")
    page = json.loads(run(config, "--json", "--limit", "50", "--offset", "100"))
    assert (page["total"], page["offset"], page["limit"]) == (119, 100, 50)
    assert [i["reference"] for i in page["items"]] == [f"f{n}.csv" for n in range(101, 120)]
    assert len(json.loads(run(config, "--json"))["items"]) == 50  # the default page
    assert len(json.loads(run(config, "--json", "--limit", "0"))["items"]) == 119
    assert json.loads(run(config, "--json", "--resolved", "--limit", "1"))["total"] == 120
    text = run(config, "--limit", "10", "--offset", "20")
    assert "#22  inbound  f21.csv" in text and "#32" not in text
    assert "showing 21-30 of 119; next page: --offset 30" in text
