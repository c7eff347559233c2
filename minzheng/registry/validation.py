"""Field validation for the register, with Chinese messages that name the field."""

import re

from django.core.exceptions import ValidationError
from pypinyin import Style, lazy_pinyin

from .models import Person

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•\s]{1,50}$")


def clean_name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({"name": "姓名不能为空"})
    if not NAME.match(value):
        raise ValidationError({"name": f"姓名“{value[:20]}”含有不允许的字符"})
    return value


def clean_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not (MOBILE.match(value) or LANDLINE.match(value)):
        raise ValidationError(
            {"phone": f"联系电话“{value[:20]}”格式不正确（应为11位手机号或带区号的固定电话）"}
        )
    return value


def clean_disability(category: str, grade, cert_no: str) -> tuple[str, int | None, str]:
    category = category or ""
    if category and category not in Person.Disability.values:
        raise ValidationError({"disability_category": f"残疾类别“{category}”不存在"})
    if grade in ("", None):
        grade = None
    else:
        try:
            grade = int(grade)
        except (TypeError, ValueError):
            raise ValidationError({"disability_grade": "残疾等级应为1至4级"})
        if not 1 <= grade <= 4:
            raise ValidationError({"disability_grade": "残疾等级应为1至4级"})
    if grade and not category:
        raise ValidationError({"disability_category": "填写残疾等级时必须填写残疾类别"})
    if category and not grade:
        raise ValidationError({"disability_grade": "填写残疾类别时必须填写残疾等级"})
    return category, grade, (cert_no or "").strip()


def clean_marital_status(value: str) -> str:
    value = value or Person.MaritalStatus.UNKNOWN
    if value not in Person.MaritalStatus.values:
        raise ValidationError({"marital_status": f"婚姻状况“{value}”不存在"})
    return value


def name_initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[:50]
