from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
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
