"""精准扶贫: the register of poor households (精准核查), their paired helpers (党员干部“一对一”帮扶),
the measures taken, the visits made, and the exit (脱贫) once verified.

A household is on the register from `registered_on` until `exited_on`. Withdrawing a mistaken
exit (`reopen_household`) puts the same record back on the register; a household that falls
back into poverty later is registered anew (a new record), so past periods keep their figures.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.masking import mask_phone
from minzheng.core.models import TimeStampedModel

__all__ = ["PairedHelper", "PoorHousehold", "PovertyCause", "PovertyMeasure", "PovertyStatus", "PovertyVisit"]


class PovertyStatus(models.TextChoices):
    REGISTERED = "registered", _("在册帮扶")
    EXITED = "exited", _("已脱贫")


class PovertyCause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    EDUCATION = "education", _("因学")
    DISASTER = "disaster", _("因灾")
    NO_LABOUR = "no_labour", _("缺劳动力")
    NO_SKILLS = "no_skills", _("缺技术")
    NO_FUNDS = "no_funds", _("缺资金")
    OTHER = "other", _("其他")


class PoorHousehold(TimeStampedModel):
    """One registration of a household on the poverty-alleviation register."""

    SCOPE_FIELD = "region"

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭户"),
        on_delete=models.PROTECT,
        related_name="poverty_records",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("所在村居"), on_delete=models.PROTECT, related_name="+"
    )
    registered_on = models.DateField(_("建档日期（精准核查）"))
    persons = models.PositiveSmallIntegerField(_("建档人口（人）"))
    cause = models.CharField(_("主要致贫原因"), max_length=20, choices=PovertyCause.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=PovertyStatus.choices, default=PovertyStatus.REGISTERED
    )
    exited_on = models.DateField(_("脱贫日期"), null=True, blank=True)
    exit_verification = models.TextField(_("脱贫核验情况"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建档人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["region", "registered_on", "id"]
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="registered"), name="one_open_poverty_record"
            ),
            models.CheckConstraint(
                condition=(Q(status="registered", exited_on__isnull=True))
                | (Q(status="exited", exited_on__isnull=False) & Q(exited_on__gte=F("registered_on"))),
                name="poverty_exit_dates",
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="poverty_persons_positive"),
        ]
        indexes = [
            models.Index(fields=["region", "registered_on"], name="poverty_region_idx"),
            models.Index(fields=["exited_on"], name="poverty_exited_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household}（{self.get_status_display()}）"


class PairedHelper(TimeStampedModel):
    """A helper paired with a household (党员干部“一对一”帮扶) for a period."""

    SCOPE_FIELD = "poor_household__region"

    poor_household = models.ForeignKey(
        PoorHousehold, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="helpers"
    )
    name = models.CharField(_("帮扶人"), max_length=50)
    unit = models.CharField(_("工作单位"), max_length=100)
    is_party_member = models.BooleanField(_("党员"), default=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    valid_from = models.DateField(_("结对日期"))
    valid_to = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        ordering = ["poor_household", "valid_from", "id"]
        verbose_name = _("结对帮扶人")
        verbose_name_plural = _("结对帮扶人")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="helper_valid_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class PovertyMeasure(TimeStampedModel):
    """A measure taken for a household (就业、产业、教育、健康、住房、兜底保障)."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("就业帮扶")
        INDUSTRY = "industry", _("产业帮扶")
        EDUCATION = "education", _("教育帮扶")
        HEALTH = "health", _("健康帮扶")
        HOUSING = "housing", _("住房保障")
        SOCIAL_SECURITY = "social_security", _("社会保障兜底")

    SCOPE_FIELD = "poor_household__region"

    poor_household = models.ForeignKey(
        PoorHousehold, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField(_("措施类别"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("措施内容"), max_length=200)
    taken_on = models.DateField(_("实施日期"))
    funds = models.DecimalField(_("投入资金（元）"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["poor_household", "taken_on", "id"]
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        constraints = [models.CheckConstraint(condition=Q(funds__gte=0), name="measure_funds_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description}"


class PovertyVisit(TimeStampedModel):
    """A visit to the household (入户走访) with the income per person found."""

    SCOPE_FIELD = "poor_household__region"

    poor_household = models.ForeignKey(
        PoorHousehold, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("走访日期"))
    helper = models.ForeignKey(
        PairedHelper,
        verbose_name=_("走访帮扶人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    notes = models.TextField(_("走访情况"))
    income_per_person = models.DecimalField(
        _("家庭人均年可支配收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["poor_household", "visited_on", "id"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} 走访"
