"""Pages of 防灾减灾救灾: close a shelter (撤销避灾场所) and record the end of a disaster event.

Thin: the record is fetched through the scoped selector (404 outside the user's scope), the
form is parsed, one service is called (`close_shelter`, `end_event`; they check the scope
again, validate the dates and write the audit row); its Chinese errors appear on the form.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Capability
from minzheng.accounts.scoping import get_visible_or_404
from minzheng.core.backoffice import render_page, staff_page

from ..selectors.disaster import get_event_for, shelters_visible_to
from ..services import disaster as services


class CloseShelterForm(forms.Form):
    closed_on = forms.DateField(label=_("关闭日期"), widget=forms.DateInput(attrs={"type": "date"}))
    people_sheltered = forms.IntegerField(
        label=_("安置人数（人次）"),
        required=False,
        min_value=0,
        help_text=_("关闭时核定的累计安置人次；不填则保留已登记的人数"),
    )


class EndEventForm(forms.Form):
    ended_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _run(request, form, call) -> bool:
    """Call the service with the form's data; True when it succeeded (errors go on the form)."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        _add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("没有权限"))
    else:
        return True
    return False


@staff_page(Capability.REGISTRY_CHANGE)
def close_shelter(request, pk):
    shelter = get_visible_or_404(request.user, shelters_visible_to(request.user), pk=pk)
    back = reverse("admin:assistance_shelteropening_change", args=[shelter.pk])
    form = CloseShelterForm(request.POST or None, initial={"closed_on": timezone.localdate()})

    def call(data):
        services.close_shelter(
            shelter,
            actor=request.user,
            closed_on=data["closed_on"],
            people_sheltered=data.get("people_sheltered"),
        )

    if _run(request, form, call):
        messages.success(request, _("已登记避灾场所关闭"))
        return redirect(back)
    return render_page(
        request,
        "assistance/disaster/record_form.html",
        {
            "form": form,
            "back": back,
            "subject": f"{shelter.place}（{shelter.region.name}）",
            "facts": [
                (_("灾害事件"), shelter.event.name),
                (_("启用日期"), f"{shelter.opened_on:%Y-%m-%d}"),
                (_("关闭日期"), f"{shelter.closed_on:%Y-%m-%d}" if shelter.closed_on else "—"),
                (_("已登记安置人数（人次）"), shelter.people_sheltered),
            ],
            "submit": _("确认关闭"),
        },
        title=_("关闭避灾场所"),
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.REGISTRY_CHANGE)
def end_event(request, pk):
    event = get_event_for(request.user, pk)
    back = reverse("admin:assistance_disasterevent_change", args=[event.pk])
    form = EndEventForm(request.POST or None, initial={"ended_on": event.ended_on or timezone.localdate()})

    def call(data):
        services.end_event(event, actor=request.user, ended_on=data["ended_on"])

    if _run(request, form, call):
        messages.success(request, _("已登记灾害结束日期"))
        return redirect(back)
    return render_page(
        request,
        "assistance/disaster/record_form.html",
        {
            "form": form,
            "back": back,
            "subject": event.name,
            "facts": [
                (_("灾害类别"), event.get_kind_display()),
                (_("开始日期"), f"{event.started_on:%Y-%m-%d}"),
                (_("结束日期"), f"{event.ended_on:%Y-%m-%d}" if event.ended_on else "—"),
                (_("受影响镇街"), "、".join(town.name for town in event.affected_towns.all())),
            ],
            "submit": _("确认"),
        },
        title=_("登记灾害结束"),
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("shelters/<int:pk>/close/", close_shelter, name="disaster-shelter-close"),
    path("events/<int:pk>/end/", end_event, name="disaster-event-end"),
]
