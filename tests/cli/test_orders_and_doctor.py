"""`orders list` and `doctor` against a real sandbox over HTTP, in-process and as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_bridge.cli import CliEnv, ExitCode, main
from oc_bridge.sandbox import Sandbox, SandboxConfig

SCHEMA = Path(__file__).resolve().parents[2] / "oc_bridge" / "sandbox" / "schema.graphql"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(orders=120, seed=7, webhooks_enabled=False)).start(
        host="127.0.0.1", port=0
    ) as sb:
        yield sb


def environ_for(sb: Sandbox) -> dict[str, str]:
    return {"OC_BRIDGE_ORDERCHAMP__API_URL": sb.url, "OC_BRIDGE_ORDERCHAMP__TOKEN": "t-123456"}


def run(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ)
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def test_orders_list_defaults_to_confirmed_uncancelled(sandbox: Sandbox) -> None:
    code, out, err = run(["orders", "list", "--json"], environ_for(sandbox))
    assert code == ExitCode.OK, err
    listed = json.loads(out)
    expected = [o for o in sandbox.state.orders if o.is_confirmed and not o.is_cancelled]
    assert len(listed) == len(expected) > 0
    assert all(item["is_confirmed"] and not item["is_cancelled"] for item in listed)
    assert len({item["id"] for item in listed}) == len(listed)
    assert "API points" in err


def test_orders_list_all_and_unfulfilled(sandbox: Sandbox) -> None:
    code, out, _ = run(["orders", "list", "--all", "--json"], environ_for(sandbox))
    assert code == ExitCode.OK
    assert len(json.loads(out)) == len(sandbox.state.orders)
    code, out, _ = run(["orders", "list", "--unfulfilled", "--json"], environ_for(sandbox))
    assert code == ExitCode.OK
    unfulfilled = json.loads(out)
    assert unfulfilled and not any(item["is_fulfilled"] for item in unfulfilled)


def test_orders_list_table(sandbox: Sandbox) -> None:
    code, out, _ = run(["orders", "list", "--limit", "5"], environ_for(sandbox))
    assert code == ExitCode.OK
    lines = out.splitlines()
    assert lines[0].split() == ["NUMBER", "STATUS", "RETAILER", "LINES", "TOTAL"]
    assert len(lines) == 6
    assert "EUR" in lines[1]


def test_orders_list_without_token_is_a_config_error(sandbox: Sandbox) -> None:
    code, _, err = run(["orders", "list"], {"OC_BRIDGE_ORDERCHAMP__API_URL": sandbox.url})
    assert code == ExitCode.CONFIG
    assert "orderchamp.token" in err


def test_orders_list_as_subprocess(sandbox: Sandbox) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oc_bridge", "orders", "list", "--json"],
        env={**os.environ, **environ_for(sandbox)}, capture_output=True, text=True, check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) > 0


def test_doctor_passes_against_the_sandbox(sandbox: Sandbox) -> None:
    code, out, err = run(["doctor", "--skip-adapters"], environ_for(sandbox))
    assert code == ExitCode.OK, out + err
    assert "0 mismatch(es)" in out
    assert "SUPPLIER" in out


def test_doctor_names_a_renamed_field(tmp_path: Path) -> None:
    renamed = tmp_path / "schema.graphql"
    text = SCHEMA.read_text(encoding="utf-8")
    assert "  unshippedQuantity: Int!\n" in text
    renamed.write_text(
        text.replace("  unshippedQuantity: Int!\n", "  quantityUnshipped: Int!\n"),
        encoding="utf-8",
    )
    config = SandboxConfig(orders=5, seed=1, webhooks_enabled=False, schema_path=renamed)
    with Sandbox(config).start(host="127.0.0.1", port=0) as sb:
        code, out, _ = run(["doctor", "--skip-adapters", "--json"], environ_for(sb))
    assert code == ExitCode.ERROR
    report = json.loads(out)
    schema_check = next(c for c in report["checks"] if c["check"] == "schema")
    assert not schema_check["ok"]
    assert any("unshippedQuantity" in problem for problem in schema_check["problems"])


def test_doctor_reports_a_bad_token(tmp_path: Path) -> None:
    config = SandboxConfig(orders=5, seed=1, webhooks_enabled=False, token="right-token")
    with Sandbox(config).start(host="127.0.0.1", port=0) as sb:
        environ = {**environ_for(sb), "OC_BRIDGE_ORDERCHAMP__TOKEN": "wrong-token"}
        code, out, _ = run(["doctor"], environ)
    assert code == ExitCode.CONFIG
    assert "[FAIL] token" in out
    assert "wrong-token" not in out
