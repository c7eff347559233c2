"""Schemes, effective-dated standards, entitlements with what they owe month by month, payroll."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.masking import display_name, mask_bank_account
from minzheng.core.models import TimeStampedModel


class Scheme(TimeStampedModel):
    """A benefit the bureau pays (低保, 特困, 护理补贴, 长寿保健金 …). The engine knows none by name."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("每人每月定额")
        TOP_UP = "top_up", _("家庭差额补足（含分类施保）")
        MULTIPLE = "multiple", _("其他项目标准的倍数")
        AGE_BAND = "age_band", _("按年龄段定额")
        ONE_OFF = "one_off", _("一次性补助")
        REIMBURSEMENT = "reimbursement", _("按比例报销")

    class Unit(models.TextChoices):
        PERSON = "person", _("按人")
        HOUSEHOLD = "household", _("按户")

    code = models.SlugField(_("项目代码"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    paying_unit = models.CharField(_("发放单位"), max_length=100, default="区民政局")
    kind = models.CharField(_("计算方式"), max_length=20, choices=Kind.choices)
    unit = models.CharField(_("发放对象"), max_length=10, choices=Unit.choices, default=Unit.PERSON)
    base_scheme = models.ForeignKey(
        "self",
        verbose_name=_("基准项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("“倍数”方式：以该项目的标准乘以倍数"),
    )
    excludes = models.ManyToManyField("self", verbose_name=_("互斥项目"), blank=True, symmetrical=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("待遇项目")
        verbose_name_plural = _("待遇项目")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="multiple") | Q(base_scheme__isnull=False), name="scheme_multiple_has_base"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_monthly(self) -> bool:
        return self.kind in {self.Kind.FIXED, self.Kind.TOP_UP, self.Kind.MULTIPLE, self.Kind.AGE_BAND}


class Standard(TimeStampedModel):
    """The amount (or multiple, bands, supplements, ratio) a scheme pays in a region from a month on.

    Months are stored as their first day; `valid_to` is the last month included (null: open).
    The most specific region wins: a 村居 row over its 镇街's over the district's.
    """

    SCOPE_FIELD = "region"

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("待遇项目"), on_delete=models.PROTECT, related_name="standards"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("起始月份"))
    valid_to = models.DateField(_("截止月份"), null=True, blank=True)
    amount = models.DecimalField(_("标准金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    multiple = models.DecimalField(_("倍数"), max_digits=6, decimal_places=3, null=True, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    document = models.CharField(_("依据文件"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["scheme", "region", "valid_from"]
        verbose_name = _("待遇标准")
        verbose_name_plural = _("待遇标准")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "region", "valid_from"], name="standard_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="standard_valid_dates",
            ),
        ]

    def __str__(self) -> str:
        end = f"{self.valid_to:%Y-%m}" if self.valid_to else "至今"
        return f"{self.scheme.name} {self.region.name} {self.valid_from:%Y-%m}～{end}"


class BankAccount(TimeStampedModel):
    """The account a person is paid into (one per person, e.g. the social-security card account)."""

    SCOPE_FIELD = "person__region"

    person = models.OneToOneField(
        "registry.Person", verbose_name=_("开户人"), on_delete=models.PROTECT, related_name="bank_account"
    )
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_name = models.CharField(_("户名"), max_length=50)
    account_number = models.CharField(_("账号"), max_length=32)

    class Meta:
        ordering = ["person"]
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")

    def __str__(self) -> str:
        return f"{self.account_name} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        return mask_bank_account(self.account_number)


class Entitlement(TimeStampedModel):
    """Who receives which scheme, from which month, and what is owed (in `AmountPeriod`s)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常发放")
        SUSPENDED = "suspended", _("暂停")
        ENDED = "ended", _("终止")

    SCOPE_FIELD = "region"

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("待遇项目"), on_delete=models.PROTECT, related_name="entitlements"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("领取人"), on_delete=models.PROTECT, related_name="entitlements"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("负责村居"), on_delete=models.PROTECT, related_name="+"
    )
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    assessed_income = models.DecimalField(
        _("核定家庭月收入（元）"), max_digits=12, decimal_places=2, default=0
    )
    fixed_amount = models.DecimalField(
        _("核定金额（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("一次性补助、报销等按单核定的金额"),
    )
    monthly_amount = models.DecimalField(_("当前月发放额（元）"), max_digits=12, decimal_places=2, default=0)
    trace = models.JSONField(_("计算依据"), default=dict, blank=True)
    adjust_from = models.DateField(_("待补发/追回起始月"), null=True, blank=True)
    adjust_marked_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_reason = models.CharField(_("终止原因"), max_length=100, blank=True)
    # Nothing was ever owed (fraud from the first month, a death before the start): the months
    # cannot express it (the end is never before the start), so no recalculation — e.g. after a
    # retroactive standard change — may give the entitlement an amount again.
    revoked = models.BooleanField(
        _("自始不应发放"),
        default=False,
        editable=False,
        help_text=_("追溯终止至起始月份之前：任何月份都不应发放，标准调整也不再计算"),
    )
    recurring = models.BooleanField(_("按月发放"), default=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("待遇资格")
        verbose_name_plural = _("待遇资格")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "person"],
                condition=Q(status__in=["active", "suspended"], recurring=True),
                name="one_open_entitlement_per_person_scheme",
            ),
            # a household scheme (低保) is held once per household, whoever in it is the payee
            models.UniqueConstraint(
                fields=["scheme", "household"],
                condition=Q(status__in=["active", "suspended"], recurring=True, household__isnull=False),
                name="one_open_entitlement_per_household_scheme",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=F("start_month")),
                name="entitlement_months",
            ),
            # the target of payment lines' composite key (entitlement, scheme) on PostgreSQL
            models.UniqueConstraint(fields=["id", "scheme"], name="entitlement_id_scheme"),
        ]
        indexes = [
            models.Index(fields=["scheme", "status", "id"], name="entitlement_scheme_idx"),
            models.Index(fields=["person"], name="entitlement_person_idx"),
            models.Index(
                fields=["adjust_from"], name="entitlement_adjust_idx", condition=Q(adjust_from__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name}：{display_name(self.person)}"


class AmountPeriod(models.Model):
    """What an entitlement owes each month from `from_month` to `to_month` (null: onwards)."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="periods")
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"), null=True, blank=True)
    amount = models.DecimalField(_("月金额（元）"), max_digits=12, decimal_places=2)
    trace = models.JSONField(_("计算依据"), default=dict)

    class Meta:
        ordering = ["entitlement", "from_month"]
        verbose_name = _("应发金额期间")
        verbose_name_plural = _("应发金额期间")
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "from_month"], name="amount_period_unique_start"),
            models.CheckConstraint(
                condition=Q(to_month__isnull=True) | Q(to_month__gte=F("from_month")),
                name="amount_period_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id} {self.from_month:%Y-%m} {self.amount}"


class PayrollRun(TimeStampedModel):
    """One scheme's payments for one month: draft → approved → exported → reconciled."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审批")
        EXPORTED = "exported", _("已导出银行文件")
        RECONCILED = "reconciled", _("已对账")

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("待遇项目"), on_delete=models.PROTECT, related_name="runs"
    )
    month = models.DateField(_("发放月份"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    built_at = models.DateTimeField(_("编制时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("对账时间"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total_amount = models.DecimalField(_("合计金额（元）"), max_digits=16, decimal_places=2, default=0)
    job = models.ForeignKey(
        "core.Job", verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-month", "scheme"]
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "month"], name="one_run_per_scheme_month"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("built_by")), name="run_four_eyes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} {self.month:%Y-%m}"


class PaymentLine(models.Model):
    """One payment. Regular lines are unique per (entitlement, month); corrections are lines of their own."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("正常发放")
        ARREARS = "arrears", _("补发")
        RECOVERY = "recovery", _("追回")
        REISSUE = "reissue", _("重发")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        HELD = "held", _("缺少账户，暂缓")
        PAID = "paid", _("已到账")
        FAILED = "failed", _("发放失败")

    # Index choice (every index costs about a second per million lines at build time): run and
    # entitlement are served by line_run_idx and line_entitlement_month_idx; person and
    # region are copies of the entitlement's and are read through the run.
    run = models.ForeignKey(
        PayrollRun, verbose_name=_("发放批次"), on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    # The entitlement's scheme, copied: on PostgreSQL the table is partitioned by scheme and then
    # by month (see `partitions.py`), and a composite key (entitlement, scheme) → entitlement
    # keeps the copy true there.
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("待遇项目"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    entitlement = models.ForeignKey(
        Entitlement,
        verbose_name=_("待遇资格"),
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        # kept by a key in the database all the same: on PostgreSQL the composite key (entitlement,
        # scheme) → entitlement (migration 0004, which implies this one; 0006 dropped the plain
        # one), on SQLite the plain key made by 0001 (0006 left it there)
        db_constraint=False,
    )
    # person and region are copies of the entitlement's, written by the same INSERT … SELECT
    # that reads the entitlement, and persons and regions are never deleted (PROTECT, no delete
    # service): a foreign-key check per line would re-verify what the statement just read, at
    # about five seconds per million lines, so these two columns carry no database constraint.
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("领取人"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("负责村居"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField(_("所属月份"))
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    reissue_of = models.ForeignKey(
        "self",
        verbose_name=_("重发自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_by",
        db_index=False,  # served by the partial unique index one_reissue_per_line
        # on PostgreSQL a composite key (reissue_of, scheme, month) → (id, scheme, month) of the
        # partitioned table stands in for this one (see migration 0004)
        db_constraint=False,
    )

    SCOPE_FIELD = "region"

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        constraints = [
            # an entitlement has one scheme, so (entitlement, scheme, month) is (entitlement,
            # month); the scheme is in the key because a partitioned table's unique keys must
            # contain its partition keys
            models.UniqueConstraint(
                fields=["entitlement", "scheme", "month"],
                condition=Q(kind="regular"),
                name="one_regular_payment_per_month",
            ),
            models.UniqueConstraint(
                fields=["run", "entitlement", "scheme", "month", "kind"],
                condition=Q(kind__in=["arrears", "recovery"]),
                name="one_adjustment_per_run_month",
            ),
            models.UniqueConstraint(
                fields=["reissue_of", "scheme", "month"],
                condition=Q(reissue_of__isnull=False),
                name="one_reissue_per_line",
            ),
        ]
        indexes = [
            # run alone: within a month's partition every regular line has the same run, so a
            # second column would only make the index dearer to build; a town's share of a run is
            # filtered from the run's lines
            models.Index(fields=["run"], name="line_run_idx"),
            models.Index(fields=["entitlement", "month"], name="line_entitlement_month_idx"),
            models.Index(
                fields=["run"], condition=Q(status__in=["failed", "held"]), name="line_unpaid_idx"
            ),  # re-issues look for these
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m} {self.amount}"
