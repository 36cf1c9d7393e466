"""Atomic outputs: a failing writer leaves neither a partial file nor a temporary behind."""

from __future__ import annotations

import pytest

from vskd.atomic import atomic_path, write_text_atomic


def test_success_renames_and_failure_keeps_previous(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    write_text_atomic(target, "first\n")
    assert target.read_text() == "first\n" and oct(target.stat().st_mode)[-3:] == "644"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a fil")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


def test_temporary_keeps_the_suffix(tmp_path):
    with atomic_path(tmp_path / "frames.h5") as tmp:
        assert tmp.suffix == ".h5" and tmp.parent == tmp_path
        tmp.write_bytes(b"x")
