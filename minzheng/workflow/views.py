"""The task inbox page (待办事项), inside the back-office shell."""

from django.utils.translation import gettext as _

from minzheng.accounts.roles import Capability
from minzheng.core.backoffice import render_page, staff_page

from .inbox import inbox_for


@staff_page(Capability.BACK_OFFICE)
def inbox(request):
    data = inbox_for(request.user, source=request.GET.get("type", ""))
    return render_page(request, "workflow/inbox.html", {"inbox": data}, title=_("待办事项"))
