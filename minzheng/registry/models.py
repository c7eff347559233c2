"""The register: places (Region), people (Person), households and who belongs to them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.masking import display_name, mask_id_number, mask_phone
from minzheng.core.models import TimeStampedModel


class Region(TimeStampedModel):
    """A node of the division tree: the district, a 镇街 or a 村居, with validity dates."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("区")
        TOWN = "town", _("镇街")
        VILLAGE = "village", _("村居")

    SCOPE_FIELD = ""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=50)
    path = models.CharField(_("路径"), max_length=255, editable=False, default="")
    valid_from = models.DateField(_("启用日期"))
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", verbose_name=_("继承单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_generated = models.BooleanField(
        _("演示生成"), default=False, help_text=_("演示数据生成的村居，非真实区划")
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="region_code_valid_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="region_valid_dates",
            ),
        ]
        indexes = [models.Index(fields=["path"], name="region_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class Person(TimeStampedModel):
    """One record per person (一人一档), keyed by a validated citizen ID number."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class MaritalStatus(models.TextChoices):
        UNKNOWN = "unknown", _("未知")
        SINGLE = "single", _("未婚")
        MARRIED = "married", _("已婚")
        DIVORCED = "divorced", _("离婚")
        WIDOWED = "widowed", _("丧偶")

    class Disability(models.TextChoices):
        VISUAL = "visual", _("视力残疾")
        HEARING = "hearing", _("听力残疾")
        SPEECH = "speech", _("言语残疾")
        PHYSICAL = "physical", _("肢体残疾")
        INTELLECTUAL = "intellectual", _("智力残疾")
        MENTAL = "mental", _("精神残疾")
        MULTIPLE = "multiple", _("多重残疾")

    SCOPE_FIELD = "region"

    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    id_tail = models.CharField(_("身份证后六位"), max_length=6, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=50, editable=False, default="")
    birth_date = models.DateField(_("出生日期"), editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("户籍所在村居"),
        on_delete=models.PROTECT,
        related_name="registered_persons",
        db_index=False,  # person_region_idx (region, id) serves it
    )
    residence_region = models.ForeignKey(
        Region,
        verbose_name=_("实际居住村居"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_persons",
    )
    disability_category = models.CharField(
        _("残疾类别"), max_length=20, choices=Disability.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    disability_cert_no = models.CharField(_("残疾证号"), max_length=30, blank=True)
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    marital_status = models.CharField(
        _("婚姻状况"), max_length=10, choices=MaritalStatus.choices, default=MaritalStatus.UNKNOWN
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="person_disability_grade_1_4",
            ),
        ]
        indexes = [
            models.Index(fields=["id_tail"], name="person_id_tail_idx"),
            models.Index(fields=["name"], name="person_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["name_initials"], name="person_initials_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["region", "id"], name="person_region_idx"),
        ]

    def __str__(self) -> str:  # a child's name is masked wherever the object is printed
        return f"{display_name(self)}（{self.masked_id_number}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_alive(self) -> bool:
        return self.death_date is None


class Household(TimeStampedModel):
    """A registered household (户), responsible to the 村居 of its registered residence."""

    SCOPE_FIELD = "region"

    number = models.CharField(_("户号"), max_length=30, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("户籍所在村居"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)
    head = models.ForeignKey(
        Person,
        verbose_name=_("户主"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headed_households",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="household_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["region", "id"], name="household_region_idx")]

    def __str__(self) -> str:
        head = display_name(self.head) if self.head_id and self.head else "—"
        return f"{head}户（{self.number or self.pk}）"


class Membership(TimeStampedModel):
    """A person's place in a household over a period. A person is in one household at a time."""

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        GRANDPARENT = "grandparent", _("祖父母")
        SIBLING = "sibling", _("兄弟姐妹")
        CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
        OTHER = "other", _("其他")

    SCOPE_FIELD = "household__region"

    household = models.ForeignKey(
        Household, verbose_name=_("家庭户"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships"
    )
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    valid_from = models.DateField(_("入户日期"))
    valid_to = models.DateField(_("离户日期"), null=True, blank=True)
    end_reason = models.CharField(_("离户原因"), max_length=100, blank=True)

    class Meta:
        ordering = ["household", "valid_from", "id"]
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="one_current_household_per_person"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(valid_to__isnull=True, relation="head"),
                name="one_current_head_per_household",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_dates",
            ),
        ]
        indexes = [models.Index(fields=["household", "valid_to"], name="membership_household_idx")]

    def __str__(self) -> str:
        return f"{display_name(self.person)} — {self.get_relation_display()}"
