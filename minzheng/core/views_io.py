# Placeholder: replaced by the import/export pages (being written now).
from django.http import Http404


def import_page(request):
    raise Http404


def import_template(request, dataset):
    raise Http404


def export_view(request, dataset):
    raise Http404
