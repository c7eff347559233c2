"""Pages: the household file (一户一档) — every scheme, amount and trace, application, visit,
document and audit row of one household, on one page."""

from django.urls import path
from django.utils.translation import gettext as _

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.backoffice import render_page, staff_page

from ..selectors.household import get_household_file


@staff_page(Capability.REGISTRY_VIEW)
def household_file(request, pk):
    data = get_household_file(request.user, pk)
    return render_page(
        request,
        "assistance/household/file.html",
        {**data, "can_reveal": has_capability(request.user, Capability.PII_REVEAL)},
        title=_("一户一档：%(household)s") % {"household": data["household"].number or data["household"].pk},
    )


urlpatterns = [
    path("<int:pk>/", household_file, name="household-file"),
]
