"""``oc-bridge doctor``: is everything in place to run? Configuration, token, schema, adapters.

The schema check is how the project lives with names the public documentation could not settle
(reference §9): every operation document is validated against the *live* schema, introspected
with the configured token, and each mismatch is listed so it can be fixed on day one.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from oc_bridge.accounts import orderchamp_key
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.errors import ConfigurationError, OcBridgeError, SettingsError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``doctor``."""
    parser = subparsers.add_parser(
        "doctor",
        help="check configuration, token, API schema and adapters",
        description="Check the configuration, the Orderchamp token (account query), validate "
        "every GraphQL operation oc-bridge sends against the server's introspected schema, and "
        "run each configured adapter's own check. Exit 0 when all pass, 2 for configuration or "
        "credential problems, 1 for schema mismatches or adapter problems.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--skip-adapters", action="store_true", help="do not build or check adapters"
    )
    parser.set_defaults(handler=run)


class _Report:
    def __init__(self, env: CliEnv, as_json: bool) -> None:
        self.env = env
        self.as_json = as_json
        self.checks: list[dict[str, Any]] = []

    def add(self, name: str, ok: bool, detail: str = "", items: list[str] | None = None) -> None:
        self.checks.append({"check": name, "ok": ok, "detail": detail, "problems": items or []})
        if not self.as_json:
            mark = "ok  " if ok else "FAIL"
            self.env.out(f"[{mark}] {name}" + (f": {detail}" if detail else ""))
            for item in items or []:
                self.env.out(f"       - {item}")

    def finish(self, code: int) -> int:
        if self.as_json:
            self.env.out(json.dumps({"ok": code == 0, "checks": self.checks}, indent=2))
        return code


def run(args: argparse.Namespace, env: CliEnv) -> int:
    """Run every check in order; stop early only when a later check cannot run at all."""
    report = _Report(env, args.json)
    try:
        settings = env.settings()
    except SettingsError as exc:
        report.add("configuration", False, "invalid", [str(p) for p in exc.problems])
        return report.finish(ExitCode.CONFIG)
    if settings.orderchamp.token is None:
        key = orderchamp_key(settings)
        report.add("configuration", False, f"{key}.token is not set",
                   [f"set OC_BRIDGE_{key.replace('.', '__').upper()}__TOKEN or [{key}] token"])
        return report.finish(ExitCode.CONFIG)
    report.add("configuration", True, f"API {settings.orderchamp.api_url}")

    from oc_bridge.orderchamp.schema_check import (
        check_enum_values,
        check_operations,
        fetch_schema,
    )

    code: int = ExitCode.OK
    with env.orderchamp_client() as client:
        try:
            account = client.account()
        except ConfigurationError as exc:
            report.add("token", False, str(exc))
            return report.finish(ExitCode.CONFIG)
        except OcBridgeError as exc:
            report.add("token", False, str(exc))
            return report.finish(ExitCode.ERROR)
        kind_ok = (account.type or "SUPPLIER") == "SUPPLIER"
        report.add("token", kind_ok, f"account {account.name!r} ({account.type})"
                   + ("" if kind_ok else "; oc-bridge needs a SUPPLIER account"))
        if not kind_ok:
            code = ExitCode.CONFIG
        expected = settings.orderchamp.account_id
        if expected and account.id != expected:
            # webhooks are checked (and, with several accounts, routed) by this id, while
            # the token decides whose orders are read: both must name the same account
            key = orderchamp_key(settings)
            report.add("account id", False, f"the token belongs to account {account.id}, "
                       f"but {key}.account_id is {expected}")
            code = ExitCode.CONFIG
        try:
            schema = fetch_schema(client)
        except OcBridgeError as exc:
            report.add("schema", False, f"introspection failed: {exc}")
            return report.finish(ExitCode.ERROR)
        mismatches = check_operations(schema) + check_enum_values(schema)
        from oc_bridge.orderchamp.operations import all_operations

        total = len(all_operations())
        report.add(
            "schema",
            not mismatches,
            f"{total} operation(s) checked, {len(mismatches)} mismatch(es)",
            [f"{m.operation}: {m.message}" + (f" (line {m.line})" if m.line else "")
             for m in mismatches],
        )
        if mismatches and code == ExitCode.OK:
            code = ExitCode.ERROR
    if not args.skip_adapters:
        code = _check_adapters(settings, env, report, code)
    return report.finish(code)


def _check_adapters(settings: Any, env: CliEnv, report: _Report, code: int) -> int:
    if not settings.adapters:
        report.add("adapters", True, "none configured")
        return code
    try:
        with env.adapters_for_checking() as adapters:
            for instance, adapter in adapters.items():
                problems = adapter.check()
                report.add(f"adapter {instance} ({adapter.name})", not problems, "", problems)
                if problems and code == ExitCode.OK:
                    code = ExitCode.ERROR
    except ConfigurationError as exc:
        report.add("adapters", False, str(exc).splitlines()[0],
                   [str(p) for p in getattr(exc, "problems", [])])
        return ExitCode.CONFIG
    return code
