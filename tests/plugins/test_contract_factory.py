"""The public contract-suite factory as an adapter author meets it: a test module with one
``adapter_contract(...)`` line, run by pytest with the ``oc_bridge`` pytest11 plugin active."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]


def _module(body: str) -> str:
    return textwrap.dedent('''
        from oc_bridge_csv import CsvAdapter
        from oc_bridge_csv.probe import CsvWarehouse
        from oc_bridge.testing import adapter_contract

        def folders(env):
            return {"outbound_dir": str(env.tmp_path / "o"), "inbound_dir": str(env.tmp_path / "i")}
    ''') + textwrap.dedent(body)


def test_a_missing_option_table_says_what_to_provide(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_module("TestCsv = adapter_contract(CsvAdapter)\n"))
    result = pytester.runpytest("-q", "-k", "submit_creates_one_order")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*the adapter contract suite needs the configuration of a CsvAdapter: pass options=*"])


def test_a_missing_probe_says_what_to_provide(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_module("TestCsv = adapter_contract(CsvAdapter, options=folders)\n"))
    result = pytester.runpytest("-q", "-k", "submit_creates_one_order")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs a WarehouseProbe*pass probe=YourProbe*"])


def test_one_line_gives_the_whole_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_module('''
        TestCsv = adapter_contract(
            CsvAdapter, options=folders,
            probe=lambda adapter, env: CsvWarehouse(adapter.config, env.tmp_path / "taken"))
    '''))
    result = pytester.runpytest("-q", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 10
    assert "failed" not in outcomes and "errors" not in outcomes
    result.stdout.fnmatch_lines(
        ["*adapter 'csv' (instance 'contract') does not have stock_levels*"])


def test_the_pytest_plugin_provides_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        def test_fixtures(order_factory, fulfilment_order_factory, settings_factory):
            assert order_factory(lines=3).products_count == 3
            assert fulfilment_order_factory().revision == 1
            assert settings_factory().adapters == {}
    ''')
    result = pytester.runpytest()  # not -q: the header names oc-bridge
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*oc-bridge * (adapter contract suite: oc_bridge.testing)*"])


def test_an_acknowledge_that_ignores_rejections_fails_the_suite(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(_module('''
        from oc_bridge.canonical import ShipmentOutcome

        class Sloppy(CsvAdapter):
            def acknowledge_shipments(self, pull, outcomes):  # files every shipment as done
                super().acknowledge_shipments(pull, [
                    ShipmentOutcome(shipment_key=o.shipment_key, ok=True) for o in outcomes])

        TestSloppy = adapter_contract(
            Sloppy, options=folders,
            probe=lambda adapter, env: CsvWarehouse(adapter.config, env.tmp_path / "taken"))
    '''))
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1, passed=result.parseoutcomes()["passed"],
                           skipped=result.parseoutcomes().get("skipped", 0))
    result.stdout.fnmatch_lines(["*test_rejected_shipments_are_kept_for_a_human*",
                                 "*acknowledge_shipments ignored a rejected outcome*"])


def test_a_foreign_exception_from_any_method_fails_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_module('''
        import json

        class HalfWritten(CsvAdapter):
            def fetch_shipments(self, cursor):  # a half-written file, not translated
                return json.loads('{"shipments": [')

        TestHalfWritten = adapter_contract(
            HalfWritten, options=folders,
            probe=lambda adapter, env: CsvWarehouse(adapter.config, env.tmp_path / "taken"))
    '''))
    result = pytester.runpytest("-q", "-k", "only_oc_bridge_errors_escape")
    result.assert_outcomes(failed=1, passed=result.parseoutcomes()["passed"],
                           skipped=result.parseoutcomes().get("skipped", 0))
    result.stdout.fnmatch_lines([
        "*fetch_shipments: the adapter let JSONDecodeError escape instead of an oc_bridge.errors "
        "exception*"])
