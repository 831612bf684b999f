"""A scheduled job's command: writes a note that sums up the last day's
notes, naming the release and host that wrote it."""
import socket
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from notes.models import Note


class Command(BaseCommand):
    help = "Write a digest note of the notes added in the last day."

    def handle(self, *args, **options):
        since = timezone.now() - timedelta(days=1)
        count = Note.objects.filter(created__gte=since).exclude(title__startswith="Digest by release").count()
        Note.objects.create(
            title="Digest by release %s" % settings.RELEASE,
            body="%d notes in the last day; written on %s." % (count, socket.gethostname()),
        )
        self.stdout.write("digest written by release %s: %d notes" % (settings.RELEASE, count))
