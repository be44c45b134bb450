"""The reference cache: expected values on disk, so a warm run needs no TensorFlow.

One file per exercise and seed holds the references of all its cases. The file
name carries a fingerprint of everything that could change them - the
TensorFlow, SymPy and NumPy versions and the source of the specs, oracles and
formulas - so a stale entry is simply never looked up. Each file starts with
the SHA-256 of its payload; an entry that does not match (a torn write, a disk
error, an edit) is recomputed and rewritten. Writes are atomic (a temporary
file, then a rename), so parallel graders never read half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from grader import codec

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent


def default_folder() -> Path:
    """``$DLMK_CACHE_DIR``, else the user's cache folder (platformdirs)."""
    if os.environ.get("DLMK_CACHE_DIR"):
        return Path(os.environ["DLMK_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("dl-math-kit"))


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short hash of the library versions and the grader's reference code."""
    digest = hashlib.sha256()
    for package in ("tensorflow-cpu", "tensorflow", "keras", "sympy", "numpy"):
        digest.update(f"{package}={_version(package)};".encode())
    sources = sorted(_PACKAGE.glob("specs/*.py")) + sorted(
        _PACKAGE.glob("oracles/*.py")
    )
    for path in sources + [_PACKAGE / "formulas.py", _PACKAGE / "codec.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


class DiskCache:
    """Values stored by key in ``folder``; see the module docstring."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else default_folder()
        self._warned = False

    def path(self, key: str) -> Path:
        return self.folder / f"{key}-{fingerprint()}.npz"

    def load(self, key: str):
        """The stored value, or None when absent, corrupt or unreadable."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        checksum, payload = data[:64], data[64:]
        if hashlib.sha256(payload).hexdigest().encode() != checksum:
            log.info("reference cache entry %s is corrupt; recomputing", path)
            return None
        try:
            return codec.decode(payload)
        except Exception:
            log.info("reference cache entry %s is unreadable; recomputing", path)
            return None

    def store(self, key: str, value) -> None:
        payload = codec.encode(value)
        data = hashlib.sha256(payload).hexdigest().encode() + payload
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            os.chmod(self.folder, 0o700)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.path(key))
        except OSError as exc:
            if not self._warned:  # once: grading goes on without the cache
                log.warning(
                    "could not write the reference cache in %s (%s); "
                    "references will be computed each run",
                    self.folder,
                    exc,
                )
                self._warned = True
