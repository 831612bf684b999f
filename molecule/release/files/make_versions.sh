#!/bin/sh
# Write every version of the example project the release story deploys:
#   make_versions.sh EXAMPLE_DIR DEST
set -eu
src=$1
dest=$2
rm -rf "$dest"
mkdir -p "$dest"

version() { # version NAME FROM: copy FROM into NAME
    cp -r "$dest/$2" "$dest/$1"
}

# Good releases, each on top of the one before.
cp -r "$src" "$dest/code"
sed -i 's/Hello from the notes example/Hello from the code-only release/' "$dest/code/notes/templates/notes/index.html"

version requirements code
echo 'idna==3.10' >> "$dest/requirements/requirements.txt"

version migration requirements
# Expand: a new column with a database default, so the release before this
# one (which does not know the column) can still insert rows.
sed -i 's/^    created = .*/&\n    pinned = models.BooleanField(default=False, db_default=False)/' "$dest/migration/notes/models.py"
cat > "$dest/migration/notes/migrations/0002_note_pinned.py" <<'PY'
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [
        migrations.AddField(model_name="note", name="pinned", field=models.BooleanField(default=False, db_default=False)),
    ]
PY

# Bad releases, each a change on top of the migration release.
version broken-urls migration
sed -i 's/^urlpatterns = \[/&\n    path("broken\/", views.no_such_view),/' "$dest/broken-urls/notesite/urls.py"

version broken-settings migration
echo 'raise RuntimeError("these settings cannot import")' >> "$dest/broken-settings/notesite/settings.py"

version failing-migration migration
sed -i 's/^    pinned = .*/&\n    colour = models.CharField(max_length=20, null=True)/' "$dest/failing-migration/notes/models.py"
cat > "$dest/failing-migration/notes/migrations/0003_note_colour.py" <<'PY'
from django.db import migrations, models


def fail(apps, schema_editor):
    raise RuntimeError("this migration fails on purpose")


class Migration(migrations.Migration):
    dependencies = [("notes", "0002_note_pinned")]
    operations = [
        migrations.AddField(model_name="note", name="colour", field=models.CharField(max_length=20, null=True)),
        migrations.RunPython(fail),
    ]
PY

version bad-requirement migration
echo 'deployment-django-no-such-package==1.0' >> "$dest/bad-requirement/requirements.txt"

# A C extension built from its source (no wheel taken): the host has no
# compiler unless app_build_tools asks for one.
version needs-compiler migration
printf -- '--no-binary ujson\nujson==5.10.0\n' >> "$dest/needs-compiler/requirements.txt"

version answers-500 migration
sed -i 's/^def index(request):/&\n    raise RuntimeError("every page of this release fails")/' "$dest/answers-500/notes/views.py"

version database-down migration
sed -i 's/Hello from the code-only release/Hello while the database is down/' "$dest/database-down/notes/templates/notes/index.html"
