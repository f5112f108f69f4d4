"""``oc-bridge new-adapter NAME``: generate a new adapter as its own installable package."""

from __future__ import annotations

import argparse
from pathlib import Path

from oc_bridge.cli.env import CliEnv, ExitCode

__all__ = ["add_parser", "run_new_adapter"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``new-adapter`` command."""
    parser = subparsers.add_parser(
        "new-adapter",
        help="generate a new adapter package (pyproject, adapter class, README, tests)",
        description="Generate a separate, installable package for a new adapter type NAME: "
        "pyproject.toml publishing the oc_bridge entry point, src/oc_bridge_NAME/ with the "
        "adapter class (typed config, capabilities) and its plugin module, a README, and "
        "tests/test_contract.py running the oc-bridge contract suite. As generated it works "
        "(it exchanges JSON files through two folders), installs with `pip install -e`, passes "
        "its tests and `mypy --strict`; replace the file handling with calls to your system. "
        "See docs/writing-adapters.md.",
    )
    parser.add_argument("name", metavar="NAME",
                        help="adapter type name: lower case letters, digits, underscores")
    parser.add_argument("--dir", metavar="PATH",
                        help="folder to create the package in (default: ./oc-bridge-NAME); "
                        "must not exist or be empty")
    parser.add_argument("--dry-run", action="store_true",
                        help="write nothing; list the files that would be created")
    parser.set_defaults(handler=run_new_adapter)


def run_new_adapter(args: argparse.Namespace, env: CliEnv) -> int:
    """Write the package and say what to do next. Exit 0; 1 for a bad name or a folder in the
    way (nothing is written then)."""
    from oc_bridge.scaffold import AdapterNames, create_adapter_package

    names = AdapterNames.parse(args.name)
    target = Path(args.dir) if args.dir else Path(names.distribution)
    written = create_adapter_package(names.name, target, dry_run=args.dry_run)
    verb = "Would create" if args.dry_run else "Created"
    env.out(f"{verb} {names.distribution} in {target}:")
    for path in written:
        env.out(f"  {path.as_posix()}")
    if args.dry_run:
        return ExitCode.OK
    env.out("")
    env.out("Next:")
    env.out(f"  pip install -e '{target}[test]'")
    env.out(f"  cd {target} && pytest && mypy")
    env.out(f"  oc-bridge adapters   # lists {names.name!r}")
    return ExitCode.OK
