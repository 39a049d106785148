"""Backup and restore of the embedded default: SQLite database, vault and (optionally) keys.

The database is copied with SQLite's online backup API, so a running server's WAL is included
and the copy is consistent. The archive carries a manifest of SHA-256 hashes that restore checks
before anything is written into place.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vigil import __version__
from vigil.clock import utcnow
from vigil.errors import ConfigurationError, IntegrityError, InvalidInput
from vigil.outputs import refuse_special
from vigil.settings import VigilSettings

MANIFEST = "vigil-backup.json"
DATABASE_NAME = "vigil.sqlite3"
FORMAT_VERSION = 1
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    bytes: int
    included_keys: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(settings: VigilSettings) -> Path:
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        raise ConfigurationError(
            "vigil backup covers the embedded SQLite database; for PostgreSQL use pg_dump "
            "(docs/deployment.md) and back up the data folder"
        )
    return Path(url.removeprefix("sqlite:///"))


def _snapshot_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def create_backup(settings: VigilSettings, out: Path, *, include_keys: bool) -> BackupSummary:
    refuse_special(out, "out")
    database = _sqlite_path(settings)
    if not database.exists():
        raise ConfigurationError("there is no database to back up yet (run `vigil db upgrade`)")
    entries: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="vigil-backup-") as tmp:
        snapshot = Path(tmp) / DATABASE_NAME
        _snapshot_database(database, snapshot)
        entries.append((DATABASE_NAME, snapshot))
        folders = ["vault"] + (["keys"] if include_keys else [])
        for folder in folders:
            root = settings.home / folder
            for path in sorted(root.rglob("*")) if root.exists() else []:
                if path.is_file() and not path.is_symlink():
                    entries.append((path.relative_to(settings.home).as_posix(), path))
        manifest = {
            "format": FORMAT_VERSION,
            "vigil_version": __version__,
            "created_at": utcnow().isoformat(),
            "includes_keys": include_keys,
            "files": {name: _sha256(path) for name, path in entries},
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(data))
            for name, path in entries:
                archive.add(path, arcname=name, recursive=False)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(out)
        out.chmod(0o600)
    size = sum(path.stat().st_size for _, path in entries[1:]) + out.stat().st_size
    return BackupSummary(out, len(entries), size, include_keys)


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise IntegrityError(f"backup contains an unsafe path: {name!r}")
    return path


#: Largest manifest read; a real one lists a few thousand files in well under 1 MiB.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


def _read_manifest(archive: tarfile.TarFile) -> dict[str, str]:
    first = archive.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise InvalidInput("not a Vigil backup: the manifest is missing")
    if first.size > MAX_MANIFEST_BYTES:
        raise InvalidInput("not a Vigil backup: the manifest is too large")
    handle = archive.extractfile(first)
    assert handle is not None
    try:
        files = json.loads(handle.read())["files"]
    except (ValueError, TypeError, KeyError, RecursionError):
        raise InvalidInput("not a Vigil backup: the manifest is malformed") from None
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise InvalidInput("not a Vigil backup: the manifest is malformed")
    return files


def restore_backup(settings: VigilSettings, archive_path: Path, *, force: bool = False) -> int:
    """Restore into ``settings.home``; refuses a folder that already holds a database."""
    database = _sqlite_path(settings)
    if database.exists() and not force:
        raise InvalidInput(
            f"{settings.home} already holds a database; restore into an empty "
            "data folder (or pass --force)"
        )
    try:
        archive = tarfile.open(archive_path, "r:gz")  # noqa: SIM115  (closed by the with below)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise InvalidInput(f"not a Vigil backup: {exc}") from None
    with (
        archive,
        tempfile.TemporaryDirectory(
            prefix="vigil-restore-",
            dir=settings.home.parent if settings.home.parent.exists() else None,
        ) as tmp,
    ):
        # Read the archive once, in order (the manifest is written first): a member the
        # manifest does not list stops the restore before any more is decompressed.
        try:
            expected = _read_manifest(archive)
            staging = Path(tmp)
            room = shutil.disk_usage(staging).free
            for item in archive:  # from the first member again, the manifest included
                if item.name == MANIFEST and item.offset == 0:
                    continue
                relative = _safe_name(item.name)
                if not item.isfile() or item.name not in expected:
                    raise IntegrityError(
                        f"backup holds a file the manifest does not list: {item.name}"
                    )
                room -= item.size
                if room < 0:
                    raise InvalidInput("not enough free disk space to restore this backup")
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                source = archive.extractfile(item)
                assert source is not None
                with target.open("wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
        except (EOFError, tarfile.TarError, gzip.BadGzipFile, zlib.error) as exc:
            raise InvalidInput(f"not a Vigil backup: damaged archive ({exc})") from None
        for name, digest in expected.items():
            path = staging / _safe_name(name)
            if not path.exists():
                raise IntegrityError(f"backup is missing {name}")
            if _sha256(path) != digest:
                raise IntegrityError(f"backup file {name} does not match its hash")
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in expected:
            staged = staging / _safe_name(name)
            final = settings.home / _safe_name(name)
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if name.startswith("keys/"):
                staged.chmod(0o600)
            os.replace(staged, final)
        for suffix in ("-wal", "-shm"):  # a stale WAL beside the restored file would corrupt it
            stale = database.with_name(database.name + suffix)
            stale.unlink(missing_ok=True)
        return len(expected)
