"""``python -m oc_bridge`` runs the CLI."""

from oc_bridge.cli import console_main

console_main()
