"""A local, realistic stand-in for Orderchamp's supplier API, served over real HTTP.

``Sandbox(SandboxConfig(...))`` generates deterministic data (EU retailers, multi-line orders in
every state, a catalogue with stock) and serves the GraphQL schema in ``schema.graphql`` with
Orderchamp's business rules, cost-based throttling, signed webhooks, fault injection and a
``/sandbox/...`` admin endpoint for driving scenarios. See ``oc-bridge sandbox serve --help``.
"""

from __future__ import annotations

from oc_bridge.sandbox.config import SandboxConfig
from oc_bridge.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxConfig"]
