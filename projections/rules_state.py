"""The rules in force, as a register sees them at each position of the log.

A register whose verdicts depend on the rule set (completeness, the work queue) keeps the rules
in one row of its own table, ``rules_in_force``, replaced at each ``RulesInForce.Adopted`` /
``Replaced`` event — so a follower that restarts mid-log, or a rebuild from position zero,
judges every event with the rules that were in force when it was recorded, and every verdict
can name their version. Before the first adoption in the log the register uses the default
rules it was built with (the rules the composition root loaded; the shipped ones by default).

Use: add ``RULES_TABLE`` to the register's ``tables``, subclass :class:`FollowsRules`, start
the register's handlers with ``handle = handlers_following_rules()`` (``adopt`` registered for
``RulesEvents.Adopted`` and ``RulesEvents.Replaced``), and read ``self.rules_at(changes)`` in the
other handlers.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

import sqlalchemy as sa

from canonical import canonical_json
from domain.rules import RuleSet, RulesInForce, adopted_rules, shipped_rules
from projections.changes import Changes
from projections.projection import handlers
from projections.tables import TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
RulesEvents: Any = RulesInForce

SLOT = ("current",)

RULES_TABLE = TableSpec(
    "rules_in_force",
    [
        col("slot", sa.String(16), "槽位", "slot", export=False, nullable=False),
        col("version", sa.String(64), "规则版本", "rules version"),
        col("content", sa.Text, "规则内容", "rules (canonical JSON)", export=False),
    ],
    key=("slot",),
    dated=False,  # who or what is who: read by every day's events alike
)


__all__ = [
    "RULES_TABLE",
    "SLOT",
    "FollowsRules",
    "RulesEvents",
    "handlers_following_rules",
    "shipped_rules",
]


class FollowsRules:
    """A register that judges with the rules in force (see the module's docstring)."""

    def __init__(self, default_rules: RuleSet | None = None) -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped)."""
        self.default_rules = default_rules or shipped_rules()
        self._parsed: dict[str, RuleSet] = {self.default_rules.version: self.default_rules}

    def adopt(self, event: Any, changes: Changes) -> None:
        """Keep the rule set an ``Adopted`` or ``Replaced`` event carries."""
        content = canonical_json(event.rules)
        changes.put(RULES_TABLE.name, SLOT, {"version": event.version, "content": content})

    def rules_at(self, changes: Changes) -> RuleSet:
        """The rules in force at the event being applied."""
        return self.rules_from(changes.get(RULES_TABLE.name, *SLOT))

    def rules_from(self, row: dict[str, Any] | None) -> RuleSet:
        """The rule set a ``rules_in_force`` row holds; the default rules when there is none."""
        if row is None:
            return self.default_rules
        version = str(row["version"])
        found = self._parsed.get(version)
        if found is None:
            found = self._parsed[version] = adopted_rules(str(row["content"]))
        return found


def handlers_following_rules() -> singledispatchmethod[None]:
    """A register's own ``handle`` (:func:`projections.projection.handlers`) that already keeps
    the rules in force: :meth:`FollowsRules.adopt` for ``Adopted`` and ``Replaced``."""
    handle = handlers()
    handle.register(RulesEvents.Adopted, FollowsRules.adopt)
    handle.register(RulesEvents.Replaced, FollowsRules.adopt)
    return handle
