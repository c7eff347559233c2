"""Applications for social assistance and the procedure they follow (RULES.md §2).

申请 → 受理 (missing items listed once: 待补齐) → 入户调查与核对 → 镇街审核 → 公示 7 days →
区级审批 (10 working days) → 批准 (entitlement from the next month) or 不予批准 (written reasons).
An applicant who declares a relative working in civil affairs is investigated by the district.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Role
from minzheng.core.masking import display_name
from minzheng.core.models import TimeStampedModel
from minzheng.workflow.engine import Workflow
from minzheng.workflow.models import WorkflowCase

from ..programs import Program

__all__ = [
    "APPLICATION_WORKFLOW",
    "OPEN_STATUSES",
    "Application",
    "ApplicationDocument",
    "ApplicationNumberSequence",
    "ApplicationStatus",
]


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    INCOMPLETE = "incomplete", _("待补齐材料")
    ACCEPTED = "accepted", _("已受理，入户调查中")
    INVESTIGATED = "investigated", _("调查核对完成，待镇街审核")
    NOTICE = "notice", _("公示中")
    DISTRICT_REVIEW = "district_review", _("待区级审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


S = ApplicationStatus
_TOWN = {Role.TOWN, Role.DISTRICT}
_INVESTIGATORS = {Role.VILLAGE, Role.TOWN, Role.DISTRICT}
_APPLICANT_SIDE = {Role.VILLAGE, Role.TOWN, Role.DISTRICT}
_SYSTEM_ONLY: frozenset[str] = frozenset()  # a move no user may make: `transition(..., system=True)`

OPEN_STATUSES = (S.APPLIED, S.INCOMPLETE, S.ACCEPTED, S.INVESTIGATED, S.NOTICE, S.DISTRICT_REVIEW)

APPLICATION_WORKFLOW = Workflow(
    statuses=ApplicationStatus,
    initial=S.APPLIED,
    starters=_APPLICANT_SIDE,
    transitions={
        S.APPLIED: {S.ACCEPTED: _TOWN, S.INCOMPLETE: _TOWN, S.REFUSED: _TOWN, S.WITHDRAWN: _APPLICANT_SIDE},
        S.INCOMPLETE: {S.ACCEPTED: _TOWN, S.REFUSED: _TOWN, S.WITHDRAWN: _APPLICANT_SIDE},
        S.ACCEPTED: {S.INVESTIGATED: _INVESTIGATORS, S.REFUSED: _TOWN, S.WITHDRAWN: _APPLICANT_SIDE},
        S.INVESTIGATED: {S.NOTICE: _TOWN, S.ACCEPTED: _TOWN, S.REFUSED: _TOWN, S.WITHDRAWN: _APPLICANT_SIDE},
        # Only the system ends a notice (services.notices.close_expired_notices, after the full
        # period without a pending objection): no role may skip the notice period. Back to
        # investigation only through an upheld objection (services.notices.decide_objection).
        S.NOTICE: {S.DISTRICT_REVIEW: _SYSTEM_ONLY, S.ACCEPTED: _TOWN},
        S.DISTRICT_REVIEW: {
            S.APPROVED: {Role.DISTRICT},
            S.REFUSED: {Role.DISTRICT},
            S.ACCEPTED: {Role.DISTRICT},
        },
    },
    deadlines={
        S.APPLIED: 5,  # 受理 (or list the missing items once)
        S.ACCEPTED: 10,  # 入户调查与核对
        S.INVESTIGATED: 5,  # 镇街审核
        S.NOTICE: 7,  # the notice itself runs 7 calendar days (Notice.ends_on); this bounds the step
        S.DISTRICT_REVIEW: 10,  # 区级审批 within 10 working days
    },
    requires_opinion={S.INCOMPLETE, S.REFUSED, S.WITHDRAWN},
)


class Application(TimeStampedModel, WorkflowCase):
    """One application of one person (and household, for 低保) for one program."""

    SCOPE_FIELD = "region"
    WORKFLOW = APPLICATION_WORKFLOW

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    program = models.CharField(_("救助项目"), max_length=32, choices=Program.choices)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="assistance_applications",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assistance_applications",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    applied_on = models.DateField(_("申请日期"))
    reason = models.TextField(_("申请理由"), blank=True)
    declared_income = models.DecimalField(
        _("申报家庭月收入（元）"), max_digits=12, decimal_places=2, default=0
    )
    relative_in_civil_affairs = models.BooleanField(
        _("有近亲属在民政部门或村居工作"),
        default=False,
        help_text=_("如实申报；有此情况的由区级入户调查"),
    )
    relative_note = models.CharField(_("近亲属备案说明"), max_length=200, blank=True)
    missing_items = models.TextField(_("需补齐的材料"), blank=True)
    assessed_income = models.DecimalField(
        _("调查核定家庭月收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    investigation = models.TextField(_("入户调查与核对结果"), blank=True)
    investigated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start_month = models.DateField(_("拟发放起始月份"), null=True, blank=True)
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见或不予批准理由"), blank=True)
    entitlement = models.ForeignKey(
        "benefits.Entitlement",
        verbose_name=_("待遇资格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "program"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="one_open_application_per_person_program",
                violation_error_message=_("该申请人已有同一项目正在办理的申请"),
            ),
            # 低保 is applied for by the household: one open application per household, whichever
            # member applies
            models.UniqueConstraint(
                fields=["household", "program"],
                condition=Q(
                    status__in=[s.value for s in OPEN_STATUSES],
                    program=Program.DIBAO.value,
                    household__isnull=False,
                ),
                name="one_open_application_per_household_program",
                violation_error_message=_("该家庭户已有同一项目正在办理的申请"),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="application_region_status_idx"),
            models.Index(fields=["program", "status"], name="application_program_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_program_display()} {display_name(self.person)}"

    def get_status_display(self) -> str:
        return APPLICATION_WORKFLOW.label(self.status)


class ApplicationNumberSequence(models.Model):
    """The last number given per program prefix and year (`DB-2018-000123`).

    Numbers are drawn with one `UPDATE … SET last = last + n` inside the caller's transaction:
    the row lock serialises concurrent intakes, so two applications never get the same number.
    """

    prefix = models.CharField(_("编号前缀"), max_length=8)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        ordering = ["prefix", "year"]
        verbose_name = _("申请编号序列")
        verbose_name_plural = _("申请编号序列")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="application_number_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class ApplicationDocument(TimeStampedModel):
    """A document kept with an application: the signed authorisation, certificates, photos."""

    class Kind(models.TextChoices):
        AUTHORISATION = "authorisation", _("核对授权书（签字）")
        ID = "id", _("身份证件")
        HOUSEHOLD_BOOK = "household_book", _("户口簿")
        INCOME = "income", _("收入证明")
        DISABILITY = "disability", _("残疾证")
        MEDICAL = "medical", _("病历或诊断证明")
        DEATH_OR_CUSTODY = "custody", _("父母死亡或失踪证明")
        INVESTIGATION = "investigation", _("入户调查表")
        OTHER = "other", _("其他")

    SCOPE_FIELD = "application__region"

    application = models.ForeignKey(
        Application, verbose_name=_("救助申请"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("材料类型"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="assistance/applications/%Y/%m/")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["application", "created_at", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_kind_display()}"
