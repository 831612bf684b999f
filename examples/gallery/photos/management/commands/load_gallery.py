"""Load the initial pictures: copy each image of photos/fixtures/media into
MEDIA_ROOT and record it. Not idempotent, like many real data-loading
commands: run it twice and every picture is there twice."""
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from photos.models import Photo

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "media"


class Command(BaseCommand):
    help = "Load the initial pictures of the gallery."

    def handle(self, *args, **options):
        images = sorted(FIXTURES.glob("*.png"))
        if not images:
            raise CommandError("no fixture images in %s" % FIXTURES)
        for path in images:
            with path.open("rb") as handle:
                # Into initial/, beside the dated folders of uploads: a
                # second run stores a second copy (initial/<name>_<random>).
                name = default_storage.save("initial/" + path.name, File(handle))
            photo = Photo.objects.create(title=path.stem.replace("-", " ").title(), image=name, source="fixture")
            self.stdout.write("loaded %s as %s" % (path.name, photo.image.name))
