"""Fixtures shared by the social-assistance tests: the programs' schemes with 2018 standards.

Standards are test data (the demo loads its own): 低保 900 from 2018-01 with category
supplements, 特困 1.6 × 低保, the two disability subsidies, 孤儿/事实无人抚养 2263, 困境儿童,
medical assistance (ratio, deductible, annual cap), one-off grants.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from minzheng.assistance.programs import ensure_programs
from minzheng.benefits.services import set_standard
from minzheng.core.months import Month

DOC = "番民〔2018〕1号（测试）"


@pytest.fixture
def programs(cast):
    actor = cast.users.district
    schemes = ensure_programs(actor=actor)

    def standard(code, **values):
        set_standard(
            actor=actor,
            scheme=schemes[code],
            region=cast.district,
            valid_from=Month(2018, 1),
            document=DOC,
            **values,
        )

    standard(
        "dibao",
        amount=Decimal("900"),
        params={
            "supplements": [
                {"category": "elderly", "percent": "20"},
                {"category": "minor", "percent": "10"},
                {"category": "severely_disabled", "fixed": "150"},
            ]
        },
    )
    standard("tekun", multiple=Decimal("1.6"))
    standard("living_subsidy", amount=Decimal("150"))
    standard("nursing_subsidy", amount=Decimal("200"))
    standard("orphan", amount=Decimal("2263"))
    standard("unsupported_child", amount=Decimal("2263"))
    standard("children_subsidy", amount=Decimal("500"))
    standard("children_education", amount=Decimal("1000"))
    standard("temporary", amount=Decimal("0"))
    standard("disaster_relief", amount=Decimal("0"))
    standard("medical", params={"ratio": "0.7", "deductible": "0", "annual_cap": "350000"})
    return SimpleNamespace(**schemes)
