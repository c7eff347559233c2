"""The written notice of exit (终止救助通知书) as a Word document, built from an `ExitNotice`.

Content: number, recipient (name, masked ID number, address), program, reason, the last regular
month and any phase-out months, the last payment month, the recipient's appeal rights
(administrative reconsideration within 60 days, an administrative lawsuit within 6 months), the
issuing office and date. Chinese text in 宋体 (body) and 黑体 (title) through the East Asian slot.
"""

from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from minzheng.core.months import Month

from ..letters import letter_addressee
from ..models import ExitNotice

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
TITLE = "终止救助通知书"
APPEAL_RIGHTS = (
    "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
)
ISSUER = "广州市番禺区民政局"


def _font(style, name: str, size: int) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _month(day) -> str:
    return f"{day.year}年{day.month}月"


def notice_paragraphs(notice: ExitNotice) -> list[str]:
    """The body of the notice, one string per paragraph (the DOCX and the page show the same)."""
    person = notice.person
    household = notice.entitlement.household
    address = f"（住址：{household.address}）" if household and household.address else ""
    body = [
        letter_addressee(person, on=notice.created_at.date() if notice.created_at else None, suffix=address),
        f"经复核，你（户）享受的{notice.program_name}，因{notice.reason.rstrip('。')}，"
        f"不再符合救助条件，根据《社会救助暂行办法》及有关规定，决定自"
        f"{_month((Month.of(notice.last_payment_month) + 1).first_day)}起终止救助。",
    ]
    if notice.phase_out_months:
        body.append(
            f"鉴于家庭成员已就业，给予{notice.phase_out_months}个月渐退期：救助金正常发放至"
            f"{_month(notice.last_regular_month)}，渐退期内按原标准继续发放，"
            f"最后一次发放月份为{_month(notice.last_payment_month)}。"
        )
    else:
        body.append(f"最后一次发放月份为{_month(notice.last_payment_month)}。")
    body.append(APPEAL_RIGHTS)
    body.append("特此通知。")
    return body


def build_exit_notice_docx(notice: ExitNotice) -> bytes:
    document = Document()
    _font(document.styles["Normal"], BODY_FONT, 14)
    _font(document.styles["Title"], TITLE_FONT, 22)
    properties = document.core_properties
    properties.title = f"{TITLE} {notice.number}"
    properties.author = ISSUER
    title = document.add_heading(TITLE, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number = document.add_paragraph(notice.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for index, text in enumerate(notice_paragraphs(notice)):
        paragraph = document.add_paragraph(text)
        if index:
            paragraph.paragraph_format.first_line_indent = Pt(28)
    document.add_paragraph("")
    for text in (ISSUER, f"{notice.decided_on.year}年{notice.decided_on.month}月{notice.decided_on.day}日"):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
