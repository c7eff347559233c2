"""Written decisions on applications as Word documents (python-docx).

- `refusal_letter(application)`: 不予批准通知书 — applicant, program, application number and
  date, the reasons as written by the deciding office, the right to apply for administrative
  review or bring a suit, and the issuing office and date.
- `approval_notice(application)`: 批准通知书 — program, the month payment starts, the monthly
  amount and how it was worked out (the entitlement's trace).

ID numbers appear masked: the letter goes to the applicant, who knows their own number, and
copies are kept in files that other people handle.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from minzheng.benefits.calculations import describe
from minzheng.core.masking import display_name, is_minor
from minzheng.registry.models import Region

from .models import Application, ApplicationStatus

BODY_FONT = "仿宋"
TITLE_FONT = "黑体"


def _font(style, name: str, size: int, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def issuing_office(application: Application) -> str:
    """The district civil affairs bureau responsible for the application's region."""
    first = application.region.path.strip("/").split("/")[0]
    district = Region.objects.filter(pk=int(first)).only("name").first() if first.isdigit() else None
    return f"{district.name if district else ''}民政局"


def _document(title: str, number: str):
    document = Document()
    _font(document.styles["Normal"], BODY_FONT, 14)
    _font(document.styles["Title"], TITLE_FONT, 20, bold=True)
    document.core_properties.title = title
    document.core_properties.author = "民政综合业务平台"
    heading = document.add_paragraph(title, style="Title")
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    ref = document.add_paragraph(f"编号：{number}")
    ref.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return document


def _body(document, text: str):
    paragraph = document.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(28)
    return paragraph


def _signature(document, office: str, day) -> None:
    for text in (office, f"{day.year}年{day.month}月{day.day}日"):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _addressee(application: Application) -> str:
    return letter_addressee(application.person, on=application.decided_on or application.applied_on)


PENDING_GUARDIAN = "待补录"  # what ensure_child_profile records when the guardian is not known yet


def letter_addressee(person, *, on, suffix: str = "") -> str:
    """The salutation of a letter: the person, or for a child the guardian — a letter about a
    child does not write the child's name out (RULES.md §5: all data on children is sensitive)."""
    if not is_minor(person, on=on):
        return f"{person.name}（身份证号码：{person.masked_id_number}）{suffix}："
    from .models import ChildProfile

    profile = ChildProfile.objects.filter(person=person).select_related("guardian").first()
    guardian = profile.guardian_display if profile else ""
    child = display_name(person)
    if guardian and guardian != PENDING_GUARDIAN:
        return f"{guardian}（{child}的监护人）{suffix}："
    return f"{child}的监护人{suffix}："


def refusal_letter(application: Application) -> bytes:
    if application.status != ApplicationStatus.REFUSED:
        raise ValidationError({"status": ["只有不予批准的申请才能出具不予批准通知书"]})
    program = application.get_program_display()
    office = issuing_office(application)
    document = _document("不予批准通知书", application.number)
    document.add_paragraph(_addressee(application))
    _body(
        document,
        f"你于{application.applied_on.year}年{application.applied_on.month}月{application.applied_on.day}日"
        f"提出的{program}申请（申请编号：{application.number}），经审核，决定不予批准。理由如下：",
    )
    for line in [part.strip() for part in application.decision_reason.splitlines() if part.strip()]:
        _body(document, line)
    _body(
        document,
        "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
        "或者在六个月内依法向人民法院提起行政诉讼。",
    )
    _signature(document, office, application.decided_on or application.status_changed_at.date())
    return _save(document)


def approval_notice(application: Application) -> bytes:
    if application.status != ApplicationStatus.APPROVED or application.entitlement is None:
        raise ValidationError({"status": ["只有已批准的申请才能出具批准通知书"]})
    entitlement = application.entitlement
    program = application.get_program_display()
    document = _document("批准通知书", application.number)
    document.add_paragraph(_addressee(application))
    start = entitlement.start_month
    first = entitlement.periods.order_by("from_month").first()
    amount = first.amount if first is not None else entitlement.monthly_amount
    trace = first.trace if first is not None else entitlement.trace
    _body(
        document,
        f"你于{application.applied_on.year}年{application.applied_on.month}月{application.applied_on.day}日"
        f"提出的{program}申请（申请编号：{application.number}），经审核，决定予以批准。"
        f"自{start.year}年{start.month}月起每月发放{amount}元。",
    )
    explanation = describe(trace)
    if explanation:
        _body(document, f"计算依据：{explanation}")
    _body(document, "享受期间家庭人口、收入、财产状况发生变化的，请及时告知所在村（居）委会或镇（街）。")
    _signature(document, issuing_office(application), application.decided_on or start)
    return _save(document)
