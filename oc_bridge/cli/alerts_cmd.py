"""``oc-bridge alerts check|test``: stuck-item detection from cron, and a test alert per channel."""

from __future__ import annotations

import argparse
import json
from typing import Any

from oc_bridge.accounts import each_account, has_accounts
from oc_bridge.alerts import CHANNEL_NAMES, AlertService, ChannelResult, CheckResult
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.errors import ConfigurationError
from oc_bridge.settings import Settings
from oc_bridge.store import open_store

__all__ = ["add_parser", "run_check", "run_test"]

CHECK_EPILOG = """\
exit codes: 0 nothing stuck, 4 something is stuck or parked (listed), 1 an alert channel
could not be reached, 2 configuration problem. Cron example, every 10 minutes:
  */10 * * * *  oc-bridge alerts check --quiet || logger -t oc-bridge "alerts: exit $?"
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``alerts`` with ``check`` and ``test``."""
    parser = subparsers.add_parser(
        "alerts", help="stuck-item check and alert channels",
        description="Find what is stuck in the ledger and send alerts (logs always; the "
        "[alerts.webhook] and [alerts.email] channels when configured, each deduplicated and "
        "rate-limited). The daemon runs the same check every alerts.check_interval.")
    commands = parser.add_subparsers(dest="alerts_command", metavar="COMMAND")
    check = commands.add_parser(
        "check", help="find stuck items, send alerts, exit 4 when something is stuck",
        description="List items in flight or retrying longer than alerts.stuck_after, "
        "confirmed orders not exported after alerts.export_within, exported orders not "
        "shipped after alerts.ship_within, and open parked items; send the ones not sent "
        "within alerts.dedupe_window to the configured channels. Reads only the ledger. "
        "With several [accounts.*] and no --account, every account is checked.",
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("--json", action="store_true", help="print JSON")
    check.add_argument("--dry-run", action="store_true",
                       help="only list; send nothing and record nothing")
    check.set_defaults(handler=run_check)
    test = commands.add_parser(
        "test", help="send a test alert to each configured channel",
        description="Send one test alert to every configured channel (or only --channel), "
        "regardless of deduplication and rate limits, and say per channel whether it "
        "arrived. Exit 0 when every channel took it, 1 when one failed, 2 when none is "
        "configured.")
    test.add_argument("--channel", action="append", choices=CHANNEL_NAMES, default=[],
                      help="only this channel (repeatable)")
    test.add_argument("--json", action="store_true", help="print JSON")
    test.set_defaults(handler=run_test)
    parser.set_defaults(handler=lambda _args, env: _usage(parser, env))


def _usage(parser: argparse.ArgumentParser, env: CliEnv) -> int:
    parser.print_help(env.stdout)
    return ExitCode.ERROR


def _channel_line(result: ChannelResult) -> str:
    if result.outcome == "failed":
        return f"  {result.channel}: FAILED: {result.error}"
    if result.outcome == "sent":
        return f"  {result.channel}: sent {result.alerts} alert(s)"
    return f"  {result.channel}: {result.outcome.replace('_', ' ')}"


def _result_dict(result: ChannelResult) -> dict[str, Any]:
    return {"channel": result.channel, "outcome": result.outcome, "alerts": result.alerts,
            "error": result.error}


def _accounts(env: CliEnv) -> list[Settings]:
    """The settings of the account chosen with ``--account`` (or the only one), else of every
    account: a cron ``alerts check`` covers the whole deployment."""
    if env.account is not None or not has_accounts(env.full_settings()):
        return [env.settings()]
    return list(each_account(env.full_settings()))


def _check_one(settings: Settings, args: argparse.Namespace) -> CheckResult:
    with open_store(settings.store.url) as store:
        service = AlertService(store, settings.alerts, account=settings.account)
        try:
            return service.check(send=not args.dry_run)
        finally:
            service.close()


def run_check(args: argparse.Namespace, env: CliEnv) -> int:
    """Detect, send (unless ``--dry-run``), print; exit 4 when something is stuck. With
    several accounts and no ``--account``, every account in turn (the worst exit code)."""
    results = [(settings.account, _check_one(settings, args)) for settings in _accounts(env)]
    codes = []
    for _account, result in results:
        failed = [r for r in result.channels if not r.ok]
        codes.append(ExitCode.ERROR if failed
                     else ExitCode.PARTIAL if result.alerting else ExitCode.OK)
    code = ExitCode.ERROR if ExitCode.ERROR in codes else max(codes)
    if args.json:
        reports = [{
            "account": account, "checked_at": result.report.checked_at,
            "counts": result.report.counts(),
            "alerts": [a.to_dict() for a in result.alerting],
            "channels": [_result_dict(r) for r in result.channels],
            "exit_code": int(one)} for (account, result), one in zip(results, codes, strict=True)]
        data = reports[0] if len(reports) == 1 else {"accounts": reports}
        env.out(json.dumps({**data, "dry_run": bool(args.dry_run), "exit_code": int(code)},
                           indent=2))
        return code
    for account, result in results:
        if len(results) > 1:
            env.out(f"== account {account}")
        _print_check(result, args, env)
    return code


def _print_check(result: CheckResult, args: argparse.Namespace, env: CliEnv) -> None:
    counts = {k: n for k, n in result.report.counts().items() if n}
    if not result.alerting:
        env.out("alerts check: nothing stuck")
    else:
        listed = ", ".join(f"{kind} {n}" for kind, n in counts.items())
        env.out(f"alerts check: {len(result.alerting)} alert(s) ({listed})")
        for alert in result.alerting:
            env.out(f"  - [{alert.kind.value}] {alert.message}")
    if args.dry_run:
        env.out("dry run: nothing was sent")
    elif result.alerting and result.channels:
        env.out("channels:")
        for channel in result.channels:
            env.out(_channel_line(channel))


def run_test(args: argparse.Namespace, env: CliEnv) -> int:
    """Send a test alert per channel; exit 1 when one failed, 2 when none is configured."""
    settings = env.settings()
    with open_store(settings.store.url) as store:
        service = AlertService(store, settings.alerts, account=settings.account)
        try:
            configured = [c.name for c in service.dispatcher.channels]
            missing = [name for name in args.channel if name not in configured]
            if not configured or missing:
                what = ", ".join(missing) if missing else "any channel"
                raise ConfigurationError(
                    f"no alert channel configured for {what}: set alerts.webhook.url and/or "
                    "alerts.email.host (and alerts.email.to)")
            results = service.dispatcher.send_test(args.channel or None)
        finally:
            service.close()
    failed = [r for r in results if not r.ok]
    if args.json:
        env.out(json.dumps({"channels": [_result_dict(r) for r in results]}, indent=2))
    else:
        env.out("alerts test:")
        for result in results:
            env.out(_channel_line(result).replace("sent 1 alert(s)", "test alert sent"))
    return ExitCode.ERROR if failed else ExitCode.OK
