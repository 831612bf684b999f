"""WSGI entry point. As in many real projects, it falls back to the
development settings when DJANGO_SETTINGS_MODULE is not set: a server that
forgets to set it shows debug pages to the world."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gallerysite.settings.development")

application = get_wsgi_application()
