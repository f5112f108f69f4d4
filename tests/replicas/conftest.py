"""Several ``oc-bridge run`` replicas on one ledger (PostgreSQL when configured), the
Orderchamp sandbox, and a TCP proxy that cuts the database away."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
