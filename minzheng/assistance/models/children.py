"""Children's welfare (儿童福利): profiles of children in the programs, one-off education grants,
follow-up tasks (成年孤儿安置) and the 留守儿童 register with its care visits.

- The allowances themselves (孤儿基本生活费, 事实无人抚养儿童基本生活补贴, 困境儿童生活补贴) are
  entitlements of the benefits engine; a `ChildProfile` holds what is specific to the child
  (category, guardian, school).
- An orphan or unsupported child's allowance ends after the month of the 18th birthday
  (`ADULT_AGE`), and a `FollowUpTask` (成年孤儿安置) is opened for the town.
- A 留守儿童 is a child under `LEFT_BEHIND_AGE_LIMIT` whose parents both work away (or one works
  away and the other cannot look after the child). Dynamic management: each care visit records a
  risk level, and the next visit is due `VISIT_INTERVAL_MONTHS[risk]` months later.

Children's data is sensitive (RULES.md §5): names and ID numbers are masked in every list and in
`__str__` (which the audit trail and the task inbox show); the full values are one audited reveal
away for roles with `pii.reveal` (registered in `core.reveal.REVEALABLE` below).
"""

from calendar import monthrange
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.core.masking import mask_id_number
from minzheng.core.models import TimeStampedModel
from minzheng.core.reveal import REVEALABLE

__all__ = [
    "ADULT_AGE",
    "LEFT_BEHIND_AGE_LIMIT",
    "VISIT_INTERVAL_MONTHS",
    "CareVisit",
    "ChildCategory",
    "ChildProfile",
    "EducationGrant",
    "FollowUpTask",
    "GuardianRelation",
    "LeftBehindChild",
    "RiskLevel",
    "add_months",
    "mask_child_name",
    "next_visit_due",
]

#: Age at which the orphan / unsupported-child allowance ends (after the birthday month).
ADULT_AGE = 18
#: A 留守儿童 is "不满十六周岁" (国发〔2016〕13号): the record closes at the 16th birthday.
LEFT_BEHIND_AGE_LIMIT = 16


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


#: Dynamic management (关爱保护动态管理): months between two care visits, by risk level.
#: High-risk children are visited monthly, medium quarterly, low half-yearly.
VISIT_INTERVAL_MONTHS: dict[str, int] = {RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 3, RiskLevel.LOW: 6}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def next_visit_due(last: date, risk_level: str) -> date:
    return add_months(last, VISIT_INTERVAL_MONTHS[risk_level])


def mask_child_name(name: str | None) -> str:
    """张** : a child's name keeps only the surname in lists (RULES.md §5)."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


class ChildCategory(models.TextChoices):
    ORPHAN = "orphan", _("孤儿")
    UNSUPPORTED = "unsupported", _("事实无人抚养儿童")
    IN_DIFFICULTY = "in_difficulty", _("困境儿童")
    LEFT_BEHIND = "left_behind", _("留守儿童")


class GuardianRelation(models.TextChoices):
    GRANDPARENT = "grandparent", _("祖父母、外祖父母")
    PARENT = "parent", _("父母")
    SIBLING = "sibling", _("兄、姐")
    RELATIVE = "relative", _("其他亲属")
    INSTITUTION = "institution", _("儿童福利机构")
    COMMITTEE = "committee", _("村（居）民委员会、民政部门")
    OTHER = "other", _("其他")


class _ChildValues:
    """The child's name and ID number, full (for the audited reveal, `core.reveal`) and masked."""

    @property
    def child_name(self) -> str:
        return self.person.name

    @property
    def child_id_number(self) -> str:
        return self.person.id_number

    @property
    def masked_name(self) -> str:
        return mask_child_name(self.person.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.person.id_number)


class ChildProfile(_ChildValues, TimeStampedModel):
    """What the children's programs know about a child besides the register: one per child."""

    SCOPE_FIELD = "region"

    person = models.OneToOneField(
        "registry.Person", verbose_name=_("儿童"), on_delete=models.PROTECT, related_name="child_profile"
    )
    category = models.CharField(_("儿童类别"), max_length=16, choices=ChildCategory.choices)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("户籍村居"), on_delete=models.PROTECT, related_name="+"
    )
    guardian = models.ForeignKey(
        "registry.Person",
        verbose_name=_("监护人（已登记人员）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    guardian_name = models.CharField(
        _("监护人或监护机构"), max_length=100, blank=True, help_text=_("监护人未登记或为机构时填写")
    )
    guardian_relation = models.CharField(
        _("监护关系"), max_length=16, choices=GuardianRelation.choices, blank=True
    )
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["region", "id"]
        verbose_name = _("儿童档案")
        verbose_name_plural = _("儿童档案")
        indexes = [models.Index(fields=["region", "category"], name="childprofile_region_cat_idx")]

    def __str__(self) -> str:
        return f"{mask_child_name(self.person.name)}（{self.get_category_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("assistance:child-detail", args=[self.pk])

    @property
    def guardian_display(self) -> str:
        return self.guardian.name if self.guardian_id else self.guardian_name


class EducationGrant(TimeStampedModel):
    """A 困境儿童 one-off education grant (一次性助学补贴): at most one per child and school year."""

    SCOPE_FIELD = "region"

    child = models.ForeignKey(
        ChildProfile, verbose_name=_("儿童"), on_delete=models.PROTECT, related_name="education_grants"
    )
    school_year = models.PositiveSmallIntegerField(
        _("学年"), help_text=_("学年起始年份，如 2018 表示 2018—2019 学年")
    )
    amount = models.DecimalField(_("补贴金额（元）"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("发放理由"), max_length=200)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("户籍村居"), on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.OneToOneField(
        "benefits.Entitlement", verbose_name=_("待遇资格"), on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核定人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-school_year", "region", "id"]
        verbose_name = _("一次性助学补贴")
        verbose_name_plural = _("一次性助学补贴")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "school_year"],
                name="one_education_grant_per_child_year",
                violation_error_message=_("该儿童本学年已发放一次性助学补贴"),
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="education_grant_amount_positive"),
        ]
        indexes = [models.Index(fields=["region", "school_year"], name="edugrant_region_year_idx")]

    def __str__(self) -> str:
        return f"{self.child} {self.school_year}学年助学补贴 {self.amount}元"

    @property
    def school_year_label(self) -> str:
        return f"{self.school_year}—{self.school_year + 1}学年"


class FollowUpTask(TimeStampedModel):
    """Work the town must do about a person after an event (成年孤儿安置 after the 18th birthday).

    The lead's generic task inbox lists open tasks by `region`, `due_on`, `status` and `title`.
    """

    class Kind(models.TextChoices):
        ADULT_ORPHAN = "adult_orphan", _("成年孤儿安置")

    class Status(models.TextChoices):
        OPEN = "open", _("待办理")
        DONE = "done", _("已办结")

    SCOPE_FIELD = "region"

    kind = models.CharField(_("事项"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("对象"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责镇街"), on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.ForeignKey(
        "benefits.Entitlement",
        verbose_name=_("终止的待遇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("办理期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("办理结果"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("跟进事项")
        verbose_name_plural = _("跟进事项")
        constraints = [
            models.UniqueConstraint(fields=["kind", "person"], name="one_follow_up_per_person_kind"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(done_at__isnull=False), name="follow_up_done_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="followup_status_due_idx"),
            models.Index(fields=["region", "status"], name="followup_region_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assistance:children-task", args=[self.pk])


class LeftBehindChild(_ChildValues, TimeStampedModel):
    """An entry of the 农村留守儿童 register (one active entry per child)."""

    class ParentsAway(models.TextChoices):
        BOTH = "both", _("父母双方外出务工")
        ONE_UNABLE = "one_unable", _("一方外出务工、另一方无监护能力")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        CLOSED = "closed", _("已销册")

    class CloseReason(models.TextChoices):
        PARENTS_RETURNED = "parents_returned", _("父母返乡")
        AGED_OUT = "aged_out", _("年满16周岁")
        MOVED = "moved", _("随父母迁出")
        OTHER = "other", _("其他")

    SCOPE_FIELD = "region"

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("儿童"),
        on_delete=models.PROTECT,
        related_name="left_behind_records",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("户籍村居"), on_delete=models.PROTECT, related_name="+"
    )
    parents_away = models.CharField(_("留守情形"), max_length=12, choices=ParentsAway.choices)
    parents_whereabouts = models.CharField(
        _("父母务工去向"), max_length=200, help_text=_("如 父母均在东莞务工")
    )
    guardian_name = models.CharField(_("委托照护人"), max_length=50)
    guardian_relation = models.CharField(_("与儿童关系"), max_length=16, choices=GuardianRelation.choices)
    guardian_phone = models.CharField(_("照护人电话"), max_length=20, blank=True)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    registered_on = models.DateField(_("登记日期"))
    last_visit_on = models.DateField(_("最近走访日期"), null=True, blank=True)
    next_visit_due = models.DateField(_("下次走访期限"))
    closed_on = models.DateField(_("销册日期"), null=True, blank=True)
    close_reason = models.CharField(_("销册原因"), max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(_("销册说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["region", "id"]
        verbose_name = _("留守儿童")
        verbose_name_plural = _("留守儿童")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active"),
                name="one_active_left_behind_per_child",
                violation_error_message=_("该儿童已在留守儿童名册中"),
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(closed_on__isnull=False), name="left_behind_closed_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_visit_due"], name="leftbehind_due_idx"),
            models.Index(fields=["region", "status"], name="leftbehind_region_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{mask_child_name(self.person.name)}（{self.get_risk_level_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("assistance:left-behind-detail", args=[self.pk])


class CareVisit(TimeStampedModel):
    """A care visit (关爱走访) to a left-behind child; it sets the child's risk level from then on."""

    SCOPE_FIELD = "record__region"

    record = models.ForeignKey(
        LeftBehindChild, verbose_name=_("留守儿童"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    visitor_name = models.CharField(_("走访人"), max_length=100, help_text=_("如 儿童督导员、儿童主任姓名"))
    findings = models.TextField(_("走访情况"))
    previous_risk_level = models.CharField(_("原风险等级"), max_length=8, choices=RiskLevel.choices)
    risk_level = models.CharField(_("评估风险等级"), max_length=8, choices=RiskLevel.choices)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("关爱走访")
        verbose_name_plural = _("关爱走访")
        indexes = [models.Index(fields=["record", "visited_on"], name="carevisit_record_date_idx")]

    def __str__(self) -> str:
        return f"{self.record} {self.visited_on:%Y-%m-%d} 走访"


# Children's names and ID numbers: revealed one value at a time, audited (core/reveal.py).
REVEALABLE.setdefault("assistance.childprofile", {"child_name": "儿童姓名", "child_id_number": "身份证号码"})
REVEALABLE.setdefault(
    "assistance.leftbehindchild", {"child_name": "儿童姓名", "child_id_number": "身份证号码"}
)
