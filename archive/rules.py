"""The rule set in force: loaded from the data directory or the package, adopted as an event.

``load_rules`` reads ``<data dir>/rules.toml`` when there is one (it replaces the shipped
``archive/rules.toml`` entirely) and checks it (``RulesError`` names the key at fault). At start
the service calls ``adopt_rules``: the first time, and whenever the content differs from the
rules last adopted (by version, the SHA-256 of the canonical JSON), it records the whole rule
set in the log (``RulesInForce``: ``Adopted``, then ``Replaced``). Registers read the rules in
force at each log position from those events, so a verdict is always computed with — and
names — the rules that were in force. Commands whose outcome the rules decide (who is told of
an overdue borrowing) read them the same way, from the last of those events: ``rule_set``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from archive.config import DocumentType
from archive.core import ArchiveCore
from canonical import canonical_json
from domain.rules import RuleSet, RulesInForce, parse_adopted

RULES_FILE = "rules.toml"


def packaged_rules_text() -> str:
    return resources.files("archive").joinpath(RULES_FILE).read_text("utf-8")


@cache
def shipped_rules() -> RuleSet:
    """The rules shipped with the package: those in force before any were adopted."""
    return RuleSet.from_toml(packaged_rules_text())


@lru_cache(maxsize=4)
def _adopted(content: str) -> RuleSet:
    """The rule set of an adoption's canonical JSON, parsed once per version."""
    return parse_adopted(json.loads(content))


def load_rules(data_dir: Path | None = None) -> tuple[RuleSet, str]:
    """The rule set and where it came from: ``<data_dir>/rules.toml``, else the package's."""
    if data_dir is not None:
        override = data_dir / RULES_FILE
        if override.is_file():
            return RuleSet.from_toml(override.read_text("utf-8")), str(override)
    return RuleSet.from_toml(packaged_rules_text()), f"archive/{RULES_FILE}"


def document_types_of(rules: RuleSet) -> Mapping[str, DocumentType]:
    """The document-type catalogue of ``rules`` as the application's configuration holds it."""
    return MappingProxyType(
        {
            code: DocumentType(t.code, t.zh, t.en, t.stage, t.retention, t.custody_tier)
            for code, t in rules.document_types.items()
        }
    )


class RulesCommands(ArchiveCore):
    """Recording which rules are in force."""

    def rules_in_force(self) -> RulesInForce | None:
        try:
            found: RulesInForce = self.repository.get(RulesInForce.create_id())
        except AggregateNotFoundError:
            return None
        return found

    def rule_set(self) -> RuleSet:
        """The rules in force now: the last adopted in the log, the shipped ones before any.

        Read from the log rather than the file this process loaded, so every process — and a
        command run after another process adopted new rules — decides by the same rules the
        registers judge with.
        """
        # The @event classes (Adopted, Replaced) are invisible to mypy: read them as Any.
        last: Any = next(iter(self.events.get(RulesInForce.create_id(), desc=True, limit=1)), None)
        if last is None:
            return shipped_rules()
        return _adopted(canonical_json(last.rules))

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
