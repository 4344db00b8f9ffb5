"""The roles a person holds, as the registers' staff tables keep them (the staff directory's and
the accountability trail's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.values import Role


def roles_columns(values: Iterable[str]) -> dict[str, str]:
    """The ``roles`` and ``roles_zh`` columns of a staff table for the roles held, in the order
    the roles are listed."""
    order = [r.value for r in Role]
    held = sorted(set(values), key=order.index)
    return {
        "roles": ",".join(held),
        "roles_zh": "、".join(Role.parse(r, "role").zh for r in held),
    }


def held_roles(row: dict[str, Any]) -> list[str]:
    """The roles a staff table's row says are held (its ``roles`` column)."""
    return [r for r in (row["roles"] or "").split(",") if r]
