"""Prove that a release imports, and report the settings the web server needs.

Run inside the release directory, with the release's virtualenv, as the app
user and with the app's environment:

    probe.py SETTINGS_MODULE WSGI_APP [--check-deploy=FAIL_LEVEL] [--plan]
             [--healthcheck=PATH] [--once=COMMANDS_JSON [--rerun=NAMES_JSON]]
             [--backup-database=ALIAS]

Loads the settings, the WSGI callable and the URLconf; fingerprints the
static sources; tells whether the static and default storages are remote
(an object store: no folder on this host); with --healthcheck proves the
health check path leads to a view (so a wrong path is found before
anything is migrated); with
--check-deploy runs Django's deployment checks; with --plan lists the
migrations `migrate` would apply (which also proves the database is
reachable); with --once lists the once-only commands not yet recorded in
the database (see once.py); with --backup-database what the backup
before migrations needs to know of that database (see backup.py). All in
one start-up of Django.

Prints one JSON object. Exit status 1 when a step fails; the object then
names the stage and the error.
"""

import hashlib
import importlib
import importlib.util
import io
import json
import os
import sys
import traceback


def static_digest(settings):
    """Fingerprint what collectstatic would collect: every file the static
    finders list (path and content) and the storage that post-processes them.
    Equal digests mean collectstatic would produce the same static root."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    storages = getattr(settings, "STORAGES", {}) or {}
    digest.update(repr(storages.get("staticfiles", getattr(settings, "STATICFILES_STORAGE", ""))).encode())
    digest.update(repr(settings.STATIC_URL).encode())
    found = {}
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None) or ""
            name = os.path.join(prefix, path)
            if name not in found:  # the first finder wins, as in collectstatic
                found[name] = storage.path(path)
    for name in sorted(found):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        with open(found[name], "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def storage_is_remote(alias):
    """True when the storage ALIAS ("staticfiles" or "default") keeps its
    files somewhere other than this host's disk (django-storages' S3Storage,
    say): collectstatic then uploads them, once for every host, and the web
    server has no folder to serve. Any FileSystemStorage (Django's own,
    ManifestStaticFilesStorage, WhiteNoise's) is local. A storage that reads
    its manifest when it is made (S3ManifestStaticStorage) reaches the
    bucket here: one that cannot be reached stops the release now."""
    from django.core.files.storage import FileSystemStorage

    try:
        from django.core.files.storage import storages  # Django 4.2 and later
    except ImportError:
        from django.contrib.staticfiles.storage import staticfiles_storage
        from django.core.files.storage import default_storage

        storage = staticfiles_storage if alias == "staticfiles" else default_storage
    else:
        storage = storages[alias]
    return not isinstance(storage, FileSystemStorage), "%s.%s" % (type(storage).__module__, type(storage).__qualname__)


def deploy_checks(fail_level):
    """Run `check --deploy`; returns its messages, raises when they fail."""
    from django.core.management import call_command

    output, errors = io.StringIO(), io.StringIO()
    try:
        call_command("check", deploy=True, fail_level=fail_level, stdout=output, stderr=errors)
    except Exception as exc:
        raise RuntimeError("%s\n%s" % (exc, errors.getvalue()))
    return (errors.getvalue() + output.getvalue()).strip()


def pending_migrations():
    """The migrations `migrate` would apply, as app_label.name."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    connection.prepare_database()
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return ["%s.%s" % (migration.app_label, migration.name) for migration, backwards in plan]


def database_facts(alias):
    """What the backup before migrations needs to know of the database
    ALIAS: whether it holds any table (an empty one needs no dump) and, for
    PostgreSQL, the server's major version and the newest pg_dump's here
    (pg_dump refuses a server newer than itself)."""
    from django.db import connections

    # By its path: a project may well have a module named backup.
    spec = importlib.util.spec_from_file_location("deployment_django_backup", os.path.join(os.path.dirname(os.path.abspath(__file__)), "backup.py"))
    backup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backup)

    connection = connections[alias]
    facts = {"alias": alias, "vendor": connection.vendor, "tables": len(connection.introspection.table_names())}
    if connection.vendor == "postgresql":
        facts["server_major"] = connection.pg_version // 10000
        facts["pg_dump_major"] = backup.client_major(backup.installed_clients())
    return facts


def healthcheck_resolves(path):
    """True when PATH (or PATH/, which APPEND_SLASH redirects to, or PATH
    under the default language's prefix, which LocaleMiddleware redirects
    to) leads to a view of the URLconf."""
    from django.conf import settings
    from django.urls import Resolver404, resolve
    from django.utils import translation

    path = path.split("?", 1)[0] or "/"
    candidates = [path]
    if getattr(settings, "APPEND_SLASH", True) and not path.endswith("/"):
        candidates.append(path + "/")
    language = getattr(settings, "LANGUAGE_CODE", "") or ""
    if language and "django.middleware.locale.LocaleMiddleware" in getattr(settings, "MIDDLEWARE", []):
        candidates += ["/%s%s" % (language, candidate) for candidate in list(candidates)]
    for candidate in candidates:
        try:
            with translation.override(language or None):
                resolve(candidate)
            return True
        except Resolver404:
            continue
    return False


def main(settings_module, wsgi_app, options=()):
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    stage = "settings"
    try:
        import django
        from django.conf import settings

        settings.INSTALLED_APPS  # imports the settings module
        stage = "wsgi"
        module_name, attribute = (wsgi_app.split(":", 1) + [""])[:2]
        module = importlib.import_module(module_name)
        application = getattr(module, attribute or "application")
        if not callable(application):
            raise TypeError("%s is not callable" % wsgi_app)
        # URLconfs load on the first request: load them now, so that an
        # import error in urls.py or a view module stops the release here.
        stage = "urls"
        from django.urls import get_resolver

        get_resolver().url_patterns
        stage = "static files"
        static_files = "django.contrib.staticfiles" in settings.INSTALLED_APPS
        digest = static_digest(settings) if static_files else ""
        stage = "storages"
        static_remote, static_storage = storage_is_remote("staticfiles") if static_files else (False, "")
        media_remote, media_storage = storage_is_remote("default")
        checks, pending, once_due, database = "", [], [], {}
        values = dict(option.split("=", 1) for option in options if "=" in option)
        if "--healthcheck" in values:
            stage = "health check path"
            if not healthcheck_resolves(values["--healthcheck"]):
                raise LookupError(
                    "%s leads to no view of the project's URLconf: set the health check path "
                    "(app_healthcheck_path, or django_release_healthcheck_path) to a page the site serves"
                    % values["--healthcheck"]
                )
        for option in options:
            if option.startswith("--check-deploy="):
                stage = "check --deploy"
                checks = deploy_checks(option.split("=", 1)[1])
            elif option == "--plan":
                stage = "migrations"
                pending = pending_migrations()
        if "--once" in values:
            stage = "once-only commands"
            import once
            from django.db import connection

            once_due = once.due(connection, json.loads(values["--once"]), json.loads(values.get("--rerun", "[]")))
        if "--backup-database" in values:
            stage = "backup database"
            database = database_facts(values["--backup-database"])
    except Exception as exc:  # report every failure the same way
        traceback.print_exc()
        print(json.dumps({"ok": False, "stage": stage, "error": "%s: %s" % (type(exc).__name__, exc)}))
        return 1

    print(
        json.dumps(
            {
                "ok": True,
                "django_version": django.get_version(),
                "settings_module": os.environ["DJANGO_SETTINGS_MODULE"],
                "debug": bool(settings.DEBUG),
                "static_url": settings.STATIC_URL or "",
                # No folder on this host when the files live in a remote
                # storage, whatever STATIC_ROOT and MEDIA_ROOT still say.
                "static_root": "" if static_remote else str(settings.STATIC_ROOT or ""),
                "static_remote": static_remote,
                "static_storage": static_storage,
                "media_url": settings.MEDIA_URL or "",
                "media_root": "" if media_remote else str(settings.MEDIA_ROOT or ""),
                "media_remote": media_remote,
                "media_storage": media_storage,
                "static_digest": digest,
                "checks": checks,
                "pending_migrations": pending,
                "once_due": once_due,
                "database": database,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
