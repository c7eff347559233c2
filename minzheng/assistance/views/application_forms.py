"""Forms of the application pages: intake, one form per move, document upload.

The forms only parse; the services decide. `add_service_errors` puts a service's
ValidationError messages on the fields they name (or on the form when no field matches).
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.benefits.forms import MonthField

from ..models import ApplicationDocument
from ..programs import Program

TEXTAREA = {"rows": 3, "class": "border border-base-200 rounded-default w-full px-3 py-2"}
INPUT = {"class": "border border-base-200 rounded-default px-3 py-2 w-full max-w-md"}


class ServiceErrorsMixin:
    #: service field name → form field name
    field_names: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        for key, messages in errors.items():
            target = self.field_names.get(key, key)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class IntakeForm(ServiceErrorsMixin, forms.Form):
    field_names = {"person": "id_number", "household": "id_number"}

    id_number = forms.CharField(
        label=_("申请人身份证号码"),
        max_length=18,
        help_text=_("18位身份证号码；申请人须已在户籍系统登记。低保以申请人当前所在家庭户申请。"),
        widget=forms.TextInput(attrs=INPUT),
    )
    program = forms.ChoiceField(
        label=_("救助项目"), choices=Program.choices, widget=forms.Select(attrs=INPUT)
    )
    applied_on = forms.DateField(
        label=_("申请日期"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}, format="%Y-%m-%d")
    )
    declared_income = forms.DecimalField(
        label=_("申报家庭月收入（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={**INPUT, "step": "0.01"}),
    )
    reason = forms.CharField(
        label=_("申请理由"), required=False, widget=forms.Textarea(attrs=TEXTAREA), max_length=2000
    )
    relative_in_civil_affairs = forms.BooleanField(
        label=_("有近亲属在民政部门或村居工作"),
        required=False,
        help_text=_("如实申报；有此情况的由区级民政部门入户调查"),
    )
    relative_note = forms.CharField(
        label=_("近亲属备案说明"),
        required=False,
        max_length=200,
        help_text=_("姓名、工作单位及与申请人的关系"),
        widget=forms.TextInput(attrs=INPUT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applied_on"].initial = timezone.localdate()

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()


class OpinionForm(ServiceErrorsMixin, forms.Form):
    field_names = {"reasons": "opinion"}
    opinion_required = False

    opinion = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opinion"].required = self.opinion_required


class ReasonsForm(OpinionForm):
    opinion_required = True


class MissingItemsForm(OpinionForm):
    items = forms.CharField(
        label=_("需补齐的材料（每行一项，一次性告知）"), widget=forms.Textarea(attrs=TEXTAREA)
    )


class InvestigationForm(ServiceErrorsMixin, forms.Form):
    assessed_income = forms.DecimalField(
        label=_("核定家庭月收入（元）"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**INPUT, "step": "0.01"}),
    )
    result_text = forms.CharField(label=_("入户调查与核对结果"), widget=forms.Textarea(attrs=TEXTAREA))


DECISIONS = [("approve", _("同意")), ("refuse", _("不同意（不予批准）"))]


class ReviewForm(OpinionForm):
    decision = forms.ChoiceField(label=_("审核结论"), choices=DECISIONS, widget=forms.RadioSelect)


class DecisionForm(ReviewForm):
    start_month = MonthField(
        label=_("发放起始月份"), required=False, help_text=_("YYYY-MM；不填则从审批次月起发放")
    )


class DocumentForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("材料类型"), choices=ApplicationDocument.Kind.choices, widget=forms.Select(attrs=INPUT)
    )
    file = forms.FileField(label=_("文件"))
    note = forms.CharField(
        label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=INPUT)
    )


MOVE_FORMS = {
    "accept": OpinionForm,
    "missing_items": MissingItemsForm,
    "investigate": InvestigationForm,
    "town_review": ReviewForm,
    "decide": DecisionForm,
    "return": ReasonsForm,
    "refuse": ReasonsForm,
    "withdraw": ReasonsForm,
}
