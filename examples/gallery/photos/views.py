import hmac
import os

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# The slow import, paid at every start-up of the web app.
from . import slow_start  # noqa: F401 pylint: disable=unused-import
from .models import Photo


@login_required
def home(request):
    """Anonymous visitors are sent to the login page, as on many sites."""
    return render(request, "photos/home.html", {"photos": Photo.objects.all()})


@csrf_exempt
@require_POST
def upload(request):
    """Machine uploads (a camera, a script) with a shared token: stores the
    file in a dated folder and answers its URL."""
    token = os.environ.get("GALLERY_UPLOAD_TOKEN", "")
    given = request.headers.get("X-Upload-Token", "")
    if not token or not hmac.compare_digest(token, given):
        return HttpResponseForbidden("bad token\n")
    image = request.FILES["image"]
    photo = Photo.objects.create(title=request.POST.get("title", image.name), image=image, source="upload")
    return JsonResponse({"id": photo.id, "url": photo.image.url, "debug": settings.DEBUG})
