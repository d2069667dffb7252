"""The instance folder's pickles: written whole or not at all, pruned to the newest, read back
only as the kind expected."""

from __future__ import annotations

import os

from scoring.services import pickled


class RefusedByTheDisk:
    def __reduce__(self):
        raise OSError(28, "No space left on device")


def test_a_write_the_disk_refuses_leaves_nothing_behind(tmp_path):
    assert pickled.write(tmp_path, "kept", {"a": 1}, keep=5)
    assert not pickled.write(tmp_path, "broken", [b"x" * 200_000, RefusedByTheDisk()], keep=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.pickle"]  # no .tmp, no partial pickle
    assert pickled.read(tmp_path / "kept.pickle", dict) == {"a": 1}


def test_only_the_newest_are_kept_and_a_wrong_kind_or_damaged_file_reads_as_nothing(tmp_path):
    for n in range(4):
        assert pickled.write(tmp_path, f"v{n}", [n], keep=2)
        os.utime(tmp_path / f"v{n}.pickle", (n, n))  # distinct ages on a coarse clock
    pickled.write(tmp_path, "v4", [4], keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v3.pickle", "v4.pickle"]
    assert pickled.read(tmp_path / "v4.pickle", list) == [4]
    assert pickled.read(tmp_path / "v4.pickle", dict) is None
    (tmp_path / "v3.pickle").write_bytes(b"\x80\x05not a pickle")
    assert pickled.read(tmp_path / "v3.pickle", list) is None
    assert pickled.read(tmp_path / "missing.pickle", list) is None
