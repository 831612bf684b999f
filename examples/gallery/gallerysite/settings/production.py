"""Production: everything secret or host-specific comes from the environment,
under this project's own names (not DJANGO_*)."""
import os

from .base import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import

# Compared with the text "True", as some projects do (others want "true",
# "1" or "on"): the deployment refuses an unquoted YAML true/false rather
# than guess which text this project expects.
DEBUG = os.environ.get("GALLERY_DEBUG", "False") == "True"
SECRET_KEY = os.environ["GALLERY_SECRET_KEY"]
ALLOWED_HOSTS = [h for h in os.environ.get("GALLERY_ALLOWED_HOSTS", "").split(",") if h]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["DB_NAME"],
        "USER": os.environ["DB_USER"],
        "PASSWORD": os.environ["DB_PASSWORD"],
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": os.environ.get("DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
    }
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
