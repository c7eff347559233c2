"""医疗救助 (medical assistance claims) and 临时救助 (temporary one-off aid).

A claim is one visit: what it cost, what insurance and others paid, what the person paid out of
pocket, and what medical assistance reimbursed. An approved claim is paid by a one-off
entitlement of the `medical` scheme (kind reimbursement) in the payroll run of its visit month;
the ratio, deductible and annual cap are the scheme's standard for the person's region and that
month (data, see `benefits.Standard.params`). The diagnosis is health data: masked in lists.

A temporary aid grant is a one-off entitlement of the `temporary` scheme after an emergency,
limited by the standard's `max_amount`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.masking import display_name
from minzheng.core.models import TimeStampedModel

__all__ = ["ClaimStatus", "EmergencyType", "MedicalClaim", "TemporaryAid", "VisitType"]


class VisitType(models.TextChoices):
    OUTPATIENT = "outpatient", _("门诊")
    INPATIENT = "inpatient", _("住院")
    CHRONIC = "chronic", _("门诊特定病种（慢性病）")


class ClaimStatus(models.TextChoices):
    APPROVED = "approved", _("已核准")
    REFUSED = "refused", _("不予救助")


class EmergencyType(models.TextChoices):
    FIRE = "fire", _("火灾")
    ACCIDENT = "accident", _("意外事故")
    ILLNESS = "illness", _("突发重大疾病")
    OTHER = "other", _("其他")


class MedicalClaim(TimeStampedModel):
    """One visit's claim for medical assistance."""

    SCOPE_FIELD = "region"

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("就诊人"), on_delete=models.PROTECT, related_name="medical_claims"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    visit_date = models.DateField(_("就诊日期"))
    hospital = models.CharField(_("医院"), max_length=100)
    visit_type = models.CharField(_("就诊类别"), max_length=12, choices=VisitType.choices)
    diagnosis = models.CharField(_("诊断类别"), max_length=100, blank=True)
    total_cost = models.DecimalField(_("医疗总费用（元）"), max_digits=12, decimal_places=2)
    insurance_paid = models.DecimalField(_("医保支付（元）"), max_digits=12, decimal_places=2)
    other_paid = models.DecimalField(_("其他支付（元）"), max_digits=12, decimal_places=2, default=0)
    out_of_pocket = models.DecimalField(_("个人自付（元）"), max_digits=12, decimal_places=2)
    reimbursed = models.DecimalField(_("救助金额（元）"), max_digits=12, decimal_places=2, default=0)
    capped = models.BooleanField(_("受年度封顶限制"), default=False)
    cap_note = models.CharField(_("封顶说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ClaimStatus.choices)
    refusal_reason = models.CharField(_("不予救助理由"), max_length=200, blank=True)
    entitlement = models.OneToOneField(
        "benefits.Entitlement",
        verbose_name=_("发放资格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medical_claim",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-visit_date", "-id"]
        verbose_name = _("医疗救助报销")
        verbose_name_plural = _("医疗救助报销")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_cost__gte=0, insurance_paid__gte=0, other_paid__gte=0, out_of_pocket__gte=0
                ),
                name="medical_claim_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(reimbursed__gte=0) & Q(reimbursed__lte=F("out_of_pocket")),
                name="medical_claim_reimbursed_within_out_of_pocket",
            ),
            models.CheckConstraint(
                condition=Q(status="refused", entitlement__isnull=True, reimbursed=0)
                | Q(status="approved", entitlement__isnull=False),
                name="medical_claim_approved_has_entitlement",
            ),
            models.UniqueConstraint(
                fields=["person", "visit_date", "hospital", "visit_type", "total_cost"],
                condition=Q(status="approved"),
                name="medical_claim_not_twice",
            ),
        ]
        indexes = [
            models.Index(fields=["visit_date", "region"], name="medical_claim_visit_idx"),
            models.Index(fields=["region", "-visit_date"], name="medical_claim_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{display_name(self.person)} {self.visit_date:%Y-%m-%d} {self.hospital}"


class TemporaryAid(TimeStampedModel):
    """A one-off grant after an emergency (fire, accident, sudden illness …)."""

    SCOPE_FIELD = "region"

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("救助对象"), on_delete=models.PROTECT, related_name="temporary_aid"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="temporary_aid",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    emergency_type = models.CharField(_("急难类型"), max_length=10, choices=EmergencyType.choices)
    occurred_on = models.DateField(_("发生日期"))
    granted_on = models.DateField(_("审批日期"))
    amount = models.DecimalField(_("救助金额（元）"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("救助事由"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.OneToOneField(
        "benefits.Entitlement",
        verbose_name=_("发放资格"),
        on_delete=models.PROTECT,
        related_name="temporary_aid",
    )

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("临时救助")
        verbose_name_plural = _("临时救助")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="temporary_aid_amount_positive"),
            models.CheckConstraint(
                condition=Q(occurred_on__lte=F("granted_on")), name="temporary_aid_after_emergency"
            ),
        ]
        indexes = [models.Index(fields=["granted_on", "region"], name="temporary_aid_granted_idx")]

    def __str__(self) -> str:
        return f"{display_name(self.person)} {self.get_emergency_type_display()} {self.amount}"
