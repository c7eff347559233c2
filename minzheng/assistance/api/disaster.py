"""API: /api/v1/assistance/disaster-events/ — disaster events (read-only) with the shelters and
relief the user may see (events are seen by the 镇街 they affected; shelters and relief by region)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from minzheng.accounts.api_permissions import HasCapability
from minzheng.accounts.roles import Capability

from ..models.disaster import DisasterEvent, ReliefGiven, ShelterOpening
from ..selectors import disaster as selectors
from . import router


class ShelterSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = ShelterOpening
        fields = ["id", "place", "region", "region_name", "opened_on", "closed_on", "people_sheltered"]


class ReliefSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)

    class Meta:
        model = ReliefGiven
        fields = [
            "id",
            "household",
            "household_number",
            "region",
            "kind",
            "given_on",
            "amount",
            "entitlement",
            "item",
            "quantity",
            "unit",
        ]


class DisasterEventSerializer(serializers.ModelSerializer):
    affected_towns = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    shelters = ShelterSerializer(many=True, read_only=True, source="visible_shelters")
    reliefs = ReliefSerializer(many=True, read_only=True, source="visible_reliefs")

    class Meta:
        model = DisasterEvent
        fields = [
            "id",
            "name",
            "kind",
            "warning_level",
            "started_on",
            "ended_on",
            "affected_towns",
            "description",
            "shelters",
            "reliefs",
        ]


@extend_schema_view(
    list=extend_schema(summary="灾害事件列表"),
    retrieve=extend_schema(summary="灾害事件（避灾场所与救助记录）"),
)
@extend_schema(tags=["防灾减灾救灾"])
class DisasterEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DisasterEventSerializer
    permission_classes = [HasCapability]
    read_capability = Capability.REGISTRY_VIEW
    write_capability = Capability.REGISTRY_CHANGE

    def get_queryset(self):
        user = self.request.user
        return selectors.events_visible_to(user).prefetch_related(
            Prefetch("shelters", queryset=selectors.shelters_visible_to(user), to_attr="visible_shelters"),
            Prefetch("reliefs", queryset=selectors.reliefs_visible_to(user), to_attr="visible_reliefs"),
        )


router.register("disaster-events", DisasterEventViewSet, basename="disaster-event")
