"""deploy/prometheus/alerts.yml and deploy/grafana/oc-bridge.json use only metrics the daemon
really exports (names read from a running daemon's /metrics over HTTP, label names from its
metrics registry), cover what operators watch, and pass ``promtool check rules`` / ``promtool
test rules`` when promtool is available (``.ci/run`` fetches it from the Debian archive)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from daemon_helpers import Daemon
from prometheus_client.metrics import MetricWrapperBase

from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "oc-bridge.json"
METRIC = re.compile(r"\b(oc_bridge_[A-Za-z0-9_]+)(\{[^}]*\})?")
MATCHER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
SUFFIXES = {"counter": ("", "_created"), "gauge": ("",),
            "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("", "_count", "_sum", "_created")}
#: Prometheus renames a scraped ``instance`` label (the daemon's adapter instance) to this.
RENAMED = {"exported_instance": "instance"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Every sample name the daemon's /metrics declares, from a real ``oc-bridge run``."""
    from oc_bridge.sandbox import Sandbox, SandboxConfig

    root = tmp_path_factory.mktemp("daemon")
    with Sandbox(SandboxConfig(orders=0, throttle=False)) as sandbox:
        daemon = Daemon(root=root, sandbox=sandbox)
        daemon.write_config()
        daemon.start()
        try:
            text = requests.get(f"{daemon.base}/metrics", timeout=5).text
        finally:
            assert daemon.terminate() == 0
    names: set[str] = set()
    for line in text.splitlines():
        declared = re.match(r"# TYPE (\S+) (\S+)", line)
        if declared:
            name, kind = declared.groups()
            base = name.removesuffix("_total") if kind == "counter" else name
            names.update(f"{base}{suffix}" for suffix in SUFFIXES.get(kind, ("",)))
            if kind == "counter":
                names.add(f"{base}_total")
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    yield names


def _label_names(tmp_path: Path) -> dict[str, set[str]]:
    """Label names of every daemon metric family, from its registry."""
    with SqliteStore(tmp_path / "m.db") as store:
        metrics = DaemonMetrics(store, None)
    out: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            out[value._name] = set(value._labelnames)
    return out


def _family(sample: str, families: dict[str, set[str]]) -> str:
    for suffix in ("_bucket", "_count", "_sum", "_created", "_total", ""):
        base = sample.removesuffix(suffix) if suffix else sample
        if base in families:
            return base
    raise AssertionError(f"{sample}: no metric family")


def _rule_exprs() -> dict[str, str]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {rule["alert"]: rule["expr"] for group in doc["groups"] for rule in group["rules"]}


def _dashboard_exprs() -> list[str]:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return list(walk(json.loads(DASHBOARD.read_text(encoding="utf-8"))))


def _check(exprs: list[str], exported: set[str], families: dict[str, set[str]]) -> list[str]:
    problems = []
    for expr in exprs:
        uses = METRIC.findall(expr)
        if not uses:
            problems.append(f"{expr!r} uses no oc-bridge metric")
        for name, matchers in uses:
            if name not in exported:
                problems.append(f"{name} (in {expr!r}) is not exported by the daemon")
                continue
            known = families[_family(name, families)]
            for label in MATCHER.findall(matchers or ""):
                if RENAMED.get(label, label) not in known and label != "le":
                    problems.append(f"{name}: no label {label!r} (has {sorted(known)})")
    return problems


@pytest.mark.slow
def test_rules_use_only_exported_metrics_and_labels(exported: set[str], tmp_path: Path) -> None:
    exprs = _rule_exprs()
    assert not _check(list(exprs.values()), exported, _label_names(tmp_path))
    # what operators must be told about (issue: stuck items, inbox lag, reconcile failures,
    # lost webhooks, throttling)
    assert {"OcBridgeStuckItems", "OcBridgeInboxLag", "OcBridgeReconcileFailing",
            "OcBridgeLostWebhooks", "OcBridgeThrottled"} <= set(exprs)


@pytest.mark.slow
def test_dashboard_uses_only_exported_metrics_and_labels(exported: set[str],
                                                         tmp_path: Path) -> None:
    exprs = _dashboard_exprs()
    assert not _check(exprs, exported, _label_names(tmp_path))
    joined = "\n".join(exprs)
    for needed in ("oc_bridge_orders_exported_total", "oc_bridge_shipments_reported_total",
                   "oc_bridge_parked_items", "oc_bridge_inbox_oldest_age_seconds",
                   "oc_bridge_orderchamp_points_spent", "oc_bridge_adapter_call_seconds_count",
                   "oc_bridge_repaired_by_reconcile_total"):
        assert needed in joined, f"the dashboard shows nothing of {needed}"


def test_a_misspelt_metric_or_label_is_caught() -> None:
    families = {"oc_bridge_stuck_items": {"kind"}}
    exported = {"oc_bridge_stuck_items"}
    assert _check(['oc_bridge_stuck_itemz{kind="x"}'], exported, families)
    assert _check(['oc_bridge_stuck_items{kinds="x"}'], exported, families)
    assert not _check(['max by (kind) (oc_bridge_stuck_items{kind!="parked"})'], exported,
                      families)


def _promtool() -> str:
    found = os.environ.get("OC_BRIDGE_PROMTOOL") or shutil.which("promtool")
    if not found:
        pytest.skip("promtool not installed (the Debian package prometheus provides it; "
                    ".ci/run fetches it when it can)")
    return found


def test_promtool_checks_the_rules() -> None:
    done = subprocess.run([_promtool(), "check", "rules", str(RULES)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_rule_unit_tests_pass() -> None:
    done = subprocess.run([_promtool(), "test", "rules", str(RULE_TESTS)], capture_output=True,
                          text=True, timeout=60, check=False, cwd=RULE_TESTS.parent)
    assert done.returncode == 0, done.stdout + done.stderr
