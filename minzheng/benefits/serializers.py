"""API representations of entitlements and payroll runs. Output only masks and formats; input is
only parsed (codes and months to objects), never saved here.

ID numbers are masked; account numbers never appear in the API at all (they leave the database
only in the bank file). Months are "YYYY-MM"; money is a string with two decimals (yuan).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from minzheng.core.masking import display_name
from minzheng.core.months import Month
from minzheng.registry.serializers import ChineseMessagesMixin

from .calculations import describe
from .models import AmountPeriod, Entitlement, PayrollRun, Scheme

MONTH_SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2018-12"}


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.Field):
    """A month stored as its first day, shown as "YYYY-MM"; input "YYYY-MM" becomes a `Month`."""

    default_error_messages = {"invalid": "{message}"}

    def to_representation(self, value) -> str:
        return f"{value:%Y-%m}"

    def to_internal_value(self, data) -> Month:
        try:
            return Month.parse(str(data))
        except ValueError as exc:
            self.fail("invalid", message=str(exc))


def _status_field(choices: type, label) -> serializers.CharField:
    """A read-only status code, its values listed in the description. Not an enum in the schema:
    several models name theirs `status`, and enum components would collide by name."""
    values = "、".join(choices.values)
    return serializers.CharField(
        read_only=True, label=label, help_text=f"取值：{values}（中文见 status_display）"
    )


# --- entitlements ---------------------------------------------------------------------------


class AmountPeriodSerializer(serializers.ModelSerializer):
    from_month = MonthField(read_only=True, label=_("起始月份"))
    to_month = MonthField(read_only=True, allow_null=True, label=_("截止月份"), help_text=_("null：至今"))
    trace_text = serializers.SerializerMethodField(label=_("计算依据（文字）"))

    class Meta:
        model = AmountPeriod
        fields = ["from_month", "to_month", "amount", "trace", "trace_text"]
        read_only_fields = fields

    def get_trace_text(self, period: AmountPeriod) -> str:
        return describe(period.trace)


class EntitlementSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme.code", read_only=True, label=_("项目代码"))
    scheme_name = serializers.CharField(source="scheme.name", read_only=True, label=_("项目名称"))
    person = serializers.IntegerField(source="person_id", read_only=True, label=_("领取人编号"))
    person_name = serializers.SerializerMethodField(
        label=_("领取人"), help_text=_("未满18周岁者脱敏显示，如 张**")
    )
    id_number = serializers.CharField(
        source="person.masked_id_number",
        read_only=True,
        label=_("身份证号码"),
        help_text=_("脱敏显示，如 440113********123X"),
    )
    household = serializers.IntegerField(
        source="household_id", read_only=True, allow_null=True, label=_("家庭户编号")
    )
    region = serializers.CharField(source="region.code", read_only=True, label=_("负责村居代码"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("负责村居"))
    town_name = serializers.CharField(
        source="region.parent.name", read_only=True, allow_null=True, label=_("所属镇街")
    )
    start_month = MonthField(read_only=True, label=_("起始月份"))
    end_month = MonthField(read_only=True, allow_null=True, label=_("终止月份"))
    status = _status_field(Entitlement.Status, _("状态代码"))
    status_display = serializers.CharField(source="get_status_display", read_only=True, label=_("状态"))
    trace_text = serializers.SerializerMethodField(label=_("计算依据（文字）"))

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "scheme",
            "scheme_name",
            "person",
            "person_name",
            "id_number",
            "household",
            "region",
            "region_name",
            "town_name",
            "start_month",
            "end_month",
            "status",
            "status_display",
            "monthly_amount",
            "trace",
            "trace_text",
            "end_reason",
            "revoked",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_trace_text(self, entitlement: Entitlement) -> str:
        return describe(entitlement.trace)

    def get_person_name(self, entitlement: Entitlement) -> str:
        return display_name(entitlement.person)


class EntitlementDetailSerializer(EntitlementSerializer):
    periods = AmountPeriodSerializer(many=True, read_only=True, label=_("应发金额期间"))

    class Meta(EntitlementSerializer.Meta):
        fields = [*EntitlementSerializer.Meta.fields, "periods"]
        read_only_fields = fields

    def get_person_name(self, entitlement: Entitlement) -> str:
        """One entitlement: a child's full name for roles with `pii.reveal` (audited)."""
        request = self.context.get("request")
        return display_name(entitlement.person, user=getattr(request, "user", None))


class EntitlementListQuerySerializer(ChineseMessagesMixin, serializers.Serializer):
    scheme = serializers.CharField(label=_("项目代码"), required=False, max_length=32)
    status = serializers.ChoiceField(label=_("状态"), choices=Entitlement.Status.choices, required=False)
    person = serializers.IntegerField(label=_("领取人编号"), required=False, min_value=1)


# --- payroll runs ---------------------------------------------------------------------------


class PayrollRunSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme.code", read_only=True, label=_("项目代码"))
    scheme_name = serializers.CharField(source="scheme.name", read_only=True, label=_("项目名称"))
    month = MonthField(read_only=True, label=_("发放月份"))
    status = _status_field(PayrollRun.Status, _("状态代码"))
    status_display = serializers.CharField(source="get_status_display", read_only=True, label=_("状态"))
    built_by = serializers.CharField(
        source="built_by.username", read_only=True, allow_null=True, label=_("编制人")
    )
    approved_by = serializers.CharField(
        source="approved_by.username", read_only=True, allow_null=True, label=_("审批人")
    )
    job = serializers.IntegerField(source="job_id", read_only=True, allow_null=True, label=_("后台任务编号"))
    job_status = serializers.CharField(
        source="job.status",
        read_only=True,
        allow_null=True,
        label=_("后台任务状态"),
        help_text=_("pending、running、succeeded 或 failed"),
    )
    job_progress = serializers.IntegerField(
        source="job.progress", read_only=True, allow_null=True, label=_("后台任务进度（%）")
    )

    class Meta:
        model = PayrollRun
        fields = [
            "id",
            "scheme",
            "scheme_name",
            "month",
            "status",
            "status_display",
            "line_count",
            "total_amount",
            "built_by",
            "built_at",
            "approved_by",
            "approved_at",
            "exported_at",
            "reconciled_at",
            "job",
            "job_status",
            "job_progress",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TownTotalSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, label=_("镇街代码"))
    town = serializers.CharField(allow_null=True, label=_("镇街"))
    lines = serializers.IntegerField(label=_("笔数"))
    people = serializers.IntegerField(label=_("人数"))
    total = serializers.DecimalField(max_digits=16, decimal_places=2, label=_("合计金额（元）"))


class PayrollRunDetailSerializer(PayrollRunSerializer):
    totals_by_town = TownTotalSerializer(many=True, read_only=True, label=_("按镇街合计"))

    class Meta(PayrollRunSerializer.Meta):
        fields = [*PayrollRunSerializer.Meta.fields, "totals_by_town"]
        read_only_fields = fields


class PayrollRunCreateSerializer(ChineseMessagesMixin, serializers.Serializer):
    scheme = serializers.CharField(label=_("项目代码"), max_length=32, help_text=_("如 dibao"))
    month = MonthField(label=_("发放月份"), help_text=_("YYYY-MM，如 2018-12"))

    def validate_scheme(self, value: str) -> Scheme:
        scheme = Scheme.objects.filter(code=value.strip()).first()
        if scheme is None:
            raise serializers.ValidationError(f"项目代码“{value}”不存在")
        return scheme


class ApproveRunSerializer(ChineseMessagesMixin, serializers.Serializer):
    opinion = serializers.CharField(
        label=_("审批意见"), max_length=500, required=False, allow_blank=True, default=""
    )
