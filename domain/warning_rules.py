"""The warning-signal catalogue (预警信号指标库) and the closed loop's rules, as data.

The ``[warnings]`` table of a rule set holds, beside the handling deadlines by colour:

* ``catalogue`` — the signals that may be raised, each with its code (``FIN-01`` …), Chinese
  name, colour (红橙黄) and category (financial, operational, guarantee, external,
  behaviour). Under a rule set with a catalogue a signal is raised by its code and takes its
  colour from it; a rule set adopted before the catalogue has none: free codes, colour given.
* ``closed_loop`` — 发布 → 处置 → 反馈 → 认定 → 消除: handling is followed by the handler's
  feedback (反馈) and the determination (认定) by someone else before the signal may be
  cleared (消除), again by someone other than the handler. False (rule sets before the key):
  raise → handle → clear.
* ``reporting`` — the reporting route by colour (报告路线): to whom a signal is reported
  (a role), within how many days of raising, and to whom it is escalated when late.
* ``reclassify_colours`` / ``reclassify_within_days`` — the colours whose signal opens the
  re-classification task (风险分类调整), due within the days given.
* ``form_on_raising`` — the 风险预警信号处理表 filled in when the signal is found
  (发现预警信号填制) may be filed with its raising: it then serves the handling that requires it.
  False (rule sets before the key): only a form filed with or after the handling does.

Parsed here for :mod:`domain.rules` (``fail`` builds its error naming the key). Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from domain.errors import InvalidInputError
from domain.values import LabelledEnum, Role, WarningColour

Fail = Callable[[str, str, str], Exception]
"""The rule parser's error for a key: (path, Chinese, English) → the error to raise."""


class SignalCategory(LabelledEnum):
    """What a warning signal is about (预警信号类别)."""

    FINANCIAL = ("financial", "财务类")
    OPERATIONAL = ("operational", "经营类")
    GUARANTEE = ("guarantee", "担保类")
    EXTERNAL = ("external", "外部环境类")
    BEHAVIOUR = ("behaviour", "行为类")


CODE_PREFIX = {
    SignalCategory.FINANCIAL: "FIN",
    SignalCategory.OPERATIONAL: "OPS",
    SignalCategory.GUARANTEE: "GUA",
    SignalCategory.EXTERNAL: "EXT",
    SignalCategory.BEHAVIOUR: "BEH",
}


@dataclass(frozen=True)
class CatalogueSignal:
    """One signal of the catalogue (预警信号)."""

    code: str
    name: str
    """Its Chinese name."""
    colour: WarningColour
    category: SignalCategory


@dataclass(frozen=True)
class ReportRoute:
    """Where a signal of one colour is reported (报告路线): to a role within N days of raising;
    late, it is escalated to ``escalate_to`` (None: it stays with ``to``, marked late)."""

    to: Role
    within_days: int
    escalate_to: Role | None = None


@dataclass(frozen=True)
class WarningRules:
    """The catalogue and the closed loop (docs/rules.md WRN-50 to WRN-56)."""

    catalogue: Mapping[str, CatalogueSignal] = field(default_factory=lambda: MappingProxyType({}))
    closed_loop: bool = False
    reporting: Mapping[WarningColour, ReportRoute] = field(
        default_factory=lambda: MappingProxyType({})
    )
    reclassify_colours: frozenset[WarningColour] = frozenset()
    reclassify_within_days: int = 10
    form_on_raising: bool = False
    emergency_plan_colours: frozenset[WarningColour] = frozenset()
    """Colours of signal that start an emergency plan (应急预案, 一旦发现风险迹象立即启动)."""
    emergency_plan_days: int = 0
    """Days after raising within which the plan is started (0: the same day)."""

    def signal(self, code: str) -> CatalogueSignal | None:
        """The catalogue's entry for ``code``; None when the rules have no catalogue; an
        unknown code under a catalogue is refused (422 naming ``code``)."""
        if not self.catalogue:
            return None
        found = self.catalogue.get(code)
        if found is None:
            raise InvalidInputError(
                f"预警信号代码 {code!r} 不在预警信号指标库中",
                f"warning code {code!r} is not in the catalogue; see GET /api/v1/warning-catalogue",
                field="code",
            )
        return found

    def colour_of(self, code: str, colour: WarningColour | None) -> WarningColour:
        """The colour a signal is raised with: the catalogue's (a different one given is
        refused), or without a catalogue the one given (required)."""
        entry = self.signal(code)
        if entry is None:
            if colour is None:
                raise InvalidInputError(
                    "须指明预警等级（红橙黄）",
                    "colour is required (red, orange, yellow)",
                    field="colour",
                )
            return colour
        if colour is not None and colour is not entry.colour:
            raise InvalidInputError(
                f"预警信号 {code} 在指标库中为{entry.colour.zh}预警，不能按{colour.zh}发出",
                f"signal {code} is {entry.colour.value} in the catalogue, not {colour.value}",
                field="colour",
            )
        return entry.colour


def parse_warning_rules(raw: Mapping[str, Any], fail: Fail) -> WarningRules:
    """The ``[warnings]`` table's catalogue, loop, routes and re-classification."""
    closed = raw.get("closed_loop")
    if not isinstance(closed, bool):
        raise fail("warnings.closed_loop", "须为 true 或 false", "must be true or false")
    entries = raw.get("catalogue")
    if not isinstance(entries, list):
        raise fail("warnings.catalogue", "须为数组", "must be an array")
    catalogue: dict[str, CatalogueSignal] = {}
    for n, entry in enumerate(entries):
        signal = _signal(n, entry, fail)
        if signal.code in catalogue:
            raise fail(f"warnings.catalogue[{n}]", f"代码 {signal.code} 重复", "duplicate code")
        catalogue[signal.code] = signal
    routes_raw = raw.get("reporting")
    if not isinstance(routes_raw, dict):
        raise fail("warnings.reporting", "须为表", "must be a table")
    routes = {}
    for key, route in routes_raw.items():
        colour = _member(WarningColour, key, f"warnings.reporting.{key}", fail)
        routes[colour] = _route(f"warnings.reporting.{key}", route, fail)
    colours = raw.get("reclassify_colours")
    if not isinstance(colours, list):
        raise fail("warnings.reclassify_colours", "须为数组", "must be an array")
    days = raw.get("reclassify_within_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise fail("warnings.reclassify_within_days", "须为 0–366 的整数", "must be 0-366")
    return WarningRules(
        catalogue=MappingProxyType(catalogue),
        closed_loop=closed,
        reporting=MappingProxyType(routes),
        reclassify_colours=frozenset(
            _member(WarningColour, c, f"warnings.reclassify_colours[{n}]", fail)
            for n, c in enumerate(colours)
        ),
        reclassify_within_days=days,
        form_on_raising=_flag(raw, "form_on_raising", fail),
        emergency_plan_colours=_emergency_colours(raw, fail),
        emergency_plan_days=_emergency_days(raw, fail),
    )


def _emergency_colours(raw: Mapping[str, Any], fail: Fail) -> frozenset[WarningColour]:
    colours = raw.get("emergency_plan_colours")
    if not isinstance(colours, list):
        raise fail("warnings.emergency_plan_colours", "须为数组", "must be an array")
    found = [
        _member(WarningColour, c, f"warnings.emergency_plan_colours[{n}]", fail)
        for n, c in enumerate(colours)
    ]
    if len(set(found)) != len(found):
        raise fail("warnings.emergency_plan_colours", "有重复项", "names a colour twice")
    return frozenset(found)


def _emergency_days(raw: Mapping[str, Any], fail: Fail) -> int:
    days = raw.get("emergency_plan_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 30:
        raise fail("warnings.emergency_plan_days", "须为 0–30 的整数", "must be 0-30")
    return days


def _flag(raw: Mapping[str, Any], key: str, fail: Fail) -> bool:
    value = raw.get(key)
    if not isinstance(value, bool):
        raise fail(f"warnings.{key}", "须为 true 或 false", "must be true or false")
    return value


def _member(kind: Any, value: Any, path: str, fail: Fail) -> Any:
    for member in kind:
        if value == member.value:
            return member
    allowed = ", ".join(m.value for m in kind)
    raise fail(path, f"取值 {value!r} 无效，允许：{allowed}", f"{value!r} is not one of {allowed}")


def _signal(n: int, entry: Any, fail: Fail) -> CatalogueSignal:
    path = f"warnings.catalogue[{n}]"
    if not isinstance(entry, dict):
        raise fail(path, "须为表", "must be a table")
    unknown = set(entry) - {"code", "name", "colour", "category"}
    if unknown:
        raise fail(path, f"未知的键：{sorted(unknown)}", f"unknown keys {sorted(unknown)}")
    code, name = entry.get("code"), entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail(f"{path}.name", "须为中文名称", "must name the signal")
    category = _member(SignalCategory, entry.get("category"), f"{path}.category", fail)
    prefix = CODE_PREFIX[category]
    if (
        not isinstance(code, str)
        or not code.startswith(prefix + "-")
        or not code[len(prefix) + 1 :].isdigit()
        or len(code) > 32
    ):
        raise fail(
            f"{path}.code",
            f"{category.zh}信号代码须为 {prefix}-nn，而非 {code!r}",
            f"a {category.value} signal's code is {prefix}-nn, not {code!r}",
        )
    return CatalogueSignal(
        code=code,
        name=name.strip(),
        colour=_member(WarningColour, entry.get("colour"), f"{path}.colour", fail),
        category=category,
    )


def _route(path: str, raw: Any, fail: Fail) -> ReportRoute:
    if not isinstance(raw, dict):
        raise fail(path, "须为表", "must be a table")
    days = raw.get("within_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise fail(f"{path}.within_days", "须为 0–366 的整数", "must be 0-366")
    escalate = raw.get("escalate_to")
    return ReportRoute(
        to=_member(Role, raw.get("to"), f"{path}.to", fail),
        within_days=days,
        escalate_to=None
        if escalate is None
        else _member(Role, escalate, f"{path}.escalate_to", fail),
    )
