"""Inspection checklists (贷后检查表) as data: what an inspection of a loan must answer.

The procedures list what a post-loan inspection looks at: for a company the four areas of
000-01 (客户及内部管理、生产经营、财务状况、担保情况, with the figures of 000-02 and the
security of 000-03 to 000-05), for an individual production loan the 个人客户贷后检查表 of
000-08 to 000-12, for a consumer loan repayment and family events (000-14). The rule set's
``[checklists]`` table holds them: each checklist names the loans and inspection kinds it
applies to (``when``, ``kinds``), its items by area, the key financial figures it asks for, and
the overall risk judgments (``judgments``) an inspector chooses from. Which checklist applies
is data too: the first whose conditions hold.

Parsed here for :mod:`domain.rules` (``fail`` builds its error naming the key), and checked
here for an inspection's answers (:func:`check_answers`): every item answered exactly once,
an abnormal answer with its note, each figure a valid amount of 元, a judgment of the list.
A rule set adopted before checklists existed has none (``EARLIER``): inspections under it stay
free text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from domain.errors import InvalidInputError
from domain.values import LabelledEnum

Fail = Callable[[str, str, str], Exception]
"""The rule parser's error for a key: (path, Chinese, English) → the error to raise."""

CONDITIONS = frozenset({"product", "borrower_type", "guarantee_type", "service"})
"""What a checklist's ``when`` may test: facts of the loan (``service``: ``third_party`` for a
loan serviced under the third-party model, ``own`` otherwise)."""

KINDS = frozenset({"first_follow_up", "routine", "special", "on_site", "off_site", "phone_visit"})

MAX_FIGURE = Decimal("1e16")


class AnswerResult(LabelledEnum):
    """How an inspector answers a checklist item."""

    NORMAL = ("normal", "正常")
    ABNORMAL = ("abnormal", "异常")


@dataclass(frozen=True)
class ChecklistItem:
    """One thing an inspection looks at."""

    code: str
    area: str
    """The area it belongs to, in Chinese (客户及内部管理 …)."""
    area_en: str
    zh: str
    en: str


@dataclass(frozen=True)
class Figure:
    """A key financial figure an inspection records, in 元."""

    code: str
    zh: str
    en: str
    signed: bool = False
    """True when the figure may be negative (净利润, 经营活动现金净流量)."""


@dataclass(frozen=True)
class Judgment:
    """An overall risk judgment (总体风险判断) an inspector may reach."""

    code: str
    zh: str
    en: str
    measures_required: bool = False
    """True when reaching it requires the measures taken (采取的措施)."""


@dataclass(frozen=True)
class Checklist:
    """A checklist and the loans and inspection kinds it applies to."""

    code: str
    zh: str
    en: str
    kinds: frozenset[str]
    when: Mapping[str, frozenset[str]]
    items: tuple[ChecklistItem, ...]
    figures: tuple[Figure, ...]
    counterpart: bool = False
    """True when the record names whom the inspector spoke to or met (回访对象: the record of a
    return visit has its time, its counterpart and its content)."""

    def applies(self, kind: str, facts: Mapping[str, str | None]) -> bool:
        return kind in self.kinds and all(
            facts.get(name) in allowed for name, allowed in self.when.items()
        )

    def item(self, code: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.code == code), None)

    def areas(self) -> list[tuple[str, str, list[ChecklistItem]]]:
        """The items by area, in the order written: (area, area_en, items)."""
        found: dict[str, tuple[str, list[ChecklistItem]]] = {}
        for item in self.items:
            found.setdefault(item.area, (item.area_en, []))[1].append(item)
        return [(area, en, items) for area, (en, items) in found.items()]


@dataclass(frozen=True)
class Checklists:
    """The rule set's checklists and the judgments they end in (``[checklists]``)."""

    judgments: tuple[Judgment, ...] = ()
    lists: tuple[Checklist, ...] = ()

    def for_inspection(self, kind: str, facts: Mapping[str, str | None]) -> Checklist | None:
        """The checklist an inspection of ``kind`` of a loan with ``facts`` answers: the first
        that applies; none when none does (or the rules have none)."""
        return next((c for c in self.lists if c.applies(kind, facts)), None)

    def get(self, code: str | None) -> Checklist | None:
        return next((c for c in self.lists if c.code == code), None)

    def judgment(self, code: str | None) -> Judgment | None:
        return next((j for j in self.judgments if j.code == code), None)


# ------------------------------------------------------------------------------- answers
@dataclass(frozen=True)
class Answered:
    """An inspection's checked answers, as its event records them (plain data)."""

    checklist: str
    answers: list[dict[str, str]]
    figures: dict[str, str]
    judgment: str
    measures: str | None


def _refuse(field: str, zh: str, en: str) -> InvalidInputError:
    return InvalidInputError(zh, en, field=field)


def check_answers(
    checklists: Checklists,
    checklist: Checklist,
    *,
    answers: Sequence[Mapping[str, Any]],
    figures: Mapping[str, Any] | None,
    judgment: str | None,
    measures: str | None,
) -> Answered:
    """The answers to ``checklist``, checked; a refusal names the field at fault."""
    seen: dict[str, dict[str, str]] = {}
    for n, raw in enumerate(answers):
        code = str(raw.get("item") or "").strip()
        if checklist.item(code) is None:
            raise _refuse(
                f"answers[{n}].item",
                f"检查表《{checklist.zh}》没有检查项 {code!r}",
                f"checklist {checklist.code!r} has no item {code!r}",
            )
        if code in seen:
            raise _refuse(
                f"answers[{n}].item",
                f"检查项 {code} 重复作答",
                f"item {code} is answered more than once",
            )
        result = AnswerResult.parse(_plain(raw.get("result")), f"answers[{n}].result")
        note = str(raw.get("note") or "").strip()
        if result is AnswerResult.ABNORMAL and not note:
            raise _refuse(
                f"answers[{n}].note",
                f"检查项 {code} 答“异常”，须写明情况说明",
                f"item {code} is answered abnormal: a note saying what is wrong is required",
            )
        if len(note) > 1000:
            raise _refuse(
                f"answers[{n}].note",
                f"检查项 {code} 的说明超过 1000 字",
                f"the note of item {code} is longer than 1000 characters",
            )
        seen[code] = {"item": code, "result": result.value, "note": note}
    missing = [i.code for i in checklist.items if i.code not in seen]
    if missing:
        raise _refuse(
            "answers",
            f"检查表《{checklist.zh}》尚有未答的检查项：{'、'.join(missing)}",
            f"checklist {checklist.code!r} has unanswered items: {', '.join(missing)}",
        )
    given = dict(figures or {})
    amounts: dict[str, str] = {}
    for figure in checklist.figures:
        amounts[figure.code] = _amount(figure, given.pop(figure.code, None))
    if given:
        extra = sorted(map(str, given))[0]
        raise _refuse(
            f"figures.{extra}",
            f"检查表《{checklist.zh}》不要求财务数据 {extra!r}",
            f"checklist {checklist.code!r} asks for no figure {extra!r}",
        )
    chosen = checklists.judgment(str(judgment) if judgment is not None else None)
    if chosen is None:
        allowed = ", ".join(j.code for j in checklists.judgments)
        raise _refuse(
            "judgment",
            f"总体风险判断 {judgment!r} 无效，允许：{allowed}",
            f"judgment: {judgment!r} is not one of {allowed}",
        )
    text = (measures or "").strip() or None
    if chosen.measures_required and text is None:
        raise _refuse(
            "measures",
            f"总体风险判断为“{chosen.zh}”，须写明采取的措施",
            f"a judgment of {chosen.en!r} requires the measures taken",
        )
    return Answered(checklist.code, list(seen.values()), amounts, chosen.code, text)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, AnswerResult) else value


def _amount(figure: Figure, value: Any) -> str:
    path = f"figures.{figure.code}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _refuse(
            path,
            f"须填写财务数据“{figure.zh}”（元）",
            f"the figure {figure.en!r} (元) is required",
        )
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
        exact = amount.is_finite() and abs(amount) < MAX_FIGURE
        exact = exact and amount.quantize(Decimal("0.01")) == amount
    except (InvalidOperation, ValueError):
        exact = False
    if isinstance(value, bool) or not exact:
        raise _refuse(
            path,
            f"“{figure.zh}”须为金额（元，最多两位小数）：{value!r}",
            f"{figure.en} must be an amount of 元 with at most two decimals: {value!r}",
        )
    if amount < 0 and not figure.signed:
        raise _refuse(path, f"“{figure.zh}”不能为负数", f"{figure.en} must not be negative")
    return str(amount.quantize(Decimal("0.01")))


# ------------------------------------------------------------------------------- parsing
def parse_checklists(raw: Any, fail: Fail) -> Checklists:
    """The ``[checklists]`` table of a rule set (an empty table: no checklists)."""
    if not isinstance(raw, dict):
        raise fail("checklists", "须为表", "must be a table")
    judgments = tuple(
        _judgment(n, j, fail) for n, j in enumerate(_array(raw, "judgments", "checklists", fail))
    )
    figures_raw = raw.get("figures", {})
    if not isinstance(figures_raw, dict):
        raise fail("checklists.figures", "须为表", "must be a table")
    figures = {code: _figure(code, f, fail) for code, f in figures_raw.items()}
    lists = tuple(
        _checklist(n, c, figures, fail)
        for n, c in enumerate(_array(raw, "lists", "checklists", fail))
    )
    if lists and not judgments:
        raise fail("checklists.judgments", "须列出总体风险判断", "must list the judgments")
    for name, codes in (
        ("judgments", [j.code for j in judgments]),
        ("lists", [c.code for c in lists]),
    ):
        if len(set(codes)) != len(codes):
            raise fail(f"checklists.{name}", "代码重复", "duplicate codes")
    return Checklists(judgments, lists)


def _array(raw: Mapping[str, Any], key: str, where: str, fail: Fail) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise fail(f"{where}.{key}", "须为数组", "must be an array")
    return value


def _text(raw: Mapping[str, Any], key: str, path: str, fail: Fail) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{path}.{key}", "须为非空文本", "must be non-empty text")
    return value.strip()


def _judgment(n: int, raw: Any, fail: Fail) -> Judgment:
    path = f"checklists.judgments[{n}]"
    if not isinstance(raw, dict):
        raise fail(path, "须为表", "must be a table")
    return Judgment(
        code=_text(raw, "code", path, fail),
        zh=_text(raw, "zh", path, fail),
        en=_text(raw, "en", path, fail),
        measures_required=raw.get("measures_required") is True,
    )


def _figure(code: str, raw: Any, fail: Fail) -> Figure:
    path = f"checklists.figures.{code}"
    if not isinstance(raw, dict):
        raise fail(path, "须为表", "must be a table")
    return Figure(
        code=code,
        zh=_text(raw, "zh", path, fail),
        en=_text(raw, "en", path, fail),
        signed=raw.get("signed") is True,
    )


def _checklist(n: int, raw: Any, figures: Mapping[str, Figure], fail: Fail) -> Checklist:
    path = f"checklists.lists[{n}]"
    if not isinstance(raw, dict):
        raise fail(path, "须为表", "must be a table")
    kinds = _array(raw, "kinds", path, fail)
    unknown = [k for k in kinds if k not in KINDS]
    if not kinds or unknown:
        allowed = ", ".join(sorted(KINDS))
        raise fail(f"{path}.kinds", f"须列出检查类型（{allowed}）", f"must list kinds of {allowed}")
    when_raw = raw.get("when", {})
    if not isinstance(when_raw, dict) or not set(when_raw) <= CONDITIONS:
        known = ", ".join(sorted(CONDITIONS))
        raise fail(f"{path}.when", f"条件须为 {known}", f"conditions must be of {known}")
    when = {
        name: frozenset(str(v) for v in (values if isinstance(values, list) else [values]))
        for name, values in when_raw.items()
    }
    items = tuple(
        _item(f"{path}.items[{m}]", i, fail) for m, i in enumerate(_array(raw, "items", path, fail))
    )
    if not items:
        raise fail(f"{path}.items", "须列出检查项", "must list items")
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes):
        raise fail(f"{path}.items", "检查项代码重复", "duplicate item codes")
    wanted = _array(raw, "figures", path, fail)
    for code in wanted:
        if code not in figures:
            raise fail(f"{path}.figures", f"未知财务数据 {code!r}", f"unknown figure {code!r}")
    return Checklist(
        code=_text(raw, "code", path, fail),
        zh=_text(raw, "zh", path, fail),
        en=_text(raw, "en", path, fail),
        kinds=frozenset(kinds),
        when=MappingProxyType(when),
        items=items,
        figures=tuple(figures[c] for c in wanted),
        counterpart=_flag(raw, "counterpart", path, fail),
    )


def _flag(raw: Mapping[str, Any], key: str, path: str, fail: Fail) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise fail(f"{path}.{key}", "须为 true 或 false", "must be true or false")
    return value


def _item(path: str, raw: Any, fail: Fail) -> ChecklistItem:
    if not isinstance(raw, dict):
        raise fail(path, "须为表", "must be a table")
    return ChecklistItem(
        code=_text(raw, "code", path, fail),
        area=_text(raw, "area", path, fail),
        area_en=_text(raw, "area_en", path, fail),
        zh=_text(raw, "zh", path, fail),
        en=_text(raw, "en", path, fail),
    )
