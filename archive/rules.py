"""The rule set in force: loaded from the data directory or the package, adopted as an event.

``load_rules`` reads ``<data dir>/rules.toml`` when there is one (it replaces the shipped
``archive/rules.toml`` entirely) and checks it (``RulesError`` names the key at fault). At start
the service calls ``adopt_rules``: the first time, and whenever the content differs from the
rules last adopted (by version, the SHA-256 of the canonical JSON), it records the whole rule
set in the log (``RulesInForce``: ``Adopted``, then ``Replaced``). Registers read the rules in
force at each log position from those events, so a verdict is always computed with — and
names — the rules that were in force. Commands whose outcome the rules decide read them the
same way, from the last of those events: ``ArchiveCore.rule_set``.

Parsing is ``domain.rules``'s alone (``RuleSet.from_toml``, ``shipped_rules``,
``adopted_rules``); this module only finds the file and records adoptions.
"""

from __future__ import annotations

from pathlib import Path

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from archive.core import ArchiveCore
from domain.rules import (
    PACKAGE,
    RULES_FILE,
    RuleSet,
    RulesInForce,
    packaged_rules_text,
    shipped_rules,
)

__all__ = ["RulesCommands", "load_rules", "packaged_rules_text", "shipped_rules"]


def load_rules(data_dir: Path | None = None) -> tuple[RuleSet, str]:
    """The rule set and where it came from: ``<data_dir>/rules.toml``, else the package's."""
    if data_dir is not None:
        override = data_dir / RULES_FILE
        if override.is_file():
            return RuleSet.from_toml(override.read_text("utf-8")), str(override)
    return shipped_rules(), f"{PACKAGE}/{RULES_FILE}"


class RulesCommands(ArchiveCore):
    """Recording which rules are in force."""

    def rules_in_force(self) -> RulesInForce | None:
        try:
            found: RulesInForce = self.repository.get(RulesInForce.create_id())
        except AggregateNotFoundError:
            return None
        return found

    def adopt_rules(self, rules: RuleSet, *, source: str) -> bool:
        """Record ``rules`` unless they are the ones in force; True when an event was saved.

        A start-up action of the service itself, not of a person: no caller is authorised.
        Two processes starting at once may both try; the loser's save conflicts and it finds
        the rules adopted already.
        """
        current = self.rules_in_force()
        try:
            if current is None:
                self.save(RulesInForce.first(rules, source=source))
                return True
            if not current.adopt(rules, source=source):
                return False
            self.save(current)
        except IntegrityError:
            now = self.rules_in_force()
            if now is not None and now.rules_version == rules.version:
                return False
            raise
        return True
