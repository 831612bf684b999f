from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from .models import Note


def index(request):
    return render(request, "notes/index.html", {"notes": Note.objects.all()[:20], "release": settings.RELEASE})


def release(request):
    """Which release answers, without touching the database: a cheap probe
    for load balancers and for watching a deploy."""
    return HttpResponse(settings.RELEASE + "\n", content_type="text/plain")
