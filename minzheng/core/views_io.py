"""Back-office import and export: upload a file (run as a job), download templates and exports."""

import tempfile
import uuid
from pathlib import Path

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability

from .backoffice import render_page, staff_page
from .datasets import (
    UnknownDataset,
    all_datasets,
    export_dataset,
    get_dataset,
    import_upload_dir,
    write_template,
)
from .jobs import start_job
from .models import Job

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": "text/csv; charset=utf-8"}
MAX_UPLOAD_MB = 100


class ImportForm(forms.Form):
    dataset = forms.ChoiceField(label="数据集")
    file = forms.FileField(label="文件", help_text="XLSX 或 CSV（UTF-8 或 GB18030 编码），第1行为表头")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(d.name, d.title) for d in all_datasets()]
        for bound in self.fields.values():
            bound.widget.attrs["class"] = "border border-base-200 rounded-default px-3 py-2 dark:bg-base-900"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in {".xlsx", ".csv"}:
            raise forms.ValidationError("只能上传 .xlsx 或 .csv 文件（旧版 .xls 请先另存为 .xlsx）")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"文件不能超过{MAX_UPLOAD_MB}MB，请分成几个文件导入")
        return upload


def _dataset_or_404(name: str):
    try:
        return get_dataset(name)
    except UnknownDataset:
        raise Http404


@staff_page(Capability.DATA_EXPORT)
def import_page(request):
    """Choose a data set, download its template, upload a file (the import runs as a job); export."""
    can_import = has_capability(request.user, Capability.DATA_IMPORT)
    if request.method == "POST" and not can_import:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        folder = import_upload_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
        with open(stored, "wb") as handle:
            for piece in upload.chunks():
                handle.write(piece)
        job = start_job(
            "import_data",
            actor=request.user,
            params={
                "dataset": form.cleaned_data["dataset"],
                "path": stored.name,
                "filename": upload.name[:100],
            },
        )
        return redirect("backoffice:job", pk=job.pk)
    recent = Job.objects.filter(kind="import_data", started_by=request.user).order_by("-created_at", "-id")[
        :10
    ]
    return render_page(
        request,
        "backoffice/import.html",
        {
            "form": form,
            "datasets": all_datasets(),
            "recent_jobs": recent,
            "can_import": can_import,
            "can_export": has_capability(request.user, Capability.DATA_EXPORT),
            "can_export_unmasked": has_capability(request.user, Capability.DATA_EXPORT_UNMASKED),
        },
        title="批量导入与导出",
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.DATA_IMPORT)
def import_template(request, dataset):
    ds = _dataset_or_404(dataset)
    handle = tempfile.TemporaryFile()
    write_template(ds.name, handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{ds.title}导入模板.xlsx", content_type=XLSX_TYPE
    )


@staff_page(Capability.DATA_EXPORT)
def export_view(request, dataset):
    """Download the data set as XLSX (default) or CSV (`?format=csv`); `?unmasked=1` needs the right."""
    ds = _dataset_or_404(dataset)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in CONTENT_TYPES:
        raise Http404
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked and not has_capability(request.user, Capability.DATA_EXPORT_UNMASKED):
        raise PermissionDenied
    handle = tempfile.TemporaryFile()
    export_dataset(ds.name, handle, actor=request.user, fmt=fmt, unmasked=unmasked)
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = "" if unmasked else "（脱敏）"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{ds.title}{suffix}-{stamp}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
