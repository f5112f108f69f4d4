"""``oc-bridge customers export``: stream Orderchamp customers to CSV/JSON or to adapters."""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from oc_bridge.adapter import Capability
from oc_bridge.canonical import CustomerRecord
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.cli.progress import progress_for
from oc_bridge.engine.customers import CUSTOMER_COLUMNS, customer_records, customer_row
from oc_bridge.orderchamp.execution import ClientStats

__all__ = ["add_parser", "run_export"]

CHANNELS = ("MARKETPLACE", "DROPSHIPPING", "PORTAL")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``customers export``."""
    parser = subparsers.add_parser("customers", help="export Orderchamp customers",
                                   description="Work with Orderchamp customers (retailers).")
    sub = parser.add_subparsers(dest="customers_command", metavar="SUBCOMMAND")
    export = sub.add_parser(
        "export", help="stream customers to CSV or JSON (or to adapters)",
        description="Stream every customer (of one sales channel with --channel) page by page "
        "to CSV or JSON, on stdout or into a file written atomically. With --to-adapters the "
        "customers go to every adapter with the customers capability instead (also to the "
        "file when --output is given). Progress goes to stderr.")
    export.add_argument("--channel", choices=CHANNELS, default=None,
                        help="only customers of this sales channel")
    export.add_argument("--format", choices=("csv", "json"), default="csv",
                        help="output format (default: csv)")
    export.add_argument("--output", metavar="PATH", default="-",
                        help="file to write, - for stdout (default)")
    export.add_argument("--to-adapters", action="store_true",
                        help="hand customers to adapters with the customers capability")
    export.add_argument("--dry-run", action="store_true",
                        help="read the customers and say where they would go; write nothing "
                        "(no file, no adapter call)")
    export.set_defaults(handler=run_export)


def _write(records: Iterator[CustomerRecord], handle: TextIO, fmt: str) -> None:
    if fmt == "csv":
        writer = csv.DictWriter(handle, fieldnames=CUSTOMER_COLUMNS)
        writer.writeheader()
        for record in records:
            writer.writerow(customer_row(record))
        return
    handle.write("[")
    for count, record in enumerate(records):
        handle.write(("," if count else "") + "\n  " + json.dumps(customer_row(record)))
    handle.write("\n]\n")


class _Progress:
    """Counts records passing through; a bar on a terminal, a periodic log line otherwise."""

    def __init__(self, env: CliEnv, stats: Callable[[], ClientStats] | None = None) -> None:
        self.count, self.started = 0, time.monotonic()
        self.reporter = progress_for(env.stderr, env.stderr_is_tty, stats, unit="customer")

    def wrap(self, records: Iterator[CustomerRecord]) -> Iterator[CustomerRecord]:
        self.reporter.start("customers", None)
        for record in records:
            self.count += 1
            self.reporter.advance(self.count, f"customers export: {self.count} customers")
            yield record

    def finish(self, line: str) -> None:
        self.reporter.finish(line)


def _to_file(records: Iterator[CustomerRecord], path: str, fmt: str, env: CliEnv) -> None:
    if path == "-":
        _write(records, env.stdout, fmt)
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            _write(records, handle, fmt)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def run_export(args: argparse.Namespace, env: CliEnv) -> int:
    """Stream the export; exit 0."""
    if args.dry_run:
        return _dry_run(args, env)
    if args.to_adapters:
        return _to_adapters(args, env)
    with env.orderchamp_client() as client:
        progress = _Progress(env, lambda: client.stats)
        records = progress.wrap(customer_records(client.iter_customers(args.channel),
                                                 args.channel))
        _to_file(records, args.output, args.format, env)
    progress.finish(f"{progress.count} customer(s) exported in "
                    f"{time.monotonic() - progress.started:.1f}s")
    return ExitCode.OK


def _dry_run(args: argparse.Namespace, env: CliEnv) -> int:
    """Count what would be exported and name where it would go; nothing is written."""
    targets: list[str] = []
    if args.to_adapters:
        with env.adapters_for_checking() as adapters:
            targets = [n for n, a in adapters.items() if a.supports(Capability.CUSTOMERS)]
        if not targets:
            env.err("error: no adapter instance has the customers capability")
            return ExitCode.ERROR
    with env.orderchamp_client() as client:
        progress = _Progress(env, lambda: client.stats)
        for _ in progress.wrap(customer_records(client.iter_customers(args.channel),
                                                args.channel)):
            pass
    progress.finish(f"{progress.count} customer(s) read")
    where = [f"adapter {name}" for name in targets]
    if args.output != "-" or not args.to_adapters:
        where.append("stdout" if args.output == "-" else f"{args.output} ({args.format})")
    env.out(f"dry run: would export {progress.count} customer(s) to {', '.join(where)}")
    return ExitCode.OK


def _to_adapters(args: argparse.Namespace, env: CliEnv) -> int:
    with env.open_runtime() as runtime:
        targets = {n: a for n, a in runtime.adapters.items()
                   if a.supports(Capability.CUSTOMERS)}
        if not targets:
            env.err("error: no adapter instance has the customers capability")
            return ExitCode.ERROR
        for name, adapter in targets.items():
            progress = _Progress(env, lambda: runtime.client.stats)
            records = progress.wrap(customer_records(
                runtime.client.iter_customers(args.channel), args.channel))
            adapter.receive_customers(records)
            progress.finish(f"{progress.count} customer(s) handed to {name}")
        if args.output != "-":
            records = customer_records(runtime.client.iter_customers(args.channel),
                                       args.channel)
            _to_file(records, args.output, args.format, env)
    return ExitCode.OK
