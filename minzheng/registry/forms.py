"""Back-office forms for the register; each one saves through a registry service."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.scoping import visible_to
from minzheng.core.admin_forms import ServiceModelForm

from . import services
from .idnumbers import normalise_id_number
from .models import Household, Membership, Person, Region


def village_choices(user):
    return visible_to(
        user, Region.objects.filter(level=Region.Level.VILLAGE, valid_to__isnull=True)
    ).select_related("parent")


EDITABLE_PERSON_FIELDS = [
    "name",
    "region",
    "residence_region",
    "phone",
    "marital_status",
    "disability_category",
    "disability_grade",
    "disability_cert_no",
]


class PersonChangeForm(ServiceModelForm):
    """The fields a caseworker may change; region choices limited to the villages they see."""

    class Meta:
        model = Person
        fields = EDITABLE_PERSON_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is not None:
            for name in ("region", "residence_region"):
                if name in self.fields:  # read-only roles see the fields as text
                    self.fields[name].queryset = village_choices(self.actor)

    def call_service(self, data):
        changes = {k: v for k, v in data.items() if k in self.changed_data}
        return services.update_person(self.instance, actor=self.actor, **changes)


class PersonAddForm(PersonChangeForm):
    """Registration: the ID number too (fixed afterwards: birth date and sex derive from it)."""

    class Meta:
        model = Person
        fields = ["id_number", *EDITABLE_PERSON_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Uniqueness and format are checked by the service, with a message that names the record.
        self.fields["id_number"].validators = []

    def validate_unique(self):
        return None

    def call_service(self, data):
        return services.register_person(actor=self.actor, **{k: v for k, v in data.items() if v is not None})


class HouseholdAddForm(ServiceModelForm):
    head_id_number = forms.CharField(label=_("户主身份证号码"), max_length=18)

    class Meta:
        model = Household
        fields = ["region", "number", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is not None:
            self.fields["region"].queryset = village_choices(self.actor)

    def validate_unique(self):
        return None

    def clean_head_id_number(self):
        return _person_by_id_number(self.actor, self.cleaned_data["head_id_number"], "head_id_number")

    def call_service(self, data):
        return services.create_household(
            actor=self.actor,
            region=data["region"],
            head=data["head_id_number"],
            address=data.get("address") or "",
            number=data.get("number") or "",
        )


def _person_by_id_number(actor, raw: str, field: str) -> Person:
    try:
        number = normalise_id_number(raw)
    except ValidationError as exc:
        raise ValidationError(exc.messages)
    person = visible_to(actor, Person.objects.all()).filter(id_number=number).first()
    if person is None:
        raise ValidationError(_("身份证号码对应的人员未在您管辖范围内登记，请先登记人员"))
    return person


class AddMemberForm(forms.Form):
    id_number = forms.CharField(label=_("成员身份证号码"), max_length=18)
    relation = forms.ChoiceField(
        label=_("与户主关系"), choices=[c for c in Membership.Relation.choices if c[0] != "head"]
    )
    since = forms.DateField(
        label=_("入户日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_id_number(self):
        return _person_by_id_number(self.actor, self.cleaned_data["id_number"], "id_number")


class RemoveMemberForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("离户原因"), max_length=100)
    until = forms.DateField(
        label=_("离户日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MoveHouseholdForm(forms.Form):
    region = forms.ModelChoiceField(label=_("迁入村居"), queryset=Region.objects.none())
    address = forms.CharField(label=_("新住址"), max_length=200, required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = village_choices(actor)
