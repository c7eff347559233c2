from decimal import Decimal
from types import SimpleNamespace

import pytest

from minzheng.benefits.models import Scheme
from minzheng.benefits.services import create_scheme, set_bank_account, set_standard
from minzheng.core.months import Month


@pytest.fixture
def schemes(cast):
    """低保 (top-up with supplements), a disability subsidy (fixed), longevity (age bands),
    特困 (1.6 × 低保, excludes 低保), medical assistance (reimbursement)."""
    actor = cast.users.district
    dibao = create_scheme(
        actor=actor, code="dibao", name="最低生活保障", kind=Scheme.Kind.TOP_UP, unit=Scheme.Unit.HOUSEHOLD
    )
    set_standard(
        actor=actor,
        scheme=dibao,
        region=cast.district,
        valid_from=Month(2018, 1),
        amount=Decimal("900"),
        document="番民〔2017〕88号",
        params={
            "supplements": [
                {"category": "elderly", "percent": "20"},
                {"category": "minor", "percent": "10"},
                {"category": "severely_disabled", "fixed": "150"},
            ]
        },
    )
    nursing = create_scheme(actor=actor, code="nursing", name="重度残疾人护理补贴", kind=Scheme.Kind.FIXED)
    set_standard(
        actor=actor,
        scheme=nursing,
        region=cast.district,
        valid_from=Month(2018, 1),
        amount=Decimal("200"),
        document="穗民〔2016〕1号",
    )
    longevity = create_scheme(actor=actor, code="longevity", name="长寿保健金", kind=Scheme.Kind.AGE_BAND)
    set_standard(
        actor=actor,
        scheme=longevity,
        region=cast.district,
        valid_from=Month(2018, 1),
        document="穗民〔2015〕7号",
        params={
            "bands": [
                {"min": 70, "max": 79, "amount": "30"},
                {"min": 80, "max": 89, "amount": "100"},
                {"min": 90, "amount": "200"},
            ]
        },
    )
    tekun = create_scheme(
        actor=actor,
        code="tekun",
        name="特困人员供养",
        kind=Scheme.Kind.MULTIPLE,
        base_scheme=dibao,
        excludes=[dibao],
    )
    set_standard(
        actor=actor,
        scheme=tekun,
        region=cast.district,
        valid_from=Month(2018, 1),
        multiple=Decimal("1.6"),
        document="穗民〔2018〕3号",
    )
    medical = create_scheme(actor=actor, code="medical", name="医疗救助", kind=Scheme.Kind.REIMBURSEMENT)
    set_standard(
        actor=actor,
        scheme=medical,
        region=cast.district,
        valid_from=Month(2018, 1),
        document="番民〔2018〕9号",
        params={"ratio": "0.7", "deductible": "500", "annual_cap": "10000"},
    )
    for person in (cast.zhang, cast.zhao):
        set_bank_account(
            actor=actor,
            person=person,
            bank_name="农商银行",
            account_name=person.name,
            account_number="6222021234567890" + str(person.pk % 100).zfill(3),
        )
    return SimpleNamespace(dibao=dibao, nursing=nursing, longevity=longevity, tekun=tekun, medical=medical)
