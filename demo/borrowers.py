"""Fictitious borrowers of the demo portfolio (演示借款人): companies, farmers, households.

Every name, number and address is invented. Identity numbers have the right shape (an ID-card
number carries a valid check digit) so that forms and searches look real, but belong to no one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from domain.identifiers import uscc_check
from domain.values import BorrowerType, Product

CITY = "云溪市"
COUNTY = "青禾县"
REGION = "330523"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏方邹熊秦"
)
GIVEN_NAMES = (
    "建国", "海燕", "志强", "丽华", "伟", "芳", "秀英", "明", "静", "磊", "军", "洋", "勇",
    "艳", "杰", "娟", "涛", "超", "婷", "晓东", "春梅", "国华", "玉兰", "红霞", "文斌", "立新",
    "德明", "雪梅", "振华", "佳怡", "宇航", "浩然", "思远", "晨曦", "美玲", "建军", "桂芳",
    "永强", "丹", "卫东", "慧敏", "俊杰", "海波", "晓燕", "志明", "淑珍", "凯", "琳", "国平",
    "金花", "长青", "小兵", "爱华", "少华", "林峰", "秋菊", "学军", "月娥", "家宝", "树林",
)  # fmt: skip
_BRANDS = (
    "恒盛", "宏达", "鑫源", "永丰", "瑞康", "金穗", "绿野", "众诚", "德润", "兴隆", "天成",
    "广源", "富达", "嘉禾", "盛通", "锦程", "百川", "润丰", "宏远", "顺发", "同创", "长青",
    "联丰", "丰泽", "明辉", "荣昌", "华越", "立信", "泰和", "新禾", "远景", "青山",
)  # fmt: skip
# industry, main business, purpose of a working-capital loan
_INDUSTRIES = (
    ("机械制造", "通用机械零部件加工、销售", "购买钢材、铸件等原材料"),
    ("纺织", "针纺织品生产、销售", "购买棉纱、涤纶长丝等原材料"),
    ("食品", "农副产品收购、加工及销售", "收购原粮及支付加工费"),
    ("建材", "新型墙体材料生产、销售", "购买水泥、砂石等原材料"),
    ("包装材料", "纸箱、纸板生产销售", "购买原纸及支付电费"),
    ("竹木制品", "竹木家具制造、销售", "购买竹材、木材等原材料"),
    ("汽车配件", "汽车零部件制造、销售", "购买铝锭、钢材及支付外协加工费"),
    ("电子科技", "电子元器件生产、销售", "采购芯片、电子元件等原材料"),
    ("化工", "水性涂料、胶粘剂生产销售", "采购树脂、溶剂等原材料"),
    ("茶业", "茶叶种植、加工及销售", "支付茶青收购款及包装材料款"),
    ("服饰", "服装加工、销售", "采购面料、辅料及支付加工费"),
    ("五金制品", "五金工具制造、销售", "购买钢材、配件"),
    ("物流", "普通货物道路运输、仓储服务", "支付燃油费、路桥费等营运费用"),
)
# trade, main business, purpose, legal forms
_TRADES = (
    ("竹木制品", "竹凉席、竹地板加工", "购买毛竹及支付工人工资", ("厂", "有限公司")),
    ("五金", "五金配件加工", "购买钢材、铜材等原材料", ("加工厂", "有限公司")),
    ("印刷", "包装装潢印刷", "购买纸张、油墨", ("有限公司", "印刷厂")),
    ("食品", "糕点、豆制品加工", "购买面粉、大豆等原料", ("厂", "有限公司")),
    ("茶叶", "茶叶种植、加工及销售", "支付茶青收购款", ("专业合作社", "有限公司")),
    ("果蔬", "果蔬种植、收购及销售", "收购柑橘及支付冷库租金", ("专业合作社",)),
    ("农机", "农业机械销售、维修", "购进农机整机及配件", ("经营部", "有限公司")),
    ("建材", "建材批发零售", "购进瓷砖、卫浴等货物", ("经营部", "商行")),
    ("家具", "实木家具制造", "购买木材、油漆", ("厂", "有限公司")),
    ("餐饮管理", "餐饮服务", "门店装修及食材采购", ("有限公司",)),
    ("生态农业", "生猪养殖及有机肥生产", "购买仔猪、饲料", ("有限公司", "专业合作社")),
)
# occupation, business, purpose (individual production loans)
_OCCUPATIONS = (
    ("农户", "生猪养殖", "购买仔猪及饲料，扩大养殖规模"),
    ("农户", "柑橘种植", "购买化肥、农药及支付雇工工资"),
    ("农户", "茶叶种植", "茶园管护及支付采茶工资"),
    ("农户", "水产养殖", "购买鱼苗、饲料"),
    ("农户", "蔬菜大棚种植", "搭建大棚及购买种苗"),
    ("农户", "食用菌种植", "购买菌棒及建设菇棚"),
    ("个体工商户", "副食品批发", "经营周转，购进副食品货物"),
    ("个体工商户", "五金建材零售", "购进五金建材货物"),
    ("个体工商户", "汽车维修", "购买维修设备及配件"),
    ("个体工商户", "农资经营", "购进化肥、农药等农资"),
    ("个体工商户", "餐饮", "店面装修及购置厨房设备"),
    ("个体工商户", "服装零售", "购进春夏季服装货物"),
)
_JOBS = ("教师", "公务员", "企业职工", "医生", "个体经营者", "事业单位职工", "护士", "技术员")
_CONSUMER_PURPOSES = (
    "家庭住房装修",
    "购买家用汽车",
    "子女教育支出",
    "购置家具家电",
    "婚庆支出",
    "家庭医疗支出",
)
_ESTATES = ("滨江花园", "青禾名苑", "金穗华庭", "锦绣江南", "翠湖湾", "阳光新城", "桂园小区")
_TOWNS = ("青禾镇", "桥头镇", "长乐乡", "白沙镇", "城东街道", "城西街道", "南岭镇")
_VILLAGES = ("新民村", "建设村", "上塘村", "溪口村", "高桥村", "双溪村", "石门村", "前进社区")
_ROADS = ("兴业路", "振兴大道", "创业路", "工业大道", "科技路", "人民路", "解放路")
_GUARANTEE_FIRMS = ("云溪市信达融资担保有限公司", "青禾县农业信贷融资担保有限公司")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class Borrower:
    """A borrower and the facts the dossier's forms print about it."""

    borrower_id: str
    name: str
    kind: BorrowerType
    address: str
    phone: str
    legal_rep: str
    business: str
    purpose: str
    guarantor: str
    guarantor_id: str
    collateral: str


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def id_card(rng: random.Random, *, born_from: int = 1962, born_to: int = 1998) -> str:
    """An 18-digit resident ID number with a valid check digit (fictitious)."""
    county = rng.choice(("330521", "330522", REGION))
    born = f"{rng.randint(born_from, born_to)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{county}{born}{rng.randint(1, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def credit_code(rng: random.Random) -> str:
    """An 18-character unified social credit code (统一社会信用代码, fictitious) whose check
    character agrees (GB 32100), as the core system's files require; the last character is
    still drawn, so the draws after it stay as they were."""
    code = "91" + REGION + "".join(rng.choice(_CODE_ALPHABET) for _ in range(10))
    return code[:17] + uscc_check(code[:17])


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"


def _village_address(rng: random.Random) -> str:
    return f"{CITY}{COUNTY}{rng.choice(_TOWNS)}{rng.choice(_VILLAGES)}{rng.randint(1, 188)}号"


def _guarantor(rng: random.Random, corporate: bool) -> tuple[str, str]:
    if corporate and rng.random() < 0.35:
        return rng.choice(_GUARANTEE_FIRMS), credit_code(rng)
    return person_name(rng), id_card(rng, born_from=1960, born_to=1990)


def make_borrower(rng: random.Random, product: Product, taken: set[str]) -> Borrower:
    """A new borrower for ``product`` with an identity number not in ``taken`` (which it joins).

    Company names are unique too (as registration makes them); people may share a name, as
    they do, but only once the common ones run out in a large portfolio.
    """
    for attempt in range(1000):
        borrower = _draw(rng, product, long_names=attempt >= 20)
        person = borrower.kind is BorrowerType.INDIVIDUAL
        name_free = borrower.name not in taken or (person and attempt >= 20)
        if name_free and borrower.borrower_id not in taken:
            taken.update((borrower.name, borrower.borrower_id))
            return borrower
    raise RuntimeError("ran out of fictitious borrower names")  # pragma: no cover


def _brand(rng: random.Random, long_names: bool) -> str:
    first = rng.choice(_BRANDS)
    return first + rng.choice([b for b in _BRANDS if b != first]) if long_names else first


def _draw(rng: random.Random, product: Product, *, long_names: bool) -> Borrower:
    if product is Product.CORPORATE_WORKING_CAPITAL:
        industry, business, purpose = rng.choice(_INDUSTRIES)
        form = "股份有限公司" if rng.random() < 0.15 else "有限公司"
        place = rng.choice((CITY, CITY[:-1], COUNTY))
        name = f"{place}{_brand(rng, long_names)}{industry}{form}"
        return _company(rng, name, business, purpose)
    if product is Product.SMALL_BUSINESS:
        trade, business, purpose, forms = rng.choice(_TRADES)
        place = rng.choice((COUNTY, CITY))
        name = f"{place}{_brand(rng, long_names)}{trade}{rng.choice(forms)}"
        return _company(rng, name, business, purpose)
    name = person_name(rng)
    guarantor, guarantor_id = _guarantor(rng, corporate=False)
    if product is Product.INDIVIDUAL_PRODUCTION:
        occupation, business, purpose = rng.choice(_OCCUPATIONS)
        return Borrower(
            borrower_id=id_card(rng),
            name=name,
            kind=BorrowerType.INDIVIDUAL,
            address=_village_address(rng),
            phone=_phone(rng),
            legal_rep="",
            business=f"{occupation}（{business}）",
            purpose=purpose,
            guarantor=guarantor,
            guarantor_id=guarantor_id,
            collateral="农村住房及宅基地使用权",
        )
    estate = rng.choice(_ESTATES)
    flat = f"{estate}{rng.randint(1, 24)}幢{rng.randint(1, 4)}单元{rng.randint(2, 26)}0{rng.randint(1, 4)}室"
    if product is Product.MORTGAGE:
        purpose = f"购买首套自住住房（{CITY}{flat}）"
    else:
        purpose = rng.choice(_CONSUMER_PURPOSES)
    return Borrower(
        borrower_id=id_card(rng, born_from=1970, born_to=1998),
        name=name,
        kind=BorrowerType.INDIVIDUAL,
        address=f"{CITY}{COUNTY}{flat}",
        phone=_phone(rng),
        legal_rep="",
        business=rng.choice(_JOBS),
        purpose=purpose,
        guarantor=guarantor,
        guarantor_id=guarantor_id,
        collateral=f"{CITY}{flat}住宅房产及其占用范围内的国有建设用地使用权",
    )


def _company(rng: random.Random, name: str, business: str, purpose: str) -> Borrower:
    guarantor, guarantor_id = _guarantor(rng, corporate=True)
    road = rng.choice(_ROADS)
    return Borrower(
        borrower_id=credit_code(rng),
        name=name,
        kind=BorrowerType.CORPORATE,
        address=f"{CITY}{COUNTY}{rng.choice(_TOWNS)}工业园区{road}{rng.randint(1, 288)}号",
        phone=_phone(rng),
        legal_rep=person_name(rng),
        business=business,
        purpose=purpose,
        guarantor=guarantor,
        guarantor_id=guarantor_id,
        collateral="工业厂房及其占用范围内的国有建设用地使用权",
    )
