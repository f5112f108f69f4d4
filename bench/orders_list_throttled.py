"""Benchmark: `oc-bridge orders list --all` against a throttled sandbox.

Starts the sandbox in this process with Orderchamp's leaky bucket switched on (1000 points,
50 points/s), runs the real CLI as a subprocess against it, and prints:

- wall time of the listing,
- API points spent (the sandbox's own accounting of actual cost),
- the theoretical minimum time: (points spent - the initial 1000-point bucket) / 50 points/s,
- the ratio of wall time to that minimum (target: within 1.15x),
- how many answers were `Throttled` (target: 0).

Usage: python bench/orders_list_throttled.py [--orders 2000] [--seed 1]
It takes about as long as the minimum says (several minutes for 2,000 orders).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

from oc_bridge.sandbox import Sandbox, SandboxConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bucket-size", type=int, default=1000)
    parser.add_argument("--restore-rate", type=float, default=50.0)
    args = parser.parse_args()

    config = SandboxConfig(
        orders=args.orders,
        seed=args.seed,
        throttle=True,
        bucket_size=args.bucket_size,
        restore_rate=args.restore_rate,
        webhooks_enabled=False,
    )
    with Sandbox(config).start(host="127.0.0.1", port=0) as sandbox:
        exe = shutil.which("oc-bridge", path=os.path.dirname(sys.executable)) or "oc-bridge"
        env = {
            **os.environ,
            "OC_BRIDGE_ORDERCHAMP__API_URL": sandbox.url,
            "OC_BRIDGE_ORDERCHAMP__TOKEN": "bench-token",
            "OC_BRIDGE_ORDERCHAMP__BUCKET_SIZE": str(args.bucket_size),
            "OC_BRIDGE_ORDERCHAMP__RESTORE_RATE": str(args.restore_rate),
        }
        started = time.monotonic()
        result = subprocess.run(
            [exe, "orders", "list", "--all", "--json"],
            env=env, capture_output=True, text=True, check=False,
        )
        wall = time.monotonic() - started
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return result.returncode
        listed = len(json.loads(result.stdout))
        with urllib.request.urlopen(f"{sandbox.base_url}/sandbox/stats") as answer:
            stats = json.load(answer)
    spent = stats["points_spent"]
    minimum = max(spent - args.bucket_size, 0) / args.restore_rate
    ratio = wall / minimum if minimum else float("nan")
    print(f"orders listed:        {listed}")
    print(f"wall time:            {wall:.1f} s")
    print(f"API points spent:     {spent}")
    print(f"theoretical minimum:  {minimum:.1f} s  ((spent - {args.bucket_size}) / "
          f"{args.restore_rate:g} points/s)")
    print(f"ratio to minimum:     {ratio:.3f}x  (target <= 1.15x)")
    print(f"Throttled answers:    {stats['throttled']}  (target 0)")
    print(f"requests:             {stats['requests']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
