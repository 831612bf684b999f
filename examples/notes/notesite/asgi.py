"""ASGI entry point: Django's pages over HTTP, and the websocket routes of
notes/routing.py through Channels. An ASGI server (uvicorn, or gunicorn with
uvicorn's worker class) imports `application` from here."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notesite.settings")

# Django is set up first: the consumers import models and settings.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from notes.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # A browser's Origin must be one of ALLOWED_HOSTS: another site's
        # page cannot open a socket with the visitor's session.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
