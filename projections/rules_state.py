"""The rules in force, as a register sees them at each position of the log.

A register whose verdicts depend on the rule set (completeness, the work queue) keeps the rules
in one row of its own table, ``rules_in_force``, replaced at each ``RulesInForce.Adopted`` /
``Replaced`` event — so a follower that restarts mid-log, or a rebuild from position zero,
judges every event with the rules that were in force when it was recorded, and every verdict
can name their version. Before the first adoption in the log the register uses the default
rules it was built with (the shipped ``archive/rules.toml``, handed in by the composition root).

Use: add ``RULES_TABLE`` to the register's ``tables``, subclass :class:`FollowsRules`, and in
the register's own ``handle`` register ``adopt`` for ``RulesEvents.Adopted`` and
``RulesEvents.Replaced``::

    @handle.register(RulesEvents.Adopted)
    @handle.register(RulesEvents.Replaced)
    def _rules(self, event: Any, changes: Changes) -> None:
        self.adopt(event, changes)

and read ``self.rules_at(changes)`` in the other handlers.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa

from canonical import canonical_json
from domain.rules import RuleSet, RulesInForce
from projections.changes import Changes
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
)


@cache
def shipped_rules() -> RuleSet:
    """The rule set shipped with the service (the data file ``archive/rules.toml``; read as
    data, not imported as code), for registers built without the composition root's rules."""
    return RuleSet.from_toml(resources.files("archive").joinpath("rules.toml").read_text("utf-8"))


class FollowsRules:
    """A register that judges with the rules in force (see the module's docstring)."""

    def __init__(self, default_rules: RuleSet | None = None) -> None:
        self.default_rules = default_rules or shipped_rules()
        self._parsed: dict[str, RuleSet] = {self.default_rules.version: self.default_rules}

    def adopt(self, event: Any, changes: Changes) -> None:
        """Keep the rule set an ``Adopted`` or ``Replaced`` event carries."""
        content = canonical_json(event.rules)
        changes.put(RULES_TABLE.name, SLOT, {"version": event.version, "content": content})

    def rules_at(self, changes: Changes) -> RuleSet:
        """The rules in force at the event being applied."""
        row = changes.get(RULES_TABLE.name, *SLOT)
        if row is None:
            return self.default_rules
        version = str(row["version"])
        found = self._parsed.get(version)
        if found is None:
            found = RuleSet.from_mapping(json.loads(str(row["content"])))
            self._parsed[version] = found
        return found
