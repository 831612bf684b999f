"""Settings for the example project, read from the environment.

Everything that differs between a laptop and production comes from
environment variables, so the same code runs in both places and secrets never
live in the repository. The deployment writes these variables to a file that
only the app's group can read.
"""
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

# The deployment writes the release id into REVISION; shown on every page so
# anyone can tell which release answered.
try:
    RELEASE = (BASE_DIR / "REVISION").read_text().strip()
except OSError:
    RELEASE = "development"


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url):
    """Turn postgres://user:password@host:port/name?sslmode=... into DATABASES."""
    parts = urlsplit(url)
    if parts.scheme in {"sqlite", "sqlite3"}:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parts.path[1:] or BASE_DIR / "db.sqlite3"}
    options = dict(
        pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair
    )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": parts.port or "",
        "OPTIONS": {key: unquote(value) for key, value in options.items()},
        # A persistent connection per worker: without it every request pays a
        # new PostgreSQL connection and its SCRAM handshake.
        "CONN_MAX_AGE": int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }


SECRET_KEY = os.environ["DJANGO_SECRET_KEY"] if not env_bool("DJANGO_DEBUG") else os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-development-key"
)
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "notesite.urls"
WSGI_APPLICATION = "notesite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files are collected into the release itself and served by nginx.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names let nginx cache static files for a year.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# Uploads live outside the release so they survive every deploy.
MEDIA_URL = "media/"
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media"))

# Or in an S3-compatible bucket (django-storages, from
# requirements-cloud.txt), where one is named: static files public under
# hashed names (the live release's stay beside a new release's), uploads
# private behind signed links, the same for every web host. The keys come
# from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
BUCKET = os.environ.get("DJANGO_BUCKET", "")
if BUCKET:
    _bucket = {
        "bucket_name": BUCKET,
        "endpoint_url": os.environ.get("DJANGO_BUCKET_ENDPOINT_URL") or None,
        "region_name": os.environ.get("DJANGO_BUCKET_REGION", "us-east-1"),
        "addressing_style": "path",
    }
    if env_bool("DJANGO_STATIC_IN_BUCKET"):
        # Nothing is collected on disk: collectstatic uploads.
        STATIC_ROOT = None
        STORAGES["staticfiles"] = {
            "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
            "OPTIONS": {**_bucket, "location": "static", "default_acl": "public-read", "querystring_auth": False},
        }
    if env_bool("DJANGO_MEDIA_IN_BUCKET"):
        STORAGES["default"] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_bucket, "location": "media", "file_overwrite": False},
        }

# POST /notes/ (a note with an attachment, no login): for trying uploads
# from a script. Off unless asked.
OPEN_UPLOADS = env_bool("DJANGO_OPEN_UPLOADS")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Behind nginx, which sets X-Forwarded-Proto itself.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Switch these on once the site is only reachable over HTTPS.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")

# Background tasks (Celery, see notesite/celery.py and notes/tasks.py), only
# where a broker is configured: the example runs without one too.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One task at a time per worker process, acknowledged when it finished: a
# worker that dies mid-task leaves it to the broker to hand out again.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
# What the scheduler (celery beat) sends: a heartbeat every 30 seconds.
CELERY_BEAT_SCHEDULE = {"heartbeat": {"task": "notes.tasks.heartbeat", "schedule": 30.0}}
