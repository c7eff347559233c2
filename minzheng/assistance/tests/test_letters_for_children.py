"""A letter about a child is written to the guardian and never spells out the child's name."""

import io
from datetime import date
from decimal import Decimal

from docx import Document

from minzheng.assistance.letters import letter_addressee, refusal_letter
from minzheng.assistance.services.applications import (
    accept_application,
    refuse_application,
    submit_application,
)
from minzheng.assistance.services.children import register_child_profile


def text_of(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_a_refusal_about_a_child_is_addressed_to_the_guardian(cast, programs):
    child = cast.hh_sq.memberships.get(relation="child").person  # 张小明, born 2010
    application = submit_application(
        actor=cast.users.village,
        program="orphan",
        person=child,
        applied_on=date(2018, 3, 1),
        reason="父母双亡",
        declared_income=Decimal("0"),
    )
    accept_application(application, actor=cast.users.town)
    refuse_application(application, actor=cast.users.town, reasons="父母健在，不符合孤儿认定条件")
    text = text_of(refusal_letter(application))
    assert "张**的监护人：" in text and "张小明" not in text and child.id_number[-4:] not in text
    assert "不符合孤儿认定条件" in text


def test_the_guardian_named_in_the_childs_file_is_the_addressee(cast, programs):
    child = cast.hh_sq.memberships.get(relation="child").person
    register_child_profile(
        actor=cast.users.town,
        person=child,
        category="orphan",
        guardian=cast.zhang,
        guardian_relation="grandparent",
    )
    assert letter_addressee(child, on=date(2018, 3, 1)) == "张三明（张**的监护人）："


def test_an_adult_is_addressed_by_name(cast, programs):
    assert letter_addressee(cast.zhang, on=date(2018, 3, 1)).startswith("张三明（身份证号码：")
