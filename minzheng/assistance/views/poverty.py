"""Pages of 精准扶贫: record a household's exit (脱贫) and withdraw an exit recorded in error.

Thin: the record is fetched through the scoped selector (404 outside the user's scope), the
form is parsed, one service is called; its Chinese errors appear on the form.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Capability
from minzheng.core.backoffice import render_page, staff_page

from ..selectors.poverty import get_poor_household_for
from ..services import poverty as services


class ExitForm(forms.Form):
    exited_on = forms.DateField(label=_("脱贫日期"), widget=forms.DateInput(attrs={"type": "date"}))
    verification = forms.CharField(
        label=_("脱贫核验情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("收入核查结果、“两不愁三保障”落实情况、村民评议与公示情况"),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 3}))


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _page(request, pk, form_class, service, *, title, done):
    record = get_poor_household_for(request.user, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(record, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("没有权限"))
        else:
            messages.success(request, done)
            return redirect("admin:assistance_poorhousehold_change", record.pk)
    return render_page(
        request,
        "assistance/poverty/record_form.html",
        {
            "record": record,
            "form": form,
            "measures": record.measures.all(),
            "visits": record.visits.select_related("helper"),
        },
        title=title,
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.REGISTRY_CHANGE)
def exit_household(request, pk):
    return _page(request, pk, ExitForm, services.exit_household, title=_("办理脱贫"), done=_("已办理脱贫"))


@staff_page(Capability.REGISTRY_CHANGE)
def reopen_household(request, pk):
    return _page(
        request,
        pk,
        ReopenForm,
        services.reopen_household,
        title=_("撤销脱贫"),
        done=_("已撤销脱贫，该户重新在册"),
    )


urlpatterns = [
    path("<int:pk>/exit/", exit_household, name="poverty-exit"),
    path("<int:pk>/reopen/", reopen_household, name="poverty-reopen"),
]
