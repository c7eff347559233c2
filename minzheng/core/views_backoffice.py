"""Back-office fragments and pages of the core: revealing a masked value, a job's progress."""

from django.apps import apps
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import get_visible_or_404

from .backoffice import render_page, staff_page
from .models import Job
from .reveal import REVEALABLE, reveal_field


@require_POST
@staff_page(Capability.REGISTRY_VIEW)
def reveal(request, model, pk, field):
    """htmx: swap a masked value for the full one (audited); 403 for roles without the right."""
    if field not in REVEALABLE.get(model, {}):
        raise Http404
    model_class = apps.get_model(model)
    obj = get_visible_or_404(request.user, model_class.objects.all(), pk=pk)
    value = reveal_field(obj, field, actor=request.user)
    return HttpResponse(
        format_html('<span class="mz-masked mz-revealed" id="reveal-{}-{}">{}</span>', field, pk, value)
    )


def _job_for(request, pk) -> Job:
    job = get_object_or_404(Job.objects.select_related("started_by"), pk=pk)
    if job.started_by_id != request.user.pk and not has_capability(request.user, Capability.AUDIT_VIEW):
        raise Http404
    return job


@staff_page(Capability.JOBS_VIEW)
def job_detail(request, pk):
    job = _job_for(request, pk)
    return render_page(request, "backoffice/job.html", {"job": job}, title=f"后台任务 #{job.pk}")


@staff_page(Capability.JOBS_VIEW)
def job_progress_fragment(request, pk):
    job = _job_for(request, pk)
    return render(request, "backoffice/job_progress.html", {"job": job})
