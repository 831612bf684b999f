"""Local development: never deploy these."""
from .base import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import
from .base import BASE_DIR

DEBUG = True
SECRET_KEY = "django-insecure-committed-to-the-repository-for-development-only"
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
