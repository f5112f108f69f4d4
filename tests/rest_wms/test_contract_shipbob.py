"""The adapter contract suite against the ShipBob-shaped fake, configured by the bundled
profile, built by the public factory exactly as a third-party author would."""

from __future__ import annotations

from .conftest import rest_contract, shipbob_options

TestShipBobContract = rest_contract("shipbob_fake", shipbob_options, instance="shipbob")
