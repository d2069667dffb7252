"""Derived values kept in an instance folder as pickles, shared by the processes of one machine.

The folder must be the instance's own (never a shared temporary folder): a pickle runs code
when read. A value that cannot be written or read only costs computing it again.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path


def write(folder: Path, name: str, value: object, *, keep: int) -> bool:
    """Store ``value`` as ``folder/name.pickle`` atomically (a temporary file renamed over it),
    then keep only the ``keep`` newest pickles of the folder. False if the disk refused it
    (nothing half-written is left)."""
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as file:
            temporary = file.name
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{name}.pickle")
        temporary = None
        files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in files[:-keep]:
            old.unlink(missing_ok=True)
        return True
    except OSError:
        return False
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)  # a full disk leaves no partial file behind


def read(path: Path, kind: type) -> object | None:
    """The value pickled at ``path`` if it is a ``kind``; None if missing, damaged or of an old shape."""
    try:
        with open(path, "rb") as file:
            found = pickle.load(file)  # noqa: S301 - the instance's own folder, written by write()
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return found if isinstance(found, kind) else None
