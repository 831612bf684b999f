"""The Celery app of the example: `celery -A notesite worker` and
`celery -A notesite beat` find it here. Its settings are Django's CELERY_*
settings, so the worker runs the same settings module as the web app."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notesite.settings")

app = Celery("notesite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
