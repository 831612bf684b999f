# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a directory source ships, and its fingerprint.

One walk of the tree decides both what goes into a release (the packing
step is given exactly this list) and the fingerprint that decides whether a
release is needed, so the two can never disagree.

Exclude patterns are matched against paths relative to the source's top,
with ``/`` between names:

- ``media`` or ``/media``: the folder (or file) ``media`` at the top only;
  ``app/fixtures/media`` is kept;
- ``app/local_settings.py``: that one path;
- ``*``, ``?`` and ``[...]`` match within one name, never across ``/``
  (``*.sqlite3`` is a file at the top);
- a leading ``**/`` matches at any depth: ``**/__pycache__``,
  ``**/*.pyc``, ``**/node_modules``.

Excluding a folder excludes everything in it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import hashlib
import os
import stat
import tarfile

_CHUNK = 1024 * 1024
_ANY_DEPTH = "**/"


def _split(pattern):
    return [part for part in pattern.strip().strip("/").split("/") if part]


def _match_parts(parts, pattern_parts):
    """True when the leading names of ``parts`` match ``pattern_parts``."""
    if len(parts) < len(pattern_parts):
        return False
    return all(fnmatch.fnmatchcase(name, pat) for name, pat in zip(parts, pattern_parts))


def is_excluded(relpath, patterns):
    """True when ``relpath`` (relative, ``/``-separated) or a folder above
    it matches one of ``patterns`` (syntax in this module's docstring)."""
    parts = [part for part in relpath.split("/") if part]
    for pattern in patterns:
        anywhere = pattern.startswith(_ANY_DEPTH)
        pattern_parts = _split(pattern[len(_ANY_DEPTH):] if anywhere else pattern)
        if not pattern_parts:
            continue
        starts = range(len(parts)) if anywhere else [0]
        if any(_match_parts(parts[start:], pattern_parts) for start in starts):
            return True
    return False


def bad_patterns(patterns):
    """The patterns that could never mean what their writer wanted: empty
    ones, and ones that climb out of the source (``..``)."""
    bad = []
    for pattern in patterns:
        body = pattern[len(_ANY_DEPTH):] if pattern.startswith(_ANY_DEPTH) else pattern
        parts = _split(body)
        if not parts or ".." in parts or "**" in parts:
            bad.append(pattern)
    return bad


def check_patterns(patterns):
    """Raise ValueError naming the patterns bad_patterns() finds."""
    bad = bad_patterns(patterns)
    if bad:
        raise ValueError(
            "exclude patterns must name paths inside the source, without '..' or a bare '**': %s"
            % ", ".join(repr(pattern) for pattern in bad)
        )


def one_directory(terms, exclude=()):
    """The one directory a lookup was given, checked with its exclude
    patterns; ValueError says what is wrong."""
    check_patterns(exclude)
    if len(terms) != 1:
        raise ValueError("give exactly one directory")
    path = os.path.expanduser(terms[0])
    if not os.path.isdir(path):
        raise ValueError("%s is not a directory on the controller" % path)
    return path


def entries(root, exclude=()):
    """Yield ``(kind, relpath, fullpath)`` for every kept entry below
    ``root`` in a stable order; kind is ``d`` (folder), ``f`` (file) or
    ``l`` (link, never followed). Other kinds (sockets, fifos) are skipped."""
    for current, dirs, files in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(current, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        kept = []
        for name in sorted(dirs):
            rel = rel_dir + "/" + name if rel_dir else name
            if is_excluded(rel, exclude):
                continue
            full = os.path.join(current, name)
            if os.path.islink(full):
                files.append(name)  # listed as a link, never walked
                continue
            kept.append(name)
            yield "d", rel, full
        dirs[:] = kept
        for name in sorted(files):
            rel = rel_dir + "/" + name if rel_dir else name
            if is_excluded(rel, exclude):
                continue
            full = os.path.join(current, name)
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                yield "l", rel, full
            elif stat.S_ISREG(mode):
                yield "f", rel, full


def _hash_file(path, digest):
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)


def file_sha256(path):
    """The hexadecimal SHA-256 of one file's content, read in chunks."""
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


def tree_digest(root, exclude=()):
    """SHA-256 (hex) of a directory tree (relative paths, contents, the
    executable bit, link targets), or of one file as a whole."""
    if os.path.isfile(root):
        digest = hashlib.sha256(b"file\0")
        _hash_file(root, digest)
        return digest.hexdigest()
    if not os.path.isdir(root):
        raise ValueError("%s is neither a directory nor a file" % root)
    digest = hashlib.sha256(b"tree\0")
    for kind, rel, full in entries(root, exclude):
        name = rel.encode("utf-8", "surrogateescape")
        if kind == "d":
            digest.update(b"d\0" + name + b"\0")
        elif kind == "l":
            target = os.readlink(full).encode("utf-8", "surrogateescape")
            digest.update(b"l\0" + name + b"\0" + target + b"\0")
        else:
            executable = b"x" if os.lstat(full).st_mode & stat.S_IXUSR else b"-"
            digest.update(b"f\0" + name + b"\0" + executable + b"\0")
            _hash_file(full, digest)
            digest.update(b"\0")
    return digest.hexdigest()


def file_list(root, exclude=()):
    """Every kept path below ``root``, relative, folders included (so that
    empty folders are shipped too): what the packing step archives."""
    return [rel for kind, rel, full in entries(root, exclude)]


def pack(root, dest, exclude=()):
    """Write to ``dest`` a gzip-compressed tar of exactly ``file_list(root,
    exclude)``: folders (empty ones too), files with their modes, links as
    links. gzip's default level, as ``tar -z`` uses."""
    with tarfile.open(dest, "w:gz", compresslevel=6) as archive:
        for kind, rel, full in entries(root, exclude):
            archive.add(full, arcname=rel, recursive=False)
    return dest


def code_mode(mode):
    """The mode an unpacked path of a release gets, from the mode it had in
    the archive: the owner (root) reads and writes, everybody reads, and
    whatever was executable, or is a folder, is executable by all
    (``u+rwX,go+rX,go-w``). Nobody else writes code, and no set-id or
    sticky bit survives."""
    executable = stat.S_ISDIR(mode) or bool(mode & 0o111)
    return 0o755 if executable else 0o644
