"""HTTP helpers for console tests: the CSRF token of a page, logging in with requests, and
shipment files dropped into a daemon's CSV inbound folder."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from daemon_helpers import Daemon

from oc_bridge.console.security import hash_password

#: Where the browser tests write their screenshots (gitignored).
SCREENSHOTS = Path(os.environ.get("OC_BRIDGE_SCREENSHOTS",
                                  Path(__file__).resolve().parents[2] / "build" / "screenshots"))

USER = "admin"
PASSWORD = "correct horse battery"
#: Hashed once per test session (scrypt is deliberately slow).
PASSWORD_HASH = hash_password(PASSWORD)

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


def console_config(extra: str = "") -> str:
    """The ``[console]`` table of the test installations."""
    return f"""
[console]
enabled = true
user = "{USER}"
password_hash = "{PASSWORD_HASH}"
{extra}
"""


MakeDaemon = Callable[..., Daemon]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The first CSRF token on a page."""
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def logged_in(base: str, *, user: str = USER, password: str = PASSWORD) -> requests.Session:
    """A requests session that logged in through the form."""
    session = requests.Session()
    form = session.get(f"{base}/console/login", timeout=10)
    answer = session.post(f"{base}/console/login", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "user": user, "password": password,
        "next": "/console/"})
    assert answer.status_code == 303, answer.text
    return session


def drop_shipment(inbound: Path, name: str, order: dict[str, Any], tracking: str) -> Path:
    """A warehouse shipment file shipping every line of ``order`` (sandbox JSON) in full."""
    inbound.mkdir(parents=True, exist_ok=True)
    columns = ["order_number", "sku", "quantity", "carrier", "tracking_number", "tracking_url",
               "shipped_at"]
    tmp = inbound / f".{name}.tmp"
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for line in order["products"]:
            writer.writerow({"order_number": order["number"], "sku": line["sku"],
                             "quantity": line["unshippedQuantity"], "carrier": "PostNL",
                             "tracking_number": tracking,
                             "tracking_url": f"https://postnl.nl/tracktrace/{tracking}",
                             "shipped_at": "2026-11-30T10:15:00Z"})
    path = inbound / name
    tmp.replace(path)
    return path
