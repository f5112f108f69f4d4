"""Benchmark: how fast the sandbox builds its data and serves pages of orders with lines.

Prints the seconds to generate 10,000 orders, and the seconds and orders/s for the real
Orderchamp client paging 3,000 orders with their lines over loopback HTTP (sandbox
unthrottled). Tests check what the sandbox returns; timings live here, printed, never asserted.

Usage: python bench/sandbox_speed.py [--generate 10000] [--page 3000]
"""

from __future__ import annotations

import argparse
import time

from oc_bridge.orderchamp.factory import client_from_settings
from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.settings import OrderchampSettings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, default=10_000, help="orders to generate")
    parser.add_argument("--page", type=int, default=3_000, help="orders to page over HTTP")
    args = parser.parse_args()

    started = time.perf_counter()
    Sandbox(SandboxConfig(orders=args.generate, seed=1))
    print(f"generate {args.generate} orders: {time.perf_counter() - started:.2f} s")

    sandbox = Sandbox(SandboxConfig(orders=args.page, seed=2)).start()
    try:
        client = client_from_settings(OrderchampSettings(api_url=sandbox.url, token="bench"))
        started = time.perf_counter()
        seen = lines = 0
        for order in client.iter_orders(include_unconfirmed=True, include_cancelled=True):
            seen += 1
            lines += len(order.products)
        elapsed = time.perf_counter() - started
    finally:
        sandbox.stop()
    print(f"page {seen} orders ({lines} lines) over HTTP: {elapsed:.2f} s, "
          f"{seen / elapsed:.0f} orders/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
