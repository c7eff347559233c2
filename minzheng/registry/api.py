# Placeholder: replaced by the REST API (being written now).
from rest_framework import viewsets

from .models import Household, Person, Region


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Person.objects.none()


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Household.objects.none()


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.none()
