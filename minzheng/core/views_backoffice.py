from django.http import Http404


def reveal(request, model, pk, field):
    raise Http404


def job_detail(request, pk):
    raise Http404


def job_progress_fragment(request, pk):
    raise Http404
