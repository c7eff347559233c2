from django.http import Http404


def household_file(request, pk):
    raise Http404
