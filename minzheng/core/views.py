from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def home(request):
    return redirect("admin:index")
