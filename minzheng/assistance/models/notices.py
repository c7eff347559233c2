"""Public notices (公示) of applications approved by the town, and objections to them (RULES.md §2, §5).

A notice is a **snapshot** of the only fields allowed in public: the masked name of the household
head, the number of persons covered, the monthly amount, the 村居 and the program. It never
refers the public page to the person or household records, so nothing else can leak.

A notice runs `NOTICE_DAYS` calendar days, `published_on` to `ends_on` both included. The public
page shows a notice only while it runs (selected by date, no job needed to take it down); the
daily `close_notices` command moves expired notices without a pending objection on to district
approval. An objection keeps the application in 公示; an upheld objection sends it back to
investigation, a dismissed one starts a fresh notice of the full length.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.models import TimeStampedModel

from ..programs import Program

__all__ = ["NOTICE_DAYS", "Notice", "NoticeObjection"]

#: Length of a notice in calendar days (not working days): the 2021 national 低保 measures and
#: Guangzhou's rules publish for 7 days. `ends_on = published_on + NOTICE_DAYS − 1` (inclusive).
NOTICE_DAYS = 7


class Notice(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("公示中")
        OBJECTED = "objected", _("有异议待处理")
        CLOSED = "closed", _("已结束")

    SCOPE_FIELD = "region"

    application = models.ForeignKey(
        "assistance.Application",
        verbose_name=_("救助申请"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("公示村居"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("公示月份"), help_text=_("公示开始日期所在月份（存为当月1日）"))
    published_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示截止日期"), help_text=_("含当日"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    close_reason = models.CharField(_("结束原因"), max_length=100, blank=True)
    # The public snapshot (RULES.md §5): nothing else about the household is ever published.
    program = models.CharField(_("救助项目"), max_length=32, choices=Program.choices)
    program_name = models.CharField(_("项目名称"), max_length=50)
    village_name = models.CharField(_("村（居）名称"), max_length=50)
    head_name = models.CharField(
        _("户主姓名（部分隐去）"), max_length=50, help_text=_("如 张*明；儿童项目只显示“儿童”")
    )
    members = models.PositiveSmallIntegerField(_("保障人数"))
    monthly_amount = models.DecimalField(_("月救助金额（元）"), max_digits=12, decimal_places=2)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-published_on", "region", "id"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["open", "objected"]),
                name="one_running_notice_per_application",
                violation_error_message=_("该申请已有正在进行的公示"),
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("published_on")), name="notice_dates"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="notice_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["region", "month", "ends_on"], name="notice_public_idx"),
            models.Index(fields=["status", "ends_on"], name="notice_status_ends_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.village_name} {self.program_name} {self.head_name}（{self.published_on:%Y-%m-%d}）"

    @property
    def is_running(self) -> bool:
        """Still in force (open or with a pending objection), whatever the date."""
        return self.status != self.Status.CLOSED


class NoticeObjection(TimeStampedModel):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    SCOPE_FIELD = "notice__region"

    notice = models.ForeignKey(
        Notice, verbose_name=_("公示"), on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("收到日期"))
    objector = models.CharField(_("异议人"), max_length=100, blank=True, help_text=_("可匿名"))
    content = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField(_("核实期限"), null=True, blank=True)
    outcome = models.CharField(
        _("处理结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    opinion = models.TextField(_("核实意见"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["notice", "received_on", "id"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        indexes = [models.Index(fields=["notice", "outcome"], name="objection_notice_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.notice} 异议（{self.received_on:%Y-%m-%d}，{self.get_outcome_display()}）"
