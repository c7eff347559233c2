"""API: /api/v1/assistance/donations/ — donations received (scoped by the receiving region);
POST records one through `record_donation` (validation errors name the field)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability
from minzheng.registry.models import Region

from ..models.charity import CharityCampaign, Donation
from ..services.charity import record_donation
from . import router


class DonationSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=CharityCampaign.objects.all())
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Donation
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "donor_type",
            "donor_name",
            "anonymous",
            "amount",
            "received_on",
            "receipt_number",
            "region",
            "region_name",
        ]
        # the service checks the receipt number (and the database constraint backs it up)
        validators = []
        extra_kwargs = {"receipt_number": {"validators": []}}


@extend_schema_view(
    list=extend_schema(summary="慈善捐赠列表"),
    retrieve=extend_schema(summary="慈善捐赠"),
    create=extend_schema(summary="登记一笔捐赠"),
)
@extend_schema(tags=["慈善"])
class DonationViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DonationSerializer
    read_capability = Capability.REGISTRY_VIEW
    write_capability = Capability.REGISTRY_CHANGE

    def get_base_queryset(self):
        return Donation.objects.select_related("campaign", "region")

    def get_queryset(self):
        queryset = super().get_queryset()
        campaign = self.request.query_params.get("campaign")
        return queryset.filter(campaign_id=campaign) if campaign and campaign.isdigit() else queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        donation = record_donation(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(donation).data, status=status.HTTP_201_CREATED)


router.register("donations", DonationViewSet, basename="donation")
