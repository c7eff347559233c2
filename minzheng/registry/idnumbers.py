"""Citizen ID numbers (GB 11643-1999): validation, normalisation and derived facts."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# GB/T 2260 provinces (incl. Taiwan, Hong Kong, Macao as used on residence permits).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)
FIELD = "身份证号码"


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: date
    sex: str  # "M" or "F"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _error(message: str) -> ValidationError:
    return ValidationError(f"{FIELD}{message}", code="invalid_id_number")


def normalise_id_number(raw: str) -> str:
    """Validate and return the canonical 18-character form; raise ValidationError otherwise."""
    value = (raw or "").strip().replace(" ", "").upper()
    if not value:
        raise _error("不能为空")
    if len(value) == 15:
        if not value.isdigit():
            raise _error("格式不正确：15位号码只能由数字组成")
        body = value[:6] + "19" + value[6:]
        value = body + check_char(body)
    if len(value) != 18:
        raise _error(f"长度应为18位，当前为{len(value)}位")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise _error("格式不正确：前17位应为数字，最后一位为数字或X")
    if value[:2] not in PROVINCES:
        raise _error(f"的省级行政区划代码“{value[:2]}”不存在")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _error(f"中的出生日期“{value[6:14]}”不是有效日期")
    if born > timezone.localdate() or born.year < 1870:
        raise _error(f"中的出生日期“{value[6:14]}”不合理")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise _error("校验位不正确，请核对号码")
    return value


def id_facts(number: str) -> IdFacts:
    value = normalise_id_number(number)
    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    return IdFacts(number=value, birth_date=born, sex="M" if int(value[16]) % 2 else "F")


def make_id_number(division: str, born: date, sequence: int) -> str:
    """Build a valid number (for demo and test data): sequence 0–999, odd for men."""
    body = f"{division}{born:%Y%m%d}{sequence:03d}"
    return body + check_char(body)
