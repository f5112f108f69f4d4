"""The adapter contract suite against the Picqer-shaped fake, configured by the bundled
profile, built by the public factory exactly as a third-party author would."""

from __future__ import annotations

from .conftest import picqer_options, rest_contract

TestPicqerContract = rest_contract("picqer_fake", picqer_options, instance="picqer")
