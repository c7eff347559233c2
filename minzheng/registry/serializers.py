"""API representations of the register. Output is masked; input is only parsed, never saved here.

Output serializers show ID numbers, phones and disability certificate numbers masked, under
their own field names (`id_number`, `phone`, …); the full value is one audited `reveal` away.
Input serializers turn codes and ids into objects and hand them to the services, which do all
the validation that matters (ID numbers, scope, one household at a time, …).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from minzheng.accounts.scoping import get_visible_or_404
from minzheng.core.masking import mask_id_number
from minzheng.core.reveal import REVEALABLE

from .models import Household, Membership, Person, Region

# --- shared pieces --------------------------------------------------------------------------


class ChineseMessagesMixin:
    """Every field error names the field by its (Chinese) label: "身份证号码不能为空"."""

    EMPTY_KEYS = frozenset({"required", "blank", "null"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.read_only:
                continue
            label = str(field.label or name)
            for key, message in list(field.error_messages.items()):
                if key in self.EMPTY_KEYS:
                    field.error_messages[key] = f"{label}不能为空"
                elif not str(message).startswith(label):
                    field.error_messages[key] = f"{label}：{message}"


class RegionCodeField(serializers.CharField):
    """A region given by its code (12 digits; the district's 6), resolved to the current node."""

    default_error_messages = {
        "format": _("应为12位区划代码（区为6位）"),
        "does_not_exist": _("区划代码“{code}”不存在或已停用"),
        "level": _("“{name}”不是村居，请填写村（居）委会的12位代码"),
    }

    def __init__(self, *, village_only: bool = False, **kwargs):
        self.village_only = village_only
        kwargs.setdefault("help_text", _("12位区划代码，如 440113007001"))
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Region:
        code = super().to_internal_value(data).strip()
        if not (code.isdigit() and len(code) in (6, 12)):
            self.fail("format")
        region = Region.objects.filter(code=code, valid_to__isnull=True).select_related("parent").first()
        if region is None:
            self.fail("does_not_exist", code=code)
        if self.village_only and region.level != Region.Level.VILLAGE:
            self.fail("level", name=region.name)
        return region

    def to_representation(self, value) -> str:
        return value.code if isinstance(value, Region) else str(value)


class VisiblePersonField(serializers.IntegerField):
    """A person given by id, who must be inside the requesting user's scope.

    Out-of-scope ids go through `get_visible_or_404`, so the attempt is logged; the answer is
    the same as for an id that does not exist.
    """

    default_error_messages = {"does_not_exist": _("编号为{pk}的人员不存在或不在您的管辖范围内")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("人员编号（人员接口返回的 id）"))
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Person:
        pk = super().to_internal_value(data)
        try:
            return get_visible_or_404(self.context["request"].user, Person.objects.all(), pk=pk)
        except Http404:
            self.fail("does_not_exist", pk=pk)

    def to_representation(self, value) -> int:
        return value.pk if isinstance(value, Person) else int(value)


# --- output ---------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(
        source="masked_id_number",
        read_only=True,
        label=_("身份证号码"),
        help_text=_("脱敏显示，如 440113********123X"),
    )
    phone = serializers.CharField(
        source="masked_phone", read_only=True, label=_("联系电话"), help_text=_("脱敏显示，如 138****5678")
    )
    disability_cert_no = serializers.SerializerMethodField(label=_("残疾证号"), help_text=_("脱敏显示"))
    sex_display = serializers.CharField(source="get_sex_display", read_only=True, label=_("性别"))
    region = serializers.CharField(source="region.code", read_only=True, label=_("户籍所在村居代码"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("户籍所在村居"))
    town_name = serializers.CharField(
        source="region.parent.name", read_only=True, allow_null=True, label=_("所属镇街")
    )
    residence_region = serializers.CharField(
        source="residence_region.code", read_only=True, allow_null=True, label=_("实际居住村居代码")
    )
    residence_region_name = serializers.CharField(
        source="residence_region.name", read_only=True, allow_null=True, label=_("实际居住村居")
    )
    household = serializers.IntegerField(
        source="current_household_id", read_only=True, allow_null=True, label=_("所在家庭户编号")
    )
    household_relation = serializers.CharField(
        source="current_relation",
        read_only=True,
        allow_null=True,
        label=_("与户主关系"),
        help_text=_("取值同家庭成员的 relation（head、spouse、child …）"),
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "id_number",
            "name",
            "sex",
            "sex_display",
            "birth_date",
            "phone",
            "region",
            "region_name",
            "town_name",
            "residence_region",
            "residence_region_name",
            "household",
            "household_relation",
            "disability_category",
            "disability_grade",
            "disability_cert_no",
            "marital_status",
            "death_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_disability_cert_no(self, person: Person) -> str:
        return mask_id_number(person.disability_cert_no)


class MemberSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True, label=_("人员编号"))
    name = serializers.CharField(source="person.name", read_only=True, label=_("姓名"))
    id_number = serializers.CharField(
        source="person.masked_id_number", read_only=True, label=_("身份证号码"), help_text=_("脱敏显示")
    )
    sex = serializers.CharField(source="person.sex", read_only=True, label=_("性别"))
    birth_date = serializers.DateField(source="person.birth_date", read_only=True, label=_("出生日期"))
    relation_display = serializers.CharField(
        source="get_relation_display", read_only=True, label=_("与户主关系")
    )
    since = serializers.DateField(source="valid_from", read_only=True, label=_("入户日期"))

    class Meta:
        model = Membership
        fields = ["person", "name", "id_number", "sex", "birth_date", "relation", "relation_display", "since"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True, label=_("户籍所在村居代码"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("户籍所在村居"))
    town_name = serializers.CharField(
        source="region.parent.name", read_only=True, allow_null=True, label=_("所属镇街")
    )
    head = serializers.IntegerField(source="head_id", read_only=True, allow_null=True, label=_("户主编号"))
    head_name = serializers.CharField(source="head.name", read_only=True, allow_null=True, label=_("户主"))
    members = MemberSerializer(source="current_memberships", many=True, read_only=True, label=_("现有成员"))

    class Meta:
        model = Household
        fields = [
            "id",
            "number",
            "region",
            "region_name",
            "town_name",
            "address",
            "head",
            "head_name",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RegionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True, label=_("层级"))
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True, label=_("上级代码"))
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, allow_null=True, label=_("上级")
    )
    successor = serializers.CharField(
        source="successor.code", read_only=True, allow_null=True, label=_("继承单位代码")
    )

    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_display",
            "parent",
            "parent_name",
            "valid_from",
            "valid_to",
            "successor",
            "is_generated",
        ]
        read_only_fields = fields


# --- input: persons -------------------------------------------------------------------------

_EDITABLE_PERSON_FIELDS = {
    "name": lambda **kw: serializers.CharField(label=_("姓名"), max_length=50, **kw),
    "phone": lambda **kw: serializers.CharField(label=_("联系电话"), max_length=20, allow_blank=True, **kw),
    "residence_region": lambda **kw: RegionCodeField(
        label=_("实际居住村居"), village_only=True, allow_null=True, **kw
    ),
    "disability_category": lambda **kw: serializers.ChoiceField(
        label=_("残疾类别"), choices=Person.Disability.choices, allow_blank=True, **kw
    ),
    "disability_grade": lambda **kw: serializers.IntegerField(
        label=_("残疾等级"), allow_null=True, help_text=_("1至4级"), **kw
    ),
    "disability_cert_no": lambda **kw: serializers.CharField(
        label=_("残疾证号"), max_length=30, allow_blank=True, **kw
    ),
    "marital_status": lambda **kw: serializers.ChoiceField(
        label=_("婚姻状况"), choices=Person.MaritalStatus.choices, **kw
    ),
}


class PersonCreateSerializer(ChineseMessagesMixin, serializers.Serializer):
    id_number = serializers.CharField(
        label=_("身份证号码"), max_length=64, help_text=_("18位公民身份号码（15位旧号自动转换）")
    )
    name = _EDITABLE_PERSON_FIELDS["name"]()
    region = RegionCodeField(label=_("户籍所在村居"))
    phone = _EDITABLE_PERSON_FIELDS["phone"](default="")
    residence_region = _EDITABLE_PERSON_FIELDS["residence_region"](default=None)
    disability_category = _EDITABLE_PERSON_FIELDS["disability_category"](default="")
    disability_grade = _EDITABLE_PERSON_FIELDS["disability_grade"](default=None)
    disability_cert_no = _EDITABLE_PERSON_FIELDS["disability_cert_no"](default="")
    marital_status = _EDITABLE_PERSON_FIELDS["marital_status"](default=Person.MaritalStatus.UNKNOWN)


class PersonUpdateSerializer(ChineseMessagesMixin, serializers.Serializer):
    """PATCH: only the fields sent are changed. ID number (and so birth date and sex) is fixed."""

    FIXED = {
        "id_number": _("身份证号码不能修改（出生日期和性别由它确定）"),
        "birth_date": _("出生日期由身份证号码确定，不能修改"),
        "sex": _("性别由身份证号码确定，不能修改"),
        "death_date": _("死亡日期请通过“登记死亡”办理（record_death）"),
    }

    name = _EDITABLE_PERSON_FIELDS["name"](required=False)
    phone = _EDITABLE_PERSON_FIELDS["phone"](required=False)
    region = RegionCodeField(label=_("户籍所在村居"), required=False)
    residence_region = _EDITABLE_PERSON_FIELDS["residence_region"](required=False)
    disability_category = _EDITABLE_PERSON_FIELDS["disability_category"](required=False)
    disability_grade = _EDITABLE_PERSON_FIELDS["disability_grade"](required=False)
    disability_cert_no = _EDITABLE_PERSON_FIELDS["disability_cert_no"](required=False)
    marital_status = _EDITABLE_PERSON_FIELDS["marital_status"](required=False)

    def validate(self, attrs):
        sent = getattr(self, "initial_data", {}) or {}
        fixed = {key: [str(message)] for key, message in self.FIXED.items() if key in sent}
        if fixed:
            raise serializers.ValidationError(fixed)
        return attrs


class RecordDeathSerializer(ChineseMessagesMixin, serializers.Serializer):
    death_date = serializers.DateField(label=_("死亡日期"))


class PersonListQuerySerializer(ChineseMessagesMixin, serializers.Serializer):
    q = serializers.CharField(
        label=_("查询"),
        required=False,
        allow_blank=True,
        max_length=50,
        help_text=_("完整身份证号、身份证后几位、姓名拼音首字母或姓名"),
    )
    region = RegionCodeField(
        label=_("区划"), required=False, help_text=_("只看该区划（含下级）的人员，12位代码（区为6位）")
    )


class RevealQuerySerializer(ChineseMessagesMixin, serializers.Serializer):
    field = serializers.ChoiceField(
        label=_("字段"),
        choices=list(REVEALABLE["registry.person"].items()),
        help_text=_("要查看完整值的字段"),
    )


class RevealSerializer(serializers.Serializer):
    field = serializers.CharField(label=_("字段"))
    label = serializers.CharField(label=_("字段名称"))
    value = serializers.CharField(label=_("完整值"))


# --- input: households and regions ----------------------------------------------------------


class HouseholdCreateSerializer(ChineseMessagesMixin, serializers.Serializer):
    region = RegionCodeField(label=_("户籍所在村居"))
    head = VisiblePersonField(label=_("户主"))
    address = serializers.CharField(
        label=_("住址"), max_length=200, required=False, allow_blank=True, default=""
    )
    number = serializers.CharField(
        label=_("户号"), max_length=30, required=False, allow_blank=True, default=""
    )
    since = serializers.DateField(label=_("建户日期"), required=False, allow_null=True, default=None)


class AddMemberSerializer(ChineseMessagesMixin, serializers.Serializer):
    person = VisiblePersonField(label=_("人员"))
    relation = serializers.ChoiceField(label=_("与户主关系"), choices=Membership.Relation.choices)
    since = serializers.DateField(label=_("入户日期"), required=False, allow_null=True, default=None)


class RemoveMemberSerializer(ChineseMessagesMixin, serializers.Serializer):
    person = VisiblePersonField(label=_("人员"))
    until = serializers.DateField(label=_("离户日期"), required=False, allow_null=True, default=None)
    reason = serializers.CharField(
        label=_("离户原因"), max_length=100, required=False, allow_blank=True, default=""
    )


class MoveHouseholdSerializer(ChineseMessagesMixin, serializers.Serializer):
    region = RegionCodeField(label=_("迁入村居"))
    address = serializers.CharField(
        label=_("新住址"),
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("留空则不变"),
    )


class HouseholdListQuerySerializer(ChineseMessagesMixin, serializers.Serializer):
    q = serializers.CharField(
        label=_("查询"),
        required=False,
        allow_blank=True,
        max_length=50,
        help_text=_("按现有成员查找：完整身份证号、后几位、拼音首字母或姓名"),
    )
    region = RegionCodeField(label=_("区划"), required=False, help_text=_("只看该区划（含下级）的家庭户"))


class RegionListQuerySerializer(ChineseMessagesMixin, serializers.Serializer):
    level = serializers.ChoiceField(label=_("层级"), choices=Region.Level.choices, required=False)
    parent = RegionCodeField(label=_("上级区划"), required=False, help_text=_("只看该区划的直接下级"))
