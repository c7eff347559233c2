"""Back-office pages of the benefits engine, inside the admin shell: adding a standard, an
entitlement with its trace, a payroll run with its actions (build, approve, export the bank file,
reconcile the return file), and revealing a bank account number (audited).

The pages parse input and call one service each; the services check capabilities and states.
"""

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import get_visible_or_404, scope_region_ids, visible_to
from minzheng.core.audit import write_audit
from minzheng.core.backoffice import render_page, staff_page
from minzheng.core.jobs import start_job
from minzheng.core.masking import display_name
from minzheng.core.models import Job
from minzheng.registry.models import Region

from . import bank_files, bank_returns, services
from .admin import RUN_STATUS_LABELS
from .calculations import describe
from .forms import ApproveForm, ExportForm, NewRunForm, ReturnFileForm, StandardForm, params_text
from .models import BankAccount, Entitlement, PaymentLine, PayrollRun, Scheme
from .payroll import approve_run, get_or_create_run, totals_by_town
from .recalculation import current_month

LINES_PER_PAGE = 50
BUILD_JOB = "benefits.build_payroll"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _messages_of(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- standards ------------------------------------------------------------------------------


@staff_page(Capability.BENEFITS_MANAGE)
def add_standard(request, pk):
    scheme = get_object_or_404(Scheme.objects.select_related("base_scheme"), pk=pk)
    latest = scheme.standards.order_by("-valid_from", "-id").first()
    form = StandardForm(
        request.POST or None, scheme=scheme, actor=request.user, initial=StandardForm.initial_from(latest)
    )
    if request.method == "POST" and form.is_valid():
        try:
            standard = services.set_standard(actor=request.user, **form.service_arguments())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已新增标准：%(standard)s") % {"standard": standard})
            return redirect("admin:benefits_scheme_change", scheme.pk)
    history = [
        (row, params_text(row.params))
        for row in scheme.standards.select_related("region", "created_by").order_by(
            "region__path", "valid_from"
        )
    ]
    return render_page(
        request,
        "benefits/standard_form.html",
        {"scheme": scheme, "form": form, "history": history},
        title=_("新增待遇标准：%(scheme)s") % {"scheme": scheme.name},
        status=400 if request.method == "POST" else 200,
    )


# --- entitlements ---------------------------------------------------------------------------


@staff_page(Capability.BENEFITS_VIEW)
def entitlement_detail(request, pk):
    entitlement = get_visible_or_404(
        request.user,
        Entitlement.objects.select_related(
            "scheme", "person", "household", "region", "region__parent", "person__bank_account"
        ),
        pk=pk,
    )
    periods = [(period, describe(period.trace)) for period in entitlement.periods.order_by("from_month")]
    lines = entitlement.lines.select_related("run").order_by("-month", "-id")
    account = entitlement.person.bank_account if _has_account(entitlement.person) else None
    person_name = display_name(entitlement.person, user=request.user)  # a child's full view is audited
    return render_page(
        request,
        "benefits/entitlement_detail.html",
        {
            "entitlement": entitlement,
            "trace_text": describe(entitlement.trace),
            "reason": (entitlement.trace or {}).get("reason", ""),
            "periods": periods,
            "lines": lines,
            "account": account,
            "can_reveal": has_capability(request.user, Capability.BANK_ACCOUNT_REVEAL),
            "person_name": person_name,
        },
        title=_("待遇资格：%(scheme)s · %(name)s") % {"scheme": entitlement.scheme.name, "name": person_name},
    )


def _has_account(person) -> bool:
    try:
        return person.bank_account is not None
    except BankAccount.DoesNotExist:
        return False


# --- bank accounts --------------------------------------------------------------------------


@require_POST
@staff_page(Capability.BANK_ACCOUNT_REVEAL)
def reveal_account_number(request, pk):
    """htmx: swap the masked account number for the full one; every reveal is audited."""
    account = get_visible_or_404(request.user, BankAccount.objects.select_related("person"), pk=pk)
    with transaction.atomic():
        write_audit(actor=request.user, action="reveal", obj=account, changes={"field": "account_number"})
    return HttpResponse(
        format_html(
            '<span class="mz-masked mz-revealed" id="reveal-account-{}">{}</span>',
            account.pk,
            account.account_number,
        )
    )


# --- payroll runs ---------------------------------------------------------------------------


def _run_or_404(pk) -> PayrollRun:
    return get_object_or_404(
        PayrollRun.objects.select_related("scheme", "built_by", "approved_by", "job"), pk=pk
    )


def _start_build(request, run: PayrollRun):
    """Start the build job, or follow the one already under way."""
    if run.job is not None and not run.job.is_finished:
        messages.info(request, _("该批次正在编制，请等待完成"))
        return redirect("backoffice:job", pk=run.job_id)
    job = start_job(BUILD_JOB, actor=request.user, params={"run": run.pk})
    return redirect("backoffice:job", pk=job.pk)


@staff_page(Capability.PAYROLL_BUILD)
def new_run(request):
    form = NewRunForm(request.POST or None, initial={"month": current_month()})
    if request.method == "POST" and form.is_valid():
        try:
            run = get_or_create_run(
                form.cleaned_data["scheme"], form.cleaned_data["month"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, _messages_of(exc))
        else:
            if run.status != PayrollRun.Status.DRAFT:
                messages.warning(
                    request,
                    _("%(run)s状态为“%(status)s”，不能重新编制")
                    % {"run": run, "status": run.get_status_display()},
                )
                return redirect("benefits:run", pk=run.pk)
            return _start_build(request, _run_or_404(run.pk))
    recent = PayrollRun.objects.select_related("scheme", "built_by")[:10]
    return render_page(
        request,
        "benefits/run_new.html",
        {"form": form, "recent": recent},
        title=_("新建发放批次"),
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.BENEFITS_VIEW)
def run_detail(request, pk):
    return _render_run(request, _run_or_404(pk))


def _visible_town_totals(user, run: PayrollRun) -> list[dict]:
    rows = totals_by_town(run)
    if scope_region_ids(user) is None:
        return rows
    towns = set(
        visible_to(user, Region.objects.filter(level=Region.Level.TOWN)).values_list("code", flat=True)
    )
    return [row for row in rows if row["code"] in towns]


def _render_run(request, run: PayrollRun, *, return_form=None, status=200):
    user = request.user
    visible_lines = visible_to(user, PaymentLine.objects.filter(run=run))
    by_status = dict(visible_lines.order_by().values_list("status").annotate(n=Count("id")))
    chosen = request.GET.get("status", "")
    lines = visible_lines.select_related("person", "person__bank_account", "region", "region__parent")
    if chosen in PaymentLine.Status.values:
        lines = lines.filter(status=chosen)
    page = Paginator(lines.order_by("region__path", "id"), LINES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(line, _masked_account(line.person)) for line in page.object_list]
    towns = _visible_town_totals(user, run)
    is_draft = run.status == PayrollRun.Status.DRAFT
    building = run.job is not None and not run.job.is_finished
    return render_page(
        request,
        "benefits/run_detail.html",
        {
            "run": run,
            "status_type": RUN_STATUS_LABELS.get(run.status),
            "towns": towns,
            "town_lines": sum(row["lines"] for row in towns),
            "town_people": sum(row["people"] for row in towns),
            "town_total": sum((row["total"] for row in towns), 0),
            "status_counts": [
                (value, label, by_status.get(value, 0)) for value, label in PaymentLine.Status.choices
            ],
            "chosen_status": chosen,
            "page": page,
            "rows": rows,
            "building": building,
            "last_job_failed": run.job is not None and run.job.status == Job.Status.FAILED,
            "can_build": is_draft and not building and has_capability(user, Capability.PAYROLL_BUILD),
            "can_approve": is_draft
            and run.built_at is not None
            and not building
            and has_capability(user, Capability.PAYROLL_APPROVE),
            "is_author": run.built_by_id == user.pk,
            "can_export": run.status in (PayrollRun.Status.APPROVED, PayrollRun.Status.EXPORTED)
            and has_capability(user, Capability.PAYROLL_EXPORT),
            "can_reconcile": run.status == PayrollRun.Status.EXPORTED
            and has_capability(user, Capability.PAYROLL_EXPORT),
            "approve_form": ApproveForm(),
            "export_form": ExportForm(),
            "return_form": return_form or ReturnFileForm(),
        },
        title=_("发放批次：%(scheme)s %(month)s")
        % {"scheme": run.scheme.name, "month": f"{run.month:%Y-%m}"},
        status=status,
    )


def _masked_account(person) -> str:
    return person.bank_account.masked_number if _has_account(person) else ""


@require_POST
@staff_page(Capability.PAYROLL_BUILD)
def build(request, pk):
    run = _run_or_404(pk)
    if run.status != PayrollRun.Status.DRAFT:
        messages.error(
            request, _("发放批次状态为“%(status)s”，不能重新编制") % {"status": run.get_status_display()}
        )
        return redirect("benefits:run", pk=run.pk)
    return _start_build(request, run)


@require_POST
@staff_page(Capability.PAYROLL_APPROVE)
def approve(request, pk):
    run = _run_or_404(pk)
    form = ApproveForm(request.POST)
    opinion = form.cleaned_data["opinion"] if form.is_valid() else ""
    try:
        run = approve_run(run, actor=request.user, opinion=opinion)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            _("已审批：共 %(lines)s 笔，合计 %(total)s 元")
            % {"lines": run.line_count, "total": run.total_amount},
        )
    return redirect("benefits:run", pk=run.pk)


@require_POST
@staff_page(Capability.PAYROLL_EXPORT)
def export(request, pk):
    """Download the bank payment file; the first export moves an approved run to 已导出 (audited)."""
    run = _run_or_404(pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择文件格式"))
        return redirect("benefits:run", pk=run.pk)
    fmt = form.cleaned_data["fmt"]
    handle = tempfile.TemporaryFile()
    try:
        bank_files.export_bank_file(run, handle, actor=request.user, fmt=fmt)
    except ValidationError as exc:
        handle.close()
        messages.error(request, _messages_of(exc))
        return redirect("benefits:run", pk=run.pk)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{run.scheme.code}-{run.month:%Y%m}-{_('银行代发')}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


@require_POST
@staff_page(Capability.PAYROLL_EXPORT)
def reconcile(request, pk):
    """Upload the bank's return file: all lines are settled, or (with the reasons) none."""
    run = _run_or_404(pk)
    form = ReturnFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = bank_returns.reconcile_payments(run, upload, actor=request.user, filename=upload.name)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(
                request,
                _(
                    "对账完成：已到账 %(paid)s 笔 %(paid_total)s 元，发放失败 %(failed)s 笔 %(failed_total)s 元"
                )
                % {
                    "paid": result.paid,
                    "paid_total": result.paid_total,
                    "failed": result.failed,
                    "failed_total": result.failed_total,
                },
            )
            return redirect("benefits:run", pk=run.pk)
    return _render_run(request, _run_or_404(pk), return_form=form, status=400)
