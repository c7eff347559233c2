"""Public pages (no login). Only what is built is shown; nothing here reads personal data."""

from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def index(request):
    return render(request, "portal/index.html")
