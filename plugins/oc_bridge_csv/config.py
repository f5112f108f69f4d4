"""The strict configuration model of the CSV adapter (``[adapters.<instance>]``, type ``csv``)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from oc_bridge.adapter import AdapterConfig

__all__ = ["CANCEL_PLACEHOLDERS", "ORDER_PLACEHOLDERS", "CsvConfig", "placeholders"]

#: Placeholders an order file name may use.
ORDER_PLACEHOLDERS = frozenset({"stamp", "number", "reference", "revision", "kind"})
#: Placeholders a cancellation file name may use.
CANCEL_PLACEHOLDERS = ORDER_PLACEHOLDERS


def placeholders(pattern: str) -> list[str]:
    """The ``{name}`` placeholders of a file-name pattern, in order; raises ``ValueError`` for
    a malformed pattern or a placeholder with a format spec or conversion."""
    names: list[str] = []
    for _literal, name, spec, conversion in string.Formatter().parse(pattern):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must not carry a format spec or conversion")
        names.append(name)
    return names


def _check_pattern(pattern: str, *, needs_revision: bool) -> str:
    try:
        names = placeholders(pattern)
    except ValueError as exc:
        raise ValueError(f"malformed file name pattern {pattern!r}: {exc}") from exc
    unknown = sorted(set(names) - ORDER_PLACEHOLDERS)
    if unknown:
        allowed = ", ".join(f"{{{n}}}" for n in sorted(ORDER_PLACEHOLDERS))
        shown = ", ".join(f"{{{n}}}" for n in unknown)
        raise ValueError(f"unknown placeholder(s) {shown}; allowed: {allowed}")
    if not {"reference", "number"} & set(names):
        raise ValueError("must contain {reference} or {number} so different orders never collide")
    if needs_revision and "revision" not in names:
        raise ValueError("must contain {revision} so an update never overwrites the first file")
    if "/" in pattern or "\\" in pattern or pattern.startswith("."):
        raise ValueError("must be a plain file name (no folders, not starting with '.')")
    return pattern


class CsvConfig(AdapterConfig):
    """Settings of one CSV (file drop) adapter instance. Unknown keys are errors."""

    outbound_dir: Path = Field(description="Folder order and cancellation files are written to.")
    inbound_dir: Path = Field(description="Folder the warehouse drops shipment files into.")
    delimiter: str = Field(",", description="Field delimiter of written files (one character).")
    encoding: Literal["utf-8", "utf-8-sig"] = Field(
        "utf-8", description="utf-8, or utf-8-sig to start files with a BOM (for Excel)."
    )
    decimal_separator: Literal[".", ","] = Field(".", description="Decimal separator of prices.")
    file_name_pattern: str = Field(
        "orders-{stamp}-{number}-r{revision}.csv", description="Name of an order file."
    )
    cancellation_file_name_pattern: str = Field(
        "cancel-{stamp}-{number}.csv", description="Name of a cancellation file."
    )
    stock_dir: Path | None = Field(
        None, description="Folder of sku;quantity stock files; enables stock reporting."
    )
    invoices_dir: Path | None = Field(
        None, description="Folder one CSV file per Orderchamp invoice is written to."
    )
    default_transit_days: int | None = Field(
        None, ge=1, description="Estimated transit days for shipments whose file does not say."
    )
    escape_formulas: bool = Field(
        True, description="Prefix free-text cells that start with =, +, -, @, tab or CR with ' "
        "so spreadsheets show them as text (CSV injection); false writes them verbatim for "
        "machine readers."
    )

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in "\"\r\n":
            raise ValueError("must be exactly one character other than a quote or line break")
        return value

    @field_validator("file_name_pattern")
    @classmethod
    def _order_pattern(cls, value: str) -> str:
        return _check_pattern(value, needs_revision=True)

    @field_validator("cancellation_file_name_pattern")
    @classmethod
    def _cancel_pattern(cls, value: str) -> str:
        return _check_pattern(value, needs_revision=False)
