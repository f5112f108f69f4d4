"""The result type of every business rule, and shared helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from oc_bridge.sandbox.model import Order, UserError
from oc_bridge.sandbox.state import SandboxState

__all__ = ["Outcome", "fail", "order_or_error"]

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What a mutation produced: the object, or the reasons it was refused."""

    value: T | None = None
    user_errors: list[UserError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.user_errors


def fail(path: list[str] | None, message: str) -> Outcome[Any]:
    """A refusal with one user error at ``path``."""
    return Outcome(None, [UserError(path, message)])


def order_or_error(state: SandboxState, ref: Order | str, path: str = "id") -> Order | Outcome[Any]:
    """The order itself, found by reference, or a refusal saying it does not exist."""
    if isinstance(ref, Order):
        return ref
    order = state.find_order(ref)
    if order is None:
        return fail([path], f"Order {ref} does not exist")
    return order
