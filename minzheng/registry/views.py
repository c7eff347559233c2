"""The household file (一户一档): members, former members, change history, and member changes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.backoffice import render_page, staff_page

from . import selectors, services
from .forms import AddMemberForm, MoveHouseholdForm, RemoveMemberForm
from .models import Person


@staff_page(Capability.REGISTRY_VIEW)
def household_file(request, pk):
    data = selectors.get_household_file(request.user, pk)
    household = data["household"]
    can_change = has_capability(request.user, Capability.REGISTRY_CHANGE)
    add_form = AddMemberForm(actor=request.user, prefix="add")
    move_form = MoveHouseholdForm(actor=request.user, prefix="move")
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "add_member":
                add_form = AddMemberForm(request.POST, actor=request.user, prefix="add")
                if add_form.is_valid():
                    person = add_form.cleaned_data["id_number"]
                    services.add_member(
                        household,
                        actor=request.user,
                        person=person,
                        relation=add_form.cleaned_data["relation"],
                        since=add_form.cleaned_data["since"],
                    )
                    messages.success(request, f"已将{person.name}加入本户")
                    return redirect("backoffice:household-file", pk=household.pk)
            elif action == "remove_member":
                form = RemoveMemberForm(request.POST)
                if form.is_valid():
                    person = get_object_or_404(Person, pk=form.cleaned_data["person"])
                    services.remove_member(
                        household,
                        actor=request.user,
                        person=person,
                        until=form.cleaned_data["until"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, f"{person.name}已办理离户")
                    return redirect("backoffice:household-file", pk=household.pk)
                messages.error(request, "请填写离户原因")
            elif action == "move":
                move_form = MoveHouseholdForm(request.POST, actor=request.user, prefix="move")
                if move_form.is_valid():
                    services.move_household(
                        household,
                        actor=request.user,
                        region=move_form.cleaned_data["region"],
                        address=move_form.cleaned_data["address"],
                    )
                    messages.success(request, "户籍迁移已登记")
                    return redirect("backoffice:household-file", pk=household.pk)
        except ValidationError as exc:
            for message in exc.messages:
                (add_form if action == "add_member" else move_form).add_error(None, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "没有权限")
    return render_page(
        request,
        "registry/household_file.html",
        {
            **data,
            "can_change": can_change,
            "add_form": add_form,
            "move_form": move_form,
            "can_reveal": has_capability(request.user, Capability.PII_REVEAL),
        },
        title=f"家庭户档案：{household}",
    )
