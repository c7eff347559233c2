"""Social assistance models: periodic re-reviews, exit notices and recoveries (RULES.md §2).

After approval a recipient is reviewed periodically: yearly for most, half-yearly for some (the
rule, `review_cycle_rules` in services/reviews.py, is documented there). A review ends with an
outcome: continue, adjust the amount (new assessed income), suspend, or exit. An exit is
announced by a written notice (终止救助通知书, `ExitNotice`); amounts obtained by fraud are
recovered (`Recovery`) through recovery lines in the next payroll run — paid lines are never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.masking import display_name
from minzheng.core.models import TimeStampedModel

__all__ = ["ExitNotice", "Recovery", "Review", "ReviewCycle", "ReviewOutcome", "ReviewStatus"]


class ReviewCycle(models.TextChoices):
    YEARLY = "yearly", _("每年复核")
    HALF_YEARLY = "half_yearly", _("每半年复核")


class ReviewStatus(models.TextChoices):
    DUE = "due", _("待复核")
    DONE = "done", _("已复核")
    CANCELLED = "cancelled", _("已取消")


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("继续享受")
    ADJUST = "adjust", _("调整救助金额")
    SUSPEND = "suspend", _("暂停发放")
    EXIT = "exit", _("终止救助（退出）")


class Review(TimeStampedModel):
    """One scheduled re-review of one entitlement of an assistance scheme."""

    SCOPE_FIELD = "region"

    entitlement = models.ForeignKey(
        "benefits.Entitlement", verbose_name=_("待遇资格"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("救助对象"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("应复核日期"))
    cycle = models.CharField(_("复核周期"), max_length=12, choices=ReviewCycle.choices)
    cycle_reason = models.CharField(_("周期依据"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DUE
    )
    outcome = models.CharField(_("复核结论"), max_length=10, choices=ReviewOutcome.choices, blank=True)
    findings = models.TextField(_("复核情况"), blank=True)
    assessed_income = models.DecimalField(
        _("复核核定家庭月收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    effective_month = models.DateField(_("结论生效月份"), null=True, blank=True)
    phase_out_months = models.PositiveSmallIntegerField(_("渐退期（月）"), default=0)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("定期复核")
        verbose_name_plural = _("定期复核")
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(status="due"),
                name="one_open_review_per_entitlement",
                violation_error_message=_("该待遇资格已有待复核的记录"),
            ),
            models.CheckConstraint(
                condition=(Q(status="done") & ~Q(outcome="")) | (~Q(status="done") & Q(outcome="")),
                name="review_outcome_when_done",
            ),
            models.CheckConstraint(condition=Q(phase_out_months__lte=6), name="review_phase_out_max_6"),
        ]
        indexes = [
            models.Index(fields=["region", "status", "due_on"], name="review_region_due_idx"),
            models.Index(fields=["status", "due_on"], name="review_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{display_name(self.person)} {self.due_on:%Y-%m-%d} {self.get_status_display()}"


class ExitNotice(TimeStampedModel):
    """The written notice of exit (终止救助通知书) given to a recipient; the DOCX is built from it."""

    SCOPE_FIELD = "region"

    number = models.CharField(_("通知书编号"), max_length=30, unique=True)
    entitlement = models.ForeignKey(
        "benefits.Entitlement", verbose_name=_("待遇资格"), on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(
        Review, verbose_name=_("复核记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("救助对象"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    program_name = models.CharField(_("救助项目"), max_length=100)
    reason = models.TextField(_("终止原因"))
    decided_on = models.DateField(_("决定日期"))
    last_regular_month = models.DateField(_("正常发放截止月份"))
    phase_out_months = models.PositiveSmallIntegerField(_("渐退期（月）"), default=0)
    last_payment_month = models.DateField(_("最后发放月份"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签发人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("终止救助通知书")
        verbose_name_plural = _("终止救助通知书")
        constraints = [
            models.CheckConstraint(condition=Q(phase_out_months__lte=6), name="exit_notice_phase_out_max_6"),
        ]
        indexes = [models.Index(fields=["region", "decided_on"], name="exit_notice_region_idx")]

    def __str__(self) -> str:
        return f"{self.number} {display_name(self.person)}"


class Recovery(TimeStampedModel):
    """Amounts paid for months an entitlement was not due, to be recovered: obtained by fraud
    (recorded by district staff), or paid for months after the recipient's death (recorded by the
    system when the death is registered late; `recorded_by` is empty then).

    `amount` is what was paid for those months (a sum over the paid lines, computed in SQL); the
    recovery itself is made by the recovery lines of the next payroll run.
    """

    class Cause(models.TextChoices):
        FRAUD = "fraud", _("以虚报、隐瞒等手段骗取")
        DEATH = "death", _("死亡后仍有发放")

    SCOPE_FIELD = "region"

    entitlement = models.ForeignKey(
        "benefits.Entitlement", verbose_name=_("待遇资格"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("救助对象"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    cause = models.CharField(_("追回原因类别"), max_length=10, choices=Cause.choices, default=Cause.FRAUD)
    reason = models.TextField(_("情况说明"))
    from_month = models.DateField(_("追回起始月份"))
    months = models.PositiveSmallIntegerField(_("涉及月数"), default=0)
    amount = models.DecimalField(_("应追回金额（元）"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("空：系统在登记死亡时自动生成"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("违规领取追回")
        verbose_name_plural = _("违规领取追回")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="recovery_amount_not_negative")
        ]
        indexes = [models.Index(fields=["region", "created_at"], name="recovery_region_idx")]

    def __str__(self) -> str:
        return f"{display_name(self.person)} {self.from_month:%Y-%m}起 {self.amount}"
