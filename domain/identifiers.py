"""The check characters of Chinese identification numbers, so a mistyped number is refused.

- 公民身份号码 (GB 11643-1999): 17 digits (region, birth date ``YYYYMMDD``, sequence) and a
  check character computed modulo 11 (``X`` standing for 10).
- 统一社会信用代码 (GB 32100-2015): 18 characters of an alphabet of 31 (digits and capitals
  without I, O, S, V, Z), the last a check character computed modulo 31.
"""

from __future__ import annotations

import re
from datetime import date

_RESIDENT = re.compile(r"^\d{17}[\dX]$")
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check(first17: str) -> str:
    """The check character of a resident ID number's first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def is_resident_id(number: str) -> bool:
    """Whether ``number`` is a well-formed 18-character 公民身份号码 with a real birth date."""
    if not _RESIDENT.match(number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return resident_id_check(number[:17]) == number[17]


def uscc_check(first17: str) -> str:
    """The check character of a 统一社会信用代码's first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_uscc(code: str) -> bool:
    """Whether ``code`` is a well-formed 统一社会信用代码 whose check character agrees."""
    return bool(_USCC.match(code)) and uscc_check(code[:17]) == code[17]
