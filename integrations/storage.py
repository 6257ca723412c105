"""Private file storage: uploaded documents (CVs) that no web server ever serves.

Files live under CC_DATA_DIR/private/<tenant_id>/<folder>/<random>.<ext>. The database
keeps the key (the path relative to the private root); a file is read back only through a
service that has checked the actor. Names are random, so nothing is guessable from a key,
and the user's file name never reaches the file system. Size limits and content checks
belong to the calling service (it knows the rules); this module only stores bytes.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from integrations.settings import get_settings

_FOLDER_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_EXT_RE = re.compile(r"^[a-z0-9]{1,8}$")
_KEY_RE = re.compile(r"^(\d+)/([a-z][a-z0-9_]{0,30})/([A-Za-z0-9_-]{20,64})\.([a-z0-9]{1,8})$")


def private_root() -> Path:
    return get_settings().data_dir / "private"


def _path_of(tenant_id: int, key: str) -> Path:
    """The file of a key, refusing any key that is not one of this tenant's."""
    m = _KEY_RE.match(key or "")
    if m is None or int(m.group(1)) != tenant_id:
        raise ValueError("not a storage key of this tenant")
    return private_root() / key


def save_private(tenant_id: int, folder: str, data: bytes, *, ext: str) -> str:
    """Write `data` atomically under a fresh random name; returns the key to store."""
    if not isinstance(tenant_id, int) or tenant_id <= 0:
        raise ValueError("tenant id required")
    if not _FOLDER_RE.match(folder) or not _EXT_RE.match(ext):
        raise ValueError("bad folder or extension")
    key = f"{tenant_id}/{folder}/{secrets.token_urlsafe(24)}.{ext}"
    path = _path_of(tenant_id, key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Write to a temporary file in the same folder, flush it to disk, then rename: a reader
    # (or a crash) never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def read_private(tenant_id: int, key: str) -> bytes:
    return _path_of(tenant_id, key).read_bytes()


def exists_private(tenant_id: int, key: str) -> bool:
    return _path_of(tenant_id, key).is_file()


def delete_private(tenant_id: int, key: str | None) -> None:
    """Remove a stored file; a missing file (already removed) is not an error."""
    if key:
        _path_of(tenant_id, key).unlink(missing_ok=True)
