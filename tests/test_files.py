"""model.files: atomic writes and bounded reads."""

from __future__ import annotations

import os

import pytest

from model.errors import InputError
from model.files import atomic_write_text, read_bytes_limited, read_text_limited


def test_read_is_refused_above_the_limit_naming_it(tmp_path):
    path = tmp_path / "big.toml"
    path.write_bytes(b"x" * 101)
    assert read_bytes_limited(path, limit=101) == b"x" * 101
    with pytest.raises(InputError, match=r"big.toml: is larger than 100 bytes, the limit for a data file"):
        read_bytes_limited(path, limit=100)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_an_endless_device_is_refused_not_read_to_the_end():
    with pytest.raises(InputError, match=r"/dev/zero: is larger than 1 MB, the limit for a config file"):
        read_text_limited("/dev/zero", "config")


def test_missing_folder_and_binary_files_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_bytes_limited(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory"):
        read_bytes_limited(tmp_path)
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"a = 1\n\xff\xfe")
    with pytest.raises(InputError, match=r"b.toml: is not UTF-8 text \(byte 7 cannot be decoded\)"):
        read_text_limited(binary)


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.json"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]
