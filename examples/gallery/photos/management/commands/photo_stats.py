"""A long-running command, the shape of `process_queue --loop`: with
--loop it logs how many pictures the gallery holds every --every seconds
until it is told to stop (SIGTERM or SIGINT), then finishes its round and
exits cleanly."""
import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from photos.models import Photo


class Command(BaseCommand):
    help = "Log the gallery's picture count, once or in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep logging until stopped")
        parser.add_argument("--every", type=float, default=10.0, help="seconds between rounds")

    def handle(self, *args, **options):
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        try:
            release = (Path(settings.BASE_DIR) / "REVISION").read_text().strip()
        except OSError:
            release = "development"
        while True:
            self.stdout.write("photo_stats: release %s counts %d pictures" % (release, Photo.objects.count()))
            self.stdout.flush()
            if not options["loop"]:
                return
            deadline = time.monotonic() + options["every"]
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
            if stopping:
                self.stdout.write("photo_stats: release %s stops" % release)
                return
