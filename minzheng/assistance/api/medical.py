"""API of 医疗救助 and 临时救助 on the assistance router (/api/v1/assistance/…):

- `medical-claims/`: claims in the user's scope (`?person=`, `?year=`, `?status=`), the
  diagnosis never shown (health data); POST approves one claim (`benefits.manage`) and answers
  with the amount and, when the annual cap cut it, `cap_note` saying so.
- `temporary-aid/`: grants in scope; POST grants one (up to the standard's `max_amount`).

Thin: parse, call one selector or service, render. Services raise Chinese `ValidationError`s that
the API's error handler returns as 400 naming the field.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability
from minzheng.accounts.scoping import visible_to
from minzheng.core.api_errors import error_responses
from minzheng.core.masking import display_name
from minzheng.registry.models import Household, Person

from ..models import EmergencyType, MedicalClaim, TemporaryAid, VisitType
from ..selectors import medical as selectors
from ..services import medical as services
from . import router


class MedicalClaimSerializer(serializers.ModelSerializer):
    person_name = serializers.SerializerMethodField(help_text="未满18周岁者脱敏显示，如 张**")
    id_number = serializers.CharField(source="person.masked_id_number", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    town = serializers.CharField(source="region.parent.name", read_only=True, default="")
    has_diagnosis = serializers.SerializerMethodField()

    class Meta:
        model = MedicalClaim
        fields = [
            "id",
            "person",
            "person_name",
            "id_number",
            "town",
            "region",
            "visit_date",
            "hospital",
            "visit_type",
            "has_diagnosis",
            "total_cost",
            "insurance_paid",
            "other_paid",
            "out_of_pocket",
            "reimbursed",
            "capped",
            "cap_note",
            "status",
            "refusal_reason",
            "entitlement",
            "created_at",
        ]

    def get_person_name(self, obj) -> str:
        return display_name(obj.person)

    def get_has_diagnosis(self, obj) -> bool:
        return bool(obj.diagnosis)


class ClaimCreateSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text="就诊人（人员编号）")
    visit_date = serializers.DateField()
    hospital = serializers.CharField(max_length=100)
    visit_type = serializers.ChoiceField(choices=VisitType.choices)
    total_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    insurance_paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    other_paid = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=0)
    diagnosis = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # a person outside the user's scope is "not found", not "forbidden"
            self.fields["person"].queryset = visible_to(user, Person.objects.select_related("region"))


class TemporaryAidSerializer(serializers.ModelSerializer):
    person_name = serializers.SerializerMethodField(help_text="未满18周岁者脱敏显示，如 张**")
    id_number = serializers.CharField(source="person.masked_id_number", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    approved_by = serializers.CharField(source="approved_by.get_full_name", read_only=True)

    class Meta:
        model = TemporaryAid
        fields = [
            "id",
            "person",
            "person_name",
            "id_number",
            "household",
            "region",
            "emergency_type",
            "occurred_on",
            "granted_on",
            "amount",
            "reason",
            "approved_by",
            "entitlement",
        ]

    def get_person_name(self, obj) -> str:
        return display_name(obj.person)


class TemporaryAidCreateSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), help_text="救助对象（人员编号）"
    )
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.all(), required=False, allow_null=True
    )
    emergency_type = serializers.ChoiceField(choices=EmergencyType.choices)
    occurred_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["person"].queryset = visible_to(user, Person.objects.select_related("region"))
            self.fields["household"].queryset = visible_to(user, Household.objects.all())


@extend_schema(tags=["医疗救助与临时救助"])
class MedicalClaimViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Medical-assistance claims in the user's scope (no diagnosis)."""

    serializer_class = MedicalClaimSerializer
    read_capability = Capability.BENEFITS_VIEW
    write_capability = Capability.BENEFITS_MANAGE

    def get_base_queryset(self):
        return MedicalClaim.objects.select_related("person", "region", "region__parent")

    def get_queryset(self):
        queryset = selectors.claims_visible_to(self.request.user)
        params = self.request.query_params
        if params.get("person", "").isdigit():
            queryset = queryset.filter(person_id=params["person"])
        if params.get("year", "").isdigit():
            queryset = queryset.filter(visit_date__year=int(params["year"]))
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        return queryset

    @extend_schema(
        summary="核准一次就诊的医疗救助",
        request=ClaimCreateSerializer,
        responses={201: MedicalClaimSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request, *args, **kwargs):
        serializer = ClaimCreateSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        claim = services.approve_claim(actor=request.user, **serializer.validated_data)
        claim = selectors.get_claim_for(request.user, claim.pk)
        return Response(MedicalClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["医疗救助与临时救助"])
class TemporaryAidViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Temporary-aid grants in the user's scope."""

    serializer_class = TemporaryAidSerializer
    read_capability = Capability.BENEFITS_VIEW
    write_capability = Capability.BENEFITS_MANAGE

    def get_base_queryset(self):
        return TemporaryAid.objects.select_related("person", "region", "approved_by")

    def get_queryset(self):
        return selectors.temporary_aid_visible_to(self.request.user)

    @extend_schema(
        summary="批准临时救助",
        request=TemporaryAidCreateSerializer,
        responses={201: TemporaryAidSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request, *args, **kwargs):
        serializer = TemporaryAidCreateSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        aid = services.grant_temporary_aid(actor=request.user, **serializer.validated_data)
        return Response(TemporaryAidSerializer(aid).data, status=status.HTTP_201_CREATED)


router.register("medical-claims", MedicalClaimViewSet, basename="medical-claim")
router.register("temporary-aid", TemporaryAidViewSet, basename="temporary-aid")
