"""`oc-bridge demo` runs the whole loop and says so; it is the README's first command."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from oc_bridge.cli import CliEnv, ExitCode, main


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    code = main(["demo", "--dir", str(tmp_path), "--orders", "20"], env=env)
    out = env.stdout.getvalue()  # type: ignore[attr-defined]
    assert code == ExitCode.OK, out + env.stderr.getvalue()  # type: ignore[attr-defined]
    for step in range(1, 8):
        assert f"== Step {step}:" in out
    assert "waits for a human" in out
    files = sorted((tmp_path / "csv" / "outbound").glob("orders-*.csv"))
    assert files
    numbers = []
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            numbers.extend({row["order_number"] for row in csv.DictReader(handle, delimiter=";")})
    assert len(numbers) == len(set(numbers)), "an order was exported twice"
    assert (tmp_path / "csv" / "inbound" / "failed" / "shipments-demo.csv.errors.txt").is_file()
