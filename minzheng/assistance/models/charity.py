"""慈善: fund-raising campaigns (广东扶贫济困日 …), the donations they receive, and charity titles
(慈善街道、慈善社区、慈善广场（公园）…) awarded to places and organisations.

A donation is received by a 镇街 or 村居 (its `region`, which decides who sees it) within the
dates of its campaign; each has a receipt number that is unique across the system.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.models import TimeStampedModel

__all__ = ["CharityCampaign", "CharityTitle", "Donation"]


class CharityCampaign(TimeStampedModel):
    """A fund-raising campaign, organised by a region (usually the district).

    `kind` tells the yearly 广东扶贫济困日 campaign (the published figure counts its donations
    only, FIGURES.md) from any other campaign.
    """

    class Kind(models.TextChoices):
        POVERTY_RELIEF_DAY = "poverty_relief_day", _("广东扶贫济困日")
        OTHER = "other", _("其他")

    SCOPE_FIELD = "region"

    name = models.CharField(_("活动名称"), max_length=100, unique=True)
    kind = models.CharField(
        _("活动类别"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text=_("“广东扶贫济困日”活动的捐款计入扶贫济困日募捐统计"),
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("主办区域"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    target = models.DecimalField(_("募捐目标（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("活动说明"), blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("慈善募捐活动")
        verbose_name_plural = _("慈善募捐活动")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates"),
            models.CheckConstraint(
                condition=Q(target__isnull=True) | Q(target__gt=0), name="campaign_target"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Donation(TimeStampedModel):
    """One donation received in a campaign, with its receipt (捐赠票据)."""

    class DonorType(models.TextChoices):
        PERSON = "person", _("个人")
        COMPANY = "company", _("企业")
        ORGANISATION = "organisation", _("机关团体及社会组织")

    SCOPE_FIELD = "region"

    campaign = models.ForeignKey(
        CharityCampaign, verbose_name=_("募捐活动"), on_delete=models.PROTECT, related_name="donations"
    )
    donor_name = models.CharField(_("捐赠人"), max_length=100, blank=True)
    anonymous = models.BooleanField(_("匿名捐赠"), default=False)
    donor_type = models.CharField(_("捐赠人类别"), max_length=20, choices=DonorType.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    received_on = models.DateField(_("到账日期"))
    receipt_number = models.CharField(_("票据号"), max_length=40)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("接收镇街/村居"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["campaign", "received_on", "id"]
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        constraints = [
            models.UniqueConstraint(fields=["receipt_number"], name="donation_receipt_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=Q(anonymous=True) | ~Q(donor_name=""), name="donation_donor_named"
            ),
        ]
        indexes = [
            models.Index(fields=["received_on"], name="donation_received_idx"),
            models.Index(fields=["campaign", "region"], name="donation_campaign_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.display_donor} {self.amount} 元"

    @property
    def display_donor(self) -> str:
        return str(_("匿名")) if self.anonymous else self.donor_name


class CharityTitle(TimeStampedModel):
    """A charity title (慈善街道、慈善社区、慈善广场（公园）…) awarded for a year."""

    class Kind(models.TextChoices):
        STREET = "street", _("慈善街道（镇）")
        COMMUNITY = "community", _("慈善社区（村）")
        SQUARE = "square", _("慈善广场（公园）")
        ORGANISATION = "organisation", _("慈善单位")
        OTHER = "other", _("其他慈善标志")

    SCOPE_FIELD = "region"

    kind = models.CharField(_("标志类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("称号"), max_length=100)
    awarded_to = models.CharField(_("授予对象"), max_length=100)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("所在镇街/村居"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    awarded_by = models.CharField(_("授予单位"), max_length=100, blank=True)

    class Meta:
        ordering = ["-year", "kind", "id"]
        verbose_name = _("慈善称号")
        verbose_name_plural = _("慈善称号")
        constraints = [
            models.UniqueConstraint(fields=["title", "awarded_to", "year"], name="charity_title_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.title}：{self.awarded_to}"
