"""Writing an output file the user named: atomically where it is a file, in place where it is
not.

A temporary file renamed over the destination means a reader never sees half a file and a
crash leaves the old one. That is wrong for a device or a pipe: renamed over ``/dev/null``,
the temporary file replaced the device itself (as root, for the whole machine).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from vigil.errors import InvalidInput


def is_special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file or a folder (a device, a pipe)."""
    try:
        mode = path.stat().st_mode  # follows links: a link to /dev/null is special too
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def refuse_special(out: Path, field: str) -> None:
    """For archives, which must be files (a digest, a mode, a later read): a clear error for
    ``/dev/null`` or a pipe instead of a device replaced by a regular file."""
    if is_special(out):
        raise InvalidInput(f"{out} is a device or a pipe, not a file", field=field)


def temporary_beside(out: Path) -> tuple[Path, Path]:
    """(the real destination, a new empty temporary file in its folder): through a symbolic
    link the link's target is replaced and the link kept."""
    target = out.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    return target, Path(name)


def write_output(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out``: in place for a device or pipe, else atomically and durably
    (written, flushed to disk, then renamed over the destination)."""
    if is_special(out):
        with out.open("wb") as f:
            f.write(data)
        return
    target, tmp = temporary_beside(out)
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
