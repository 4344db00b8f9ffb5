"""The collateral of each secured demo loan (押品): registration, certificate custody, value,
insurance and release.

Every loan secured by a mortgage (抵押) or a pledge (质押) registers its collateral the day it is
disbursed — a mortgaged property with its valuation report and registration certificate, a
pledged deposit receipt with none — and two archivists lodge its title certificate in the vault
(权证入库) a few days later, with a custody form. Then, for some loans: the certificate is taken
out (for a registry check, or for a lawsuit) and returned; the property is revalued; it is
insured, the policy renewed each year or left to lapse. Once the loan is settled the account
manager releases the collateral (注销); the certificate is never left out of the vault.

These choices are drawn from the loan's seed through a random stream of their own, so the rest
of the loan's life does not shift with them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from demo.borrowers import CITY, COUNTY, REGION
from demo.plan import TODAY, DocSpec, Planner, add_months, cents, workday
from demo.staff import ARCHIVISTS, BANK, NAMES
from domain.values import BorrowerType, CollateralKind, GuaranteeType, Product

_SALT = 0xC011A7E2A1
_DAY = timedelta(days=1)
_DISTRESSED = frozenset({"npl", "npl_determined", "written_off"})
_TROUBLED = _DISTRESSED | {"overdue", "restructured"}
_INSURERS = ("安泰财产保险股份有限公司", "华康财产保险股份有限公司", "永诚信财产保险股份有限公司")
_ROUTINE_PURPOSES = (
    "配合不动产登记中心核查抵押登记信息",
    "抵押人申请查阅权证原件，经审批出库核对",
    "办理抵押物门牌号变更登记",
)
_LITIGATION_PURPOSE = "提交法院办理诉讼财产保全"


@dataclass(frozen=True)
class Security:
    """A loan's collateral as registered: what the commands and its documents say about it."""

    collateral_no: str
    kind: CollateralKind
    description: str
    value: Decimal
    appraised_on: date
    registration_no: str
    registered_on: date
    certificate_no: str
    fields: tuple[tuple[str, str], ...]
    """What its documents print about it (押品、权证号...)."""

    @property
    def is_pledge(self) -> bool:
        return self.kind is CollateralKind.DEPOSIT_RECEIPT


def secure(p: Planner) -> None:
    """Plan the collateral of a loan secured by a mortgage or a pledge (none otherwise).

    Runs after the loan's own life is planned: it needs the settlement date, if any.
    """
    s = p.shape
    if s.guarantee not in (GuaranteeType.MORTGAGE, GuaranteeType.PLEDGE):
        return
    rng = random.Random(s.seed ^ _SALT)
    security = _security(p, rng)
    settled = next((step.on for step in p.steps if step.command == "settle"), None)
    released = None
    if settled is not None:
        released = min(TODAY, workday(settled + timedelta(days=rng.randint(2, 15))))
    end = released or TODAY
    live = min(end, p.closed_on or end)

    p.add(
        s.value_date,
        s.account_manager,
        "register_collateral",
        docs=_registration_docs(p, security),
        rank=1,
        collateral_no=security.collateral_no,
        kind=security.kind,
        description=security.description,
        owner_name=s.borrower.name,
        appraised_value=security.value,
        appraised_on=security.appraised_on,
        registration_no=security.registration_no,
        registered_on=security.registered_on,
    )
    lodged = workday(s.value_date + timedelta(days=rng.randint(1, 6)))
    _move(p, rng, security, lodged, "lodge_certificate", "入库", lodged_on=lodged)
    _take_out_and_return(p, rng, security, lodged, end)
    if not security.is_pledge:
        _revalue(p, rng, security, live)
        _insure(p, rng, security, live)
    if settled is not None and released is not None:
        _release(p, security, settled, released)


def _security(p: Planner, rng: random.Random) -> Security:
    s, b = p.shape, p.shape.borrower
    collateral_no = f"YP{s.loan_no[2:]}-01"
    if s.guarantee is GuaranteeType.PLEDGE:
        receipt = f"DQ{REGION}{rng.randint(10**7, 10**8 - 1)}"
        value = cents((s.principal / Decimal("0.9")).quantize(Decimal(1000)))
        item = f"{BANK}定期存单一张（户名：{b.name}，存单号{receipt}，金额{value}元）"
        pledged_on = s.value_date - timedelta(days=3)
        return Security(
            collateral_no=collateral_no,
            kind=CollateralKind.DEPOSIT_RECEIPT,
            description=item,
            value=value,
            appraised_on=pledged_on,
            registration_no="",
            registered_on=pledged_on,
            certificate_no=receipt,
            fields=(("pledge_item", item), ("certificate_no", receipt)),
        )
    registered_on = s.value_date - _DAY  # the registration certificate's own date
    registration_no = (
        f"{CITY[0]}（{registered_on.year}）{COUNTY}不动产证明第{rng.randint(1000, 99999):07d}号"
    )
    title_year = rng.randint(2008, registered_on.year - 1)
    title_no = f"{CITY[0]}（{title_year}）{COUNTY}不动产权第{rng.randint(1000, 99999):07d}号"
    return Security(
        collateral_no=collateral_no,
        kind=CollateralKind.REAL_ESTATE,
        description=f"{b.collateral}（坐落：{b.address}）",
        value=cents(s.principal / Decimal("0.6")),  # as the credit file's forms print it
        appraised_on=s.value_date - timedelta(days=18),  # the valuation report's own date
        registration_no=registration_no,
        registered_on=registered_on,
        certificate_no=registration_no,  # the bank holds the registration certificate (他项权证)
        fields=(
            ("collateral_location", b.address),
            ("collateral_cert", title_no),
            ("registration_no", registration_no),
            ("certificate_no", registration_no),
        ),
    )


def _registration_docs(p: Planner, security: Security) -> tuple[DocSpec, ...]:
    if security.is_pledge:
        return ()
    fields = dict(security.fields)
    return (
        p.doc("valuation_report", None, **fields),
        p.doc("registration_certificate", None, **fields),
    )


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _move(
    p: Planner,
    rng: random.Random,
    security: Security,
    on: date,
    command: str,
    movement: str,
    *,
    purpose: str = "",
    **kwargs: Any,
) -> None:
    """A certificate movement by the two archivists, the one recording it named first."""
    recorder, other = rng.sample(ARCHIVISTS, 2)
    if command == "lodge_certificate":
        kwargs["certificate_no"] = security.certificate_no
    if purpose:
        kwargs["purpose"] = purpose
    form = p.doc(
        "custody_form",
        on,
        **dict(security.fields),
        movement=movement,
        out_purpose=purpose,
        custodian=NAMES[recorder],
        custodian_b=NAMES[other],
    )
    p.add(
        on,
        recorder,
        command,
        docs=(form,),
        collateral_no=security.collateral_no,
        custodian_nos=[recorder, other],
        **kwargs,
    )


def _take_out_and_return(
    p: Planner, rng: random.Random, security: Security, lodged: date, end: date
) -> None:
    """Now and then the certificate leaves the vault for a while; it is back well before ``end``."""
    s = p.shape
    litigation = s.scenario in _DISTRESSED and s.default_on is not None
    if rng.random() >= (0.6 if litigation else 0.2):
        return
    first = lodged + timedelta(days=60)
    if litigation and s.default_on is not None:
        first = max(first, s.default_on + timedelta(days=30))
    last = end - timedelta(days=25)
    if first > last:
        return
    out = workday(_between(rng, first, last))
    back = workday(out + timedelta(days=rng.randint(2, 20)))
    purpose = _LITIGATION_PURPOSE if litigation else rng.choice(_ROUTINE_PURPOSES)
    _move(p, rng, security, out, "take_out_certificate", "出库", purpose=purpose, taken_out_on=out)
    _move(p, rng, security, back, "return_certificate", "归还入库", returned_on=back)


def _revalue(p: Planner, rng: random.Random, security: Security, live: date) -> None:
    """A revaluation (重估) of the property: lower for a loan in trouble."""
    s = p.shape
    troubled = s.scenario in _TROUBLED
    if rng.random() >= (0.6 if troubled else 0.25):
        return
    first = s.value_date + timedelta(days=180)
    if troubled and s.default_on is not None:
        first = max(first, s.default_on + timedelta(days=20))
    last = live - timedelta(days=10)
    if first > last:
        return
    on = workday(_between(rng, first, last))
    factor = Decimal(rng.randint(72, 90) if troubled else rng.randint(94, 108)) / 100
    value = cents((security.value * factor).quantize(Decimal(100)))
    report = p.doc(
        "revaluation_report",
        on,
        **dict(security.fields),
        appraised_value=str(security.value),
        collateral_value=str(value),
    )
    actor = rng.choice((p.crew.post_loan_officer, p.account_manager_at(on)))
    p.add(
        on,
        actor,
        "revalue_collateral",
        docs=(report,),
        collateral_no=security.collateral_no,
        revalued_on=on,
        value=value,
    )


def _insure(p: Planner, rng: random.Random, security: Security, live: date) -> None:
    """Insurance of a mortgaged property, renewed each year until it lapses or is not needed."""
    s = p.shape
    insurable = s.borrower.kind is BorrowerType.CORPORATE or s.product is Product.MORTGAGE
    if not insurable or rng.random() >= 0.7:
        return
    renewal = 0.5 if s.scenario in _TROUBLED else 0.85
    insurer = rng.choice(_INSURERS)
    starts = s.value_date - timedelta(days=2)  # the policy is signed before the drawdown
    recorded = s.value_date
    while True:
        expires = add_months(starts, 12) - _DAY
        policy_no = f"PQYC{starts.year}{REGION}{rng.randint(10**11, 10**12 - 1)}"
        policy = p.doc(
            "insurance_policy",
            min(recorded, starts),
            **dict(security.fields),
            policy_no=policy_no,
            insurer=insurer,
            insured_value=str(security.value),
            start_date=starts.isoformat(),
            due_date=expires.isoformat(),
        )
        p.add(
            recorded,
            p.account_manager_at(recorded),
            "renew_insurance",
            docs=(policy,),
            rank=1,
            collateral_no=security.collateral_no,
            policy_no=policy_no,
            insurer=insurer,
            expires_on=expires,
        )
        if expires >= live:
            return
        if rng.random() >= renewal:
            break
        starts = expires + _DAY
        recorded = workday(expires - timedelta(days=rng.randint(5, 20)))
    noticed = workday(expires + timedelta(days=rng.randint(3, 25)))
    if noticed < live:
        p.add(
            noticed,
            p.crew.post_loan_officer,
            "record_insurance_lapse",
            collateral_no=security.collateral_no,
            lapsed_on=expires + _DAY,
        )


def _release(p: Planner, security: Security, settled: date, released: date) -> None:
    """注销 after settlement, by the account manager, with the registry's release certificate."""
    fields = dict(security.fields)
    if security.is_pledge:
        reason = f"贷款已于{settled:%Y年%m月%d日}结清，解除质押，存单原件退还出质人"
        doc = p.doc(
            "custody_form",
            released,
            **fields,
            movement="注销出库（退还出质人）",
            custodian=NAMES[ARCHIVISTS[0]],
            custodian_b=NAMES[ARCHIVISTS[1]],
        )
    else:
        reason = f"贷款已于{settled:%Y年%m月%d日}结清，主债权消灭，办理抵押注销登记"
        doc = p.doc("release_certificate", released, **fields)
    p.add(
        released,
        p.account_manager_at(released),
        "release_collateral",
        docs=(doc,),
        rank=9,
        collateral_no=security.collateral_no,
        released_on=released,
        reason=reason,
    )
