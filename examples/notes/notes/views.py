import os
import socket

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Note


def index(request):
    return render(request, "notes/index.html", {"notes": Note.objects.all()[:20], "release": settings.RELEASE})


def release(request):
    """Which release answers, without touching the database: a cheap probe
    for load balancers and for watching a deploy."""
    return HttpResponse(settings.RELEASE + "\n", content_type="text/plain")


def _celery():
    """The Celery app, where a broker is configured (celery installed)."""
    if not settings.CELERY_BROKER_URL:
        raise Http404("no task broker configured")
    from notesite.celery import app

    return app


@csrf_exempt
@require_POST
def queue_task(request):
    """Queue a task that answers which release ran it (POST hold=1: one that
    runs until a deploy switches the worker's host). A demonstration: a real
    project would protect this."""
    _celery()
    from .tasks import whoami

    result = whoami.delay(hold=request.POST.get("hold") == "1")
    return JsonResponse({"id": result.id, "queued_by": settings.RELEASE}, status=202)


def task_result(request, task_id):
    from celery.result import AsyncResult

    result = AsyncResult(task_id, app=_celery())
    return JsonResponse({"state": result.state, "result": result.result if result.successful() else None})


def _uploads_open():
    if not settings.OPEN_UPLOADS:
        raise Http404("uploads from scripts are off (DJANGO_OPEN_UPLOADS)")


@csrf_exempt
@require_POST
def add_note(request):
    """A note whose attachment is the request's body (?title=...&name=...),
    stored by the default storage. A demonstration: a real project would
    protect this."""
    _uploads_open()
    name = os.path.basename(request.GET.get("name", "")) or "attachment.txt"
    note = Note.objects.create(title=request.GET.get("title", name), attachment=ContentFile(request.body, name=name))
    return JsonResponse({"id": note.pk, "name": note.attachment.name, "url": note.attachment.url}, status=201)


def note_attachment(request, pk):
    """The attachment of note PK as this web host's app reads it from the
    default storage, and the host that answered."""
    _uploads_open()
    note = get_object_or_404(Note, pk=pk)
    with note.attachment.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/octet-stream")
    response["X-Read-By"] = socket.gethostname()
    return response
