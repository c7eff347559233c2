"""Back-office forms of the benefits engine. They parse input; the services decide and save.

Standard parameters are entered in a plain way, one rule a line, and read back the same way:
分类施保 `老年人 20%` / `重度残疾人 150元`; 年龄段 `70-79 30` / `90- 200` (open upper end).
"""

import re
from decimal import Decimal
from pathlib import Path

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.scoping import visible_to
from minzheng.core.admin_forms import ServiceModelForm
from minzheng.core.months import Month
from minzheng.registry.idnumbers import normalise_id_number
from minzheng.registry.models import Person, Region

from . import services
from .models import BankAccount, Scheme, Standard

INPUT_CLASS = "border border-base-200 rounded-default px-3 py-2 w-full max-w-xl dark:bg-base-900"

# category key → (label shown, words accepted when typed)
SUPPLEMENT_CATEGORIES = {
    "elderly": ("老年人", {"老年人", "老人", "elderly"}),
    "minor": ("未成年人", {"未成年人", "未成年", "minor"}),
    "disabled": ("残疾人", {"残疾人", "持证残疾人", "disabled"}),
    "severely_disabled": ("重度残疾人", {"重度残疾人", "重度残疾", "severely_disabled"}),
}
_SUPPLEMENT_LINE = re.compile(r"^(\S+?)\s*[:：]?\s*(\d+(?:\.\d+)?)\s*(%|％|元)$")
_BAND_LINE = re.compile(
    r"^(\d{1,3})\s*岁?\s*(?:[-–~～至]\s*(\d{1,3})?\s*岁?|及?以上)\s+(\d+(?:\.\d+)?)\s*元?$"
)


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if not isinstance(field.widget, forms.CheckboxInput | forms.HiddenInput):
            field.widget.attrs.setdefault("class", INPUT_CLASS)


class MonthField(forms.Field):
    """A month typed as YYYY-MM (e.g. 2018-12); cleans to `core.months.Month`."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "YYYY-MM")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        return str(value) if isinstance(value, Month) else value

    def to_python(self, value):
        if isinstance(value, Month):
            return value
        value = (value or "").strip()
        if not value:
            return None
        try:
            return Month.parse(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid")


# --- standards ------------------------------------------------------------------------------


def parse_supplements(text: str) -> list[dict]:
    rules, seen = [], set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _SUPPLEMENT_LINE.match(line)
        category = None
        if match:
            word = match.group(1)
            category = next((key for key, (_, words) in SUPPLEMENT_CATEGORIES.items() if word in words), None)
        if not match or category is None:
            raise ValidationError(
                _t(
                    "分类施保第%(n)s行“%(line)s”看不懂：应为“老年人 20%%”或“重度残疾人 150元”，"
                    "类别为老年人、未成年人、残疾人、重度残疾人"
                )
                % {"n": number, "line": line}
            )
        if category in seen:
            raise ValidationError(
                _t("分类施保第%(n)s行：类别“%(c)s”重复") % {"n": number, "c": match.group(1)}
            )
        seen.add(category)
        value = match.group(2)
        rules.append({"category": category, "percent" if match.group(3) != "元" else "fixed": value})
    return rules


def parse_bands(text: str) -> list[dict]:
    bands = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _BAND_LINE.match(line)
        if not match:
            raise ValidationError(
                _t(
                    "年龄段第%(n)s行“%(line)s”看不懂：应为“70-79 30”（70至79岁每月30元）或“90- 200”（90岁及以上）"
                )
                % {"n": number, "line": line}
            )
        band: dict = {"min": int(match.group(1)), "amount": match.group(3)}
        if match.group(2):
            band["max"] = int(match.group(2))
            if band["max"] < band["min"]:
                raise ValidationError(_t("年龄段第%(n)s行：截止年龄小于起始年龄") % {"n": number})
        bands.append(band)
    bands.sort(key=lambda b: b["min"])
    for before, after in zip(bands, bands[1:], strict=False):
        if "max" not in before or before["max"] >= after["min"]:
            raise ValidationError(
                _t("年龄段%(a)s岁起与%(b)s岁起的两段重叠") % {"a": before["min"], "b": after["min"]}
            )
    return bands


def params_text(params: dict) -> str:
    """A standard's parameters as the back office writes them (the reverse of the parsers)."""
    parts = []
    supplements = params.get("supplements") or []
    if supplements:
        parts.append(_t("分类施保：") + "，".join(_supplement_text(rule) for rule in supplements))
    bands = params.get("bands") or []
    if bands:
        parts.append(_t("年龄段：") + "，".join(_band_text(band) for band in bands))
    if "ratio" in params:
        parts.append(
            _t("报销比例 %(r)s，起付线 %(d)s 元，年度封顶 %(c)s 元")
            % {"r": params["ratio"], "d": params.get("deductible", "0"), "c": params.get("annual_cap", "—")}
        )
    return "；".join(parts)


def _supplement_text(rule: dict) -> str:
    label = SUPPLEMENT_CATEGORIES.get(rule.get("category"), (rule.get("category"),))[0]
    return f"{label} {rule['percent']}%" if "percent" in rule else f"{label} {rule.get('fixed')}元"


def _band_text(band: dict) -> str:
    if "max" in band:
        return f"{band['min']}–{band['max']}岁 {band['amount']}元"
    return f"{band['min']}岁及以上 {band['amount']}元"


class StandardForm(forms.Form):
    """A new standard of one scheme; only the fields its calculation kind uses are shown."""

    FIELDS_BY_KIND = {
        Scheme.Kind.FIXED: ["amount"],
        Scheme.Kind.TOP_UP: ["amount", "supplements"],
        Scheme.Kind.MULTIPLE: ["multiple"],
        Scheme.Kind.AGE_BAND: ["bands"],
        Scheme.Kind.ONE_OFF: ["amount"],
        Scheme.Kind.REIMBURSEMENT: ["ratio", "deductible", "annual_cap"],
    }
    PARAMS_FIELD = {Scheme.Kind.TOP_UP: "supplements", Scheme.Kind.AGE_BAND: "bands"}
    VALUE_FIELDS = ["amount", "multiple", "supplements", "bands", "ratio", "deductible", "annual_cap"]

    region = forms.ModelChoiceField(label=_("适用区域"), queryset=Region.objects.none())
    valid_from = MonthField(label=_("起始月份"), help_text=_("YYYY-MM，可早于本月（将补发差额）"))
    valid_to = MonthField(label=_("截止月份"), required=False, help_text=_("留空表示长期有效"))
    amount = forms.DecimalField(
        label=_("标准金额（元/月）"), required=False, max_digits=12, decimal_places=2, min_value=0
    )
    multiple = forms.DecimalField(
        label=_("倍数"),
        required=False,
        max_digits=6,
        decimal_places=3,
        help_text=_("以基准项目的标准乘以倍数"),
    )
    supplements = forms.CharField(
        label=_("分类施保"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "每行一条：“老年人 20%”（标准的百分比）或“重度残疾人 150元”（定额）；一人符合多类时取高者"
        ),
    )
    bands = forms.CharField(
        label=_("年龄段及金额"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一段：“70-79 30”表示70至79周岁每月30元，“90- 200”表示90周岁及以上"),
    )
    ratio = forms.DecimalField(
        label=_("报销比例"),
        required=False,
        max_digits=5,
        decimal_places=4,
        min_value=0,
        max_value=1,
        help_text=_("0至1之间，如 0.7"),
    )
    deductible = forms.DecimalField(
        label=_("起付线（元）"), required=False, max_digits=12, decimal_places=2, min_value=0
    )
    annual_cap = forms.DecimalField(
        label=_("年度封顶线（元/人）"), required=False, max_digits=12, decimal_places=2, min_value=0
    )
    document = forms.CharField(label=_("依据文件（文号）"), max_length=200)

    def __init__(self, *args, scheme: Scheme, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        keep = set(self.FIELDS_BY_KIND[scheme.kind])
        for name in self.VALUE_FIELDS:
            if name not in keep:
                del self.fields[name]
        if scheme.kind == Scheme.Kind.REIMBURSEMENT:
            self.fields["ratio"].required = True
            self.fields["annual_cap"].required = True
        if scheme.kind == Scheme.Kind.MULTIPLE and scheme.base_scheme_id:
            self.fields["multiple"].help_text = _t("以“%(base)s”的标准乘以倍数") % {
                "base": scheme.base_scheme
            }
        self.fields["region"].queryset = visible_to(actor, Region.objects.filter(valid_to__isnull=True))
        self.fields["region"].label_from_instance = lambda r: "　" * r.depth + r.name
        _styled(self)

    @staticmethod
    def initial_from(standard: Standard | None) -> dict:
        """Start a new standard from the scheme's latest one (same region, values and rules)."""
        if standard is None:
            return {}
        params = standard.params or {}
        return {
            "region": standard.region_id,
            "amount": standard.amount,
            "multiple": standard.multiple,
            "supplements": "\n".join(_supplement_text(rule) for rule in params.get("supplements", [])),
            "bands": "\n".join(
                f"{b['min']}-{b.get('max', '')} {b['amount']}" for b in params.get("bands", [])
            ),
            "ratio": params.get("ratio"),
            "deductible": params.get("deductible"),
            "annual_cap": params.get("annual_cap"),
        }

    def clean_supplements(self):
        return parse_supplements(self.cleaned_data.get("supplements", ""))

    def clean_bands(self):
        return parse_bands(self.cleaned_data.get("bands", ""))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        params: dict = {}
        if data.get("supplements"):
            params["supplements"] = data["supplements"]
        if data.get("bands"):
            params["bands"] = data["bands"]
        if self.scheme.kind == Scheme.Kind.REIMBURSEMENT:
            params["ratio"] = str(data["ratio"])
            params["deductible"] = str(data.get("deductible") or Decimal("0"))
            params["annual_cap"] = str(data["annual_cap"])
        return {
            "scheme": self.scheme,
            "region": data["region"],
            "valid_from": data["valid_from"],
            "valid_to": data.get("valid_to"),
            "amount": data.get("amount"),
            "multiple": data.get("multiple"),
            "params": params,
            "document": data["document"],
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show the service's refusal on the field it names (parameters on their own field)."""
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        for field, messages in errors.items():
            if field == "params":
                field = self.PARAMS_FIELD.get(self.scheme.kind, NON_FIELD_ERRORS)
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


# --- schemes --------------------------------------------------------------------------------


class SchemeAddForm(ServiceModelForm):
    class Meta:
        model = Scheme
        fields = ["code", "name", "kind", "unit", "paying_unit", "base_scheme", "excludes"]

    def validate_unique(self):
        return None  # the service names the clash

    def call_service(self, data):
        return services.create_scheme(
            actor=self.actor,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            unit=data["unit"],
            paying_unit=data["paying_unit"],
            base_scheme=data.get("base_scheme"),
            excludes=list(data.get("excludes") or []),
        )


# --- bank accounts --------------------------------------------------------------------------


def _renamed(exc: ValidationError, names: dict) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.message_dict.items()})


class BankAccountAddForm(ServiceModelForm):
    """The account number is a field of its own (`number`), never filled in from the record."""

    id_number = forms.CharField(label=_("开户人身份证号码"), max_length=18)
    number = forms.CharField(label=_("银行账号"), max_length=40, help_text=_("12至30位数字"))

    class Meta:
        model = BankAccount
        fields = ["bank_name", "account_name"]

    def clean_id_number(self):
        try:
            number = normalise_id_number(self.cleaned_data["id_number"])
        except ValidationError as exc:
            raise ValidationError(exc.messages)
        person = visible_to(self.actor, Person.objects.all()).filter(id_number=number).first()
        if person is None:
            raise ValidationError(_t("身份证号码对应的人员未在您管辖范围内登记"))
        account = BankAccount.objects.filter(person=person).first()
        if account is not None:
            raise ValidationError(
                _t("%(name)s已登记银行账户（%(number)s），请在列表中打开该账户修改")
                % {"name": person.name, "number": account.masked_number}
            )
        return person

    def validate_unique(self):
        return None

    def call_service(self, data):
        try:
            return services.set_bank_account(
                actor=self.actor,
                person=data["id_number"],
                bank_name=data["bank_name"],
                account_name=data["account_name"],
                account_number=data["number"],
            )
        except ValidationError as exc:
            raise _renamed(exc, {"account_number": "number"})


class BankAccountChangeForm(ServiceModelForm):
    new_number = forms.CharField(
        label=_("新银行账号"), max_length=40, required=False, help_text=_("更换账号时填写；不更换请留空")
    )

    class Meta:
        model = BankAccount
        fields = ["bank_name", "account_name"]

    def validate_unique(self):
        return None

    def call_service(self, data):
        try:
            return services.set_bank_account(
                actor=self.actor,
                person=self.instance.person,
                bank_name=data["bank_name"],
                account_name=data["account_name"],
                account_number=data.get("new_number") or self.instance.account_number,
            )
        except ValidationError as exc:
            raise _renamed(exc, {"account_number": "new_number"})


# --- payroll --------------------------------------------------------------------------------


class NewRunForm(forms.Form):
    scheme = forms.ModelChoiceField(label=_("待遇项目"), queryset=Scheme.objects.filter(is_active=True))
    month = MonthField(label=_("发放月份"), help_text=_("YYYY-MM，如 2018-12"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class ApproveForm(forms.Form):
    opinion = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class ExportForm(forms.Form):
    fmt = forms.ChoiceField(label=_("文件格式"), choices=[("csv", "CSV"), ("xlsx", "Excel（XLSX）")])


class ReturnFileForm(forms.Form):
    file = forms.FileField(label=_("银行回盘文件"), help_text=_("银行返回的 CSV 或 XLSX 文件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx"}:
            raise ValidationError(_t("只能上传 .csv 或 .xlsx 文件"))
        return upload
