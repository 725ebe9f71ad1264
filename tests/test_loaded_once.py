"""Loading the data twice in one process (a command that needs them twice, a notebook calling the
API again) parses each data part and builds the panel once: every later load checks the bytes
against the manifest as before, and returns a copy equal to a fresh build, made for the data and
settings of that load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from model import pipeline
from model.errors import SourceError
from model.sources import store as store_module

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"


def _fresh(data: pipeline.Data):
    """The panel built from scratch (no remembered parse, no remembered panel)."""
    from model.panel import build_panel
    from model.sources.bundle import load_bundle

    saved_parsed, saved_panels = dict(store_module._PARSED), dict(pipeline._PANELS)
    store_module._PARSED.clear()
    pipeline._PANELS.clear()
    try:
        return build_panel(load_bundle(*pipeline.stores()))
    finally:
        store_module._PARSED.update(saved_parsed)
        pipeline._PANELS.update(saved_panels)


def test_a_second_load_is_a_copy_equal_to_a_fresh_build():
    first = pipeline.load_data()
    first.panel.frame.iloc[:, 0] = -1.0  # a caller that edits its panel or its frames in place
    first.bundle.frame("tic_table5", "holdings")["holdings_bn"] = -1.0
    second = pipeline.load_data()
    fresh = _fresh(second)
    pd.testing.assert_frame_equal(second.panel.frame, fresh.frame, check_exact=True)
    pd.testing.assert_frame_equal(second.panel.holdings, fresh.holdings, check_exact=True)
    assert (second.panel.columns, second.panel.notes, second.panel.breaks) == (fresh.columns, fresh.notes, fresh.breaks)
    assert (second.bundle.frame("tic_table5", "holdings")["holdings_bn"] > 0).any()


def test_no_buffer_is_shared_with_what_is_remembered():
    """Even the date index, whose buffer pandas' deep copy shares and numpy can write."""
    import numpy as np

    first = pipeline.load_data()
    for frame in (first.panel.frame, first.panel.holdings, first.bundle.frame("tic_table5", "holdings")):
        for values in (np.asarray(frame.index), *(np.asarray(frame[c]) for c in frame.columns)):
            if values.flags.writeable and values.dtype != object:
                values[...] = values[::-1] if values.ndim == 1 else values  # scrambled in place
    again = pipeline.load_data()
    fresh = _fresh(again)
    pd.testing.assert_frame_equal(again.panel.frame, fresh.frame, check_exact=True)
    pd.testing.assert_frame_equal(again.panel.holdings, fresh.holdings, check_exact=True)
    assert str(again.panel.frame.index[0].date()) == "2000-01-01"


def test_new_settings_build_a_new_panel(config_dir, reread_config):
    """A holder group added in holders.toml between two loads appears in the second panel; back on
    the shipped settings, the panel is the first one again."""
    before = pipeline.load_data()
    assert "korea_holdings_bn" not in before.panel.frame
    shipped = (config_dir / "holders.toml").read_text()
    (config_dir / "holders.toml").write_text(shipped + '\n[groups.korea]\nlabel = "South Korea"\n'
                                             'members = ["Korea, South"]\n')
    reread_config()
    with_korea = pipeline.load_data()
    assert with_korea.panel.frame["korea_holdings_bn"].dropna().iloc[-1] > 50  # $bn
    pd.testing.assert_frame_equal(with_korea.panel.frame, _fresh(with_korea).frame, check_exact=True)
    (config_dir / "holders.toml").write_text(shipped)
    reread_config()
    again = pipeline.load_data()
    assert "korea_holdings_bn" not in again.panel.frame
    pd.testing.assert_frame_equal(again.panel.frame, before.panel.frame, check_exact=True)


def test_a_part_damaged_after_a_read_is_still_caught(tmp_path):
    """The bytes are checked against the manifest on every read: a part parsed once and then
    damaged on disk is refused, not served from memory."""
    from model.sources.store import DataStore

    shutil.copytree(SNAPSHOT, tmp_path / "snap")
    snap = DataStore(tmp_path / "snap", "snapshot")
    frames = snap.read("tic_table5")
    part = tmp_path / "snap" / snap.manifest()["tic_table5"].parts["holdings"]["file"]
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01
    part.write_bytes(bytes(data))
    with pytest.raises(SourceError, match="does not match its checksum"):
        snap.read("tic_table5")
    assert len(frames["holdings"]) > 100  # the first read was whole


def test_parsed_parts_are_remembered_by_their_bytes_and_bounded():
    from model.sources.store import frame_to_gzip_csv, sha256_bytes

    parts = [frame_to_gzip_csv(pd.DataFrame({"holder": ["Japan"], "holdings_bn": [float(i)]}))
             for i in range(store_module._PARSED_MAX + 5)]
    read = [store_module._parsed(sha256_bytes(b), b) for b in parts]
    assert [f["holdings_bn"].iloc[0] for f in read] == [float(i) for i in range(len(parts))]
    assert len(store_module._PARSED) == store_module._PARSED_MAX
    read[0].loc[0, "holdings_bn"] = 99.0  # a copy: the next reader does not see the edit
    assert store_module._parsed(sha256_bytes(parts[-1]), parts[-1])["holdings_bn"].iloc[0] == len(parts) - 1
