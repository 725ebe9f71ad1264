"""Holdings parsers against the published tables: mfhhis01.txt (two vintages), slt_table5.txt
and the legacy space-aligned mfh.txt."""

from __future__ import annotations

import math
import re
from collections import Counter

import pandas as pd
import pytest

from model.sources.detect import detect_format, parse_path
from model.sources.splice import splice_holdings
from model.sources.text import TextSource

MARCH = "tic/mfhhis01.txt"
MAY = "tic/vintage_2026-05-18/mfhhis01.txt"


def cell(frame: pd.DataFrame, holder: str, month: str) -> float:
    rows = frame[(frame["holder"] == holder) & (frame["month"] == pd.Timestamp(month + "-01"))]
    assert len(rows) == 1, f"{holder} {month}: {len(rows)} rows"
    return float(rows["holdings_bn"].iloc[0])


@pytest.fixture(scope="module")
def march(raw_dir):
    return parse_path(raw_dir / MARCH)


@pytest.fixture(scope="module")
def may(raw_dir):
    return parse_path(raw_dir / MAY)


@pytest.fixture(scope="module")
def table5(raw_dir):
    return parse_path(raw_dir / "tic/slt_table5.txt")


# Published cells, read off the files by eye (vintage, holder, month, value).
PUBLISHED = [
    (MARCH, "Japan", "2025-12", 1185.5),
    (MARCH, "Grand Total", "2025-12", 9271.0),
    (MAY, "Grand Total", "2025-12", 9267.2),
    (MARCH, "United Kingdom", "2025-12", 866.0),
    (MAY, "United Kingdom", "2025-12", 863.1),
    (MARCH, "Foreign Official", "2025-12", 3887.0),
    (MAY, "Foreign Official", "2025-12", 3877.6),
    (MARCH, "Foreign Official T-Bonds & Notes", "2025-12", 3498.5),
    (MARCH, "Foreign Official Treasury Bills", "2025-01", 373.4),
    (MARCH, "China, Mainland", "2025-01", 760.8),
    (MARCH, "Korea, South", "2025-12", 140.6),
    (MARCH, "El Salvador", "2025-02", 1.1),
    (MAY, "Canada", "2025-11", 472.4),
    (MAY, "Luxembourg", "2025-12", 434.2),
    (MARCH, "Japan", "2024-12", 1061.5),
    (MAY, "Belgium", "2023-05", 335.6),
    (MARCH, "China, Mainland", "2011-06", 1307.0),  # new series at the June 2011 break
    (MARCH, "Oil Exporters", "2011-12", 260.8),
    (MARCH, "Caribbean Banking Centers", "2011-01", 165.3),
    (MARCH, "United Kingdom", "2011-05", 344.5),
    (MARCH, "Foreign Official", "2011-12", 3620.6),
    (MARCH, "Luxembourg", "2002-06", 23.1),
    (MARCH, "Korea, South", "2001-12", 32.8),  # '"Korea, South "' with a space inside quotes
    (MARCH, "Belgium-Luxembourg", "2001-01", 29.4),
    (MARCH, "Belgium-Luxembourg", "2000-12", 29.6),  # 'Belgium-Luxembourg ' with a trailing space
    (MARCH, "Spain", "2001-12", 15.6),  # 'Spain ' with a trailing space
    (MARCH, "Japan", "2000-03", 307.6),  # Series II (new) at the March 2000 break
    (MARCH, "United Kingdom", "2000-03", 78.6),
    (MARCH, "Grand Total", "2000-12", 1015.2),
    (MARCH, "Foreign Official Treasury Bills", "2000-03", 164.8),
]


@pytest.mark.parametrize(("file", "holder", "month", "value"), PUBLISHED)
def test_published_cells(raw_dir, march, may, file, holder, month, value):
    table = march if file == MARCH else may
    assert cell(table.holdings, holder, month) == value


def _numbers_on_line(line: str) -> Counter:
    values = Counter()
    for c in line.replace('"', "").split("\t")[1:]:
        c = c.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", c):
            values[float(c)] += 1
    return values


@pytest.mark.parametrize("file", [MARCH, MAY, "tic/slt_table5.txt"])
def test_every_parsed_value_is_its_published_cell(raw_dir, file):
    """Independent check: on every data line, the numbers parsed (new and old series) are
    exactly the numeric cells of that line, no more and no fewer."""
    parsed = parse_path(raw_dir / file).holdings
    lines = TextSource.from_path(raw_dir / file).lines
    for line_no, rows in parsed.groupby("line"):
        published = rows[rows["flag"] != "*"]  # '*' (< $50 million) is not a numeric cell
        got = Counter(float(v) for v in published["holdings_bn"].dropna())
        got.update(float(v) for v in published["old_series_bn"].dropna())
        assert got == _numbers_on_line(lines[line_no - 1]), f"{file}:{line_no}"


def test_coverage_and_shape(march, may):
    for table in (march, may):
        h = table.holdings
        assert h["month"].min() == pd.Timestamp("2000-03-01")
        assert h["month"].max() == pd.Timestamp("2025-12-01")
        totals = h[h["holder"] == "Grand Total"]
        assert len(totals) == 310  # Mar 2000 - Dec 2025, every month once
        assert not h.duplicated(["month", "holder"]).any()
    assert march.vintage.isoformat() == "2026-03-18"
    assert may.vintage.isoformat() == "2026-05-18"


def test_series_breaks_keep_new_series_and_record_old(march):
    h = march.holdings
    breaks = sorted(h.loc[h["series_break"], "month"].dt.strftime("%Y-%m").unique())
    assert breaks == ["2000-03"] + [f"{y}-06" for y in range(2002, 2012)] + ["2011-12"]
    row = h[(h["holder"] == "China, Mainland") & (h["month"] == "2011-06-01")].iloc[0]
    assert (row["holdings_bn"], row["old_series_bn"]) == (1307.0, 1165.5)
    row = h[(h["holder"] == "Japan") & (h["month"] == "2000-03-01")].iloc[0]
    assert (row["holdings_bn"], row["old_series_bn"]) == (307.6, 325.8)
    # Dec 2011 starts series XIII (SLT) without a duplicate column
    row = h[(h["holder"] == "Japan") & (h["month"] == "2011-12-01")].iloc[0]
    assert row["series_break"] and math.isnan(row["old_series_bn"])


def test_quirks(march):
    h = march.holdings
    lux = h[(h["holder"] == "Luxembourg") & (h["month"].dt.year == 2002)].set_index("month")
    assert lux.loc["2002-05-01", "flag"] == "n.a." and math.isnan(lux.loc["2002-05-01", "holdings_bn"])
    assert lux.loc["2002-07-01", "holdings_bn"] == 22.9
    names = set(h["holder"])
    assert "Korea, South" in names and not any(n.endswith((" ", "/")) or '"' in n for n in names)
    oil = h[h["holder"] == "Oil Exporters"]
    assert oil["month"].max() == pd.Timestamp("2011-12-01")  # aggregate only in the older blocks
    assert set(h[h["holder"] == "Belgium-Luxembourg"]["month"].dt.year) == {2000, 2001}
    assert h.loc[h["holder"] == "Grand Total", "kind"].eq("aggregate").all()
    assert h.loc[h["holder"] == "Foreign Official", "kind"].eq("memo").all()
    assert (h.loc[h["month"] < "2011-12-01", "basis"] == "survey_plus_transactions").all()
    assert (h.loc[h["month"].between("2011-12-01", "2023-01-01"), "basis"] == "slt_market_value").all()
    assert (h.loc[h["month"] >= "2023-02-01", "basis"] == "slt_expanded").all()


def test_table5(table5):
    h = table5.holdings
    assert cell(h, "Japan", "2026-04") == 1209.9
    assert cell(h, "China, Mainland", "2026-04") == 651.1
    assert cell(h, "Grand Total", "2025-12") == 9267.2
    assert cell(h, "Foreign Official Treasury Bills", "2026-04") == 457.3
    assert cell(h, "Foreign Official T-Bonds & Notes", "2025-04") == 3493.5
    assert cell(h, "Korea, South", "2026-04") == 135.2
    assert table5.last_month == pd.Timestamp("2026-04-01")
    assert len(h) == 25 * 13
    # Table 5's residual covers more countries than the history file's: kept apart
    assert cell(h, "All Other (Table 5 list)", "2025-12") == 1822.8
    assert "All Other" not in set(h["holder"])


def test_table5_matches_may_vintage_exactly(table5, may):
    """PROVENANCE: Table 5 equals the May-2026 history file in every overlapping month."""
    merged = table5.holdings.merge(may.holdings, on=["month", "holder"], suffixes=("_t5", "_may"))
    assert len(merged) == 24 * 9  # every holder but the residual, Apr-Dec 2025
    assert (merged["holdings_bn_t5"] == merged["holdings_bn_may"]).all()


def test_splice_and_revisions(march, may, table5):
    tables = [
        march.holdings.assign(vintage=pd.Timestamp("2026-03-18")),
        may.holdings.assign(vintage=pd.Timestamp("2026-05-18")),
        table5.holdings.assign(vintage=pd.Timestamp("2026-06-16")),
    ]
    spliced, revisions = splice_holdings(tables)
    japan = spliced[spliced["holder"] == "Japan"].set_index("month")["holdings_bn"]
    assert len(japan) == 314 and japan.index.is_monotonic_increasing  # 2000-03 .. 2026-04
    assert japan["2026-04-01"] == 1209.9
    gt = spliced[(spliced["holder"] == "Grand Total") & (spliced["month"] == "2025-12-01")].iloc[0]
    assert gt["holdings_bn"] == 9267.2
    rev = revisions[(revisions["holder"] == "Grand Total") & (revisions["month"] == "2025-12-01")]
    assert len(rev) == 1
    assert (rev["old_value_bn"].iloc[0], rev["new_value_bn"].iloc[0]) == (9271.0, 9267.2)
    assert rev["revision_bn"].iloc[0] == pytest.approx(-3.8)
    uk = revisions[(revisions["holder"] == "United Kingdom") & (revisions["month"] == "2025-12-01")]
    assert (uk["old_value_bn"].iloc[0], uk["new_value_bn"].iloc[0]) == (866.0, 863.1)
    # Table 5 revises nothing of the May vintage, so every revision is March -> May
    assert (revisions["new_vintage"] == pd.Timestamp("2026-05-18")).all()


# ---------------------------------------------------------------------------------------------
# Fixtures in the published formats (run everywhere)
# ---------------------------------------------------------------------------------------------


def test_mini_history_fixture(fixtures):
    table = parse_path(fixtures / "mfhhis_mini.txt")
    h = table.holdings
    assert table.kind == "mfhhis" and table.vintage.isoformat() == "2026-05-18"
    assert cell(h, "Japan", "2025-12") == 1185.5
    assert cell(h, "Oil Exporters", "2011-12") == 260.8
    assert cell(h, "Belgium-Luxembourg", "2000-03") == 27.1
    assert cell(h, "Korea, South", "2000-04") == 25.0
    assert cell(h, "Foreign Official", "2000-03") == 635.6
    jun = h[(h["holder"] == "Japan") & (h["month"] == "2011-06-01")].iloc[0]
    assert (jun["holdings_bn"], jun["old_series_bn"], jun["series_break"]) == (881.5, 911.1, True)


def test_legacy_space_aligned_fixture(fixtures):
    table = parse_path(fixtures / "mfh_legacy.txt")
    h = table.holdings
    assert table.kind == "mfh_legacy"
    assert cell(h, "Japan", "2023-01") == 1104.4
    assert cell(h, "China, Mainland", "2022-01") == 1033.8  # unquoted name with a comma
    assert cell(h, "Korea, South", "2022-06") == 111.9
    assert cell(h, "Trinidad and Tobago", "2022-12") == 3.4  # name with spaces
    assert cell(h, "Grand Total", "2023-01") == 7402.5
    assert cell(h, "Foreign Official", "2023-01") == 3703.8  # indented 'Of which' rows
    assert cell(h, "Foreign Official T-Bonds & Notes", "2022-01") == 3863.3
    assert h["month"].nunique() == 13
    assert table.warnings and "frozen" in table.warnings[0]


def test_formats_detected(fixtures):
    expected = {
        "mfhhis_mini.txt": "mfhhis", "slt_table5_mini.txt": "slt_table5",
        "mfh_legacy.txt": "mfh_legacy", "s1_globl_mini.txt": "s1_globl",
        "slt_table3_mini.txt": "slt_table3", "slt3d_mini.csv": "slt3d",
        "fred_GS10_mini.csv": "fred_csv", "fred_MTSDS133FMS_mini.csv": "fred_csv",
    }
    for name, kind in expected.items():
        assert detect_format(TextSource.from_path(fixtures / name)) == kind, name


def test_a_new_country_row_is_not_an_error(fixtures, tmp_path):
    text = (fixtures / "slt_table5_mini.txt").read_text()
    row = "Atlantis\t" + "\t".join(["1.5"] * 13)
    text = text.replace("All Other\t", row + "\r\nAll Other\t", 1)
    path = tmp_path / "slt_table5.txt"
    path.write_text(text)
    h = parse_path(path).holdings
    assert cell(h, "Atlantis", "2026-04") == 1.5
    assert h.loc[h["holder"] == "Atlantis", "kind"].eq("country").all()


# -- numbers that are not finite or not plausible (issue 22) ----------------------------------


@pytest.mark.parametrize("cell, message", [
    ("9" * 400, "'999999999999...999999 (400 characters)' is too large to be a number"),
    ("1e999", "non-numeric cell '1e999'"),
    ("1185515", "1,185,515 is outside the plausible range of holdings in billions of dollars (0 to 100,000): a "
                "damaged cell, or a figure in millions where the table is in billions"),
    ("-5.0", "-5 is outside the plausible range of holdings in billions of dollars"),
    ("١١٨٥.٥", "non-numeric cell '١١٨٥.٥'"),
])
@pytest.mark.parametrize("name", ["mfhhis_mini.txt", "slt_table5_mini.txt", "mfh_legacy.txt"])
def test_holdings_that_cannot_be_right(fixtures, name, cell, message):
    text = (fixtures / name).read_text()
    japan = next(i for i, line in enumerate(text.splitlines()) if line.lstrip().startswith("Japan"))
    first_number = re.search(r"(?<=[\t ])\d+(\.\d+)?(?=[\t \r]|$)", text.splitlines()[japan])
    lines = text.splitlines(keepends=True)
    start, end = first_number.span()
    lines[japan] = lines[japan][:start] + cell + lines[japan][end:]
    with pytest.raises(Exception) as info:
        parse_path_text("".join(lines), name)
    assert type(info.value).__name__ == "InputError"
    if name == "mfh_legacy.txt" and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell):
        assert "values after the holder name" in info.value.message  # the legacy layout cannot tell
    else:
        assert info.value.message.startswith(message) and info.value.line == japan + 1
        assert info.value.field.startswith("Japan")


def parse_path_text(text: str, name: str):
    from model.sources.detect import parse_source

    return parse_source(TextSource.from_bytes(text.encode("utf-8"), name))


@pytest.mark.parametrize("date", ["2/30/2026", "5/18/3026", "5/18/0001"])
def test_a_publication_date_that_cannot_be_is_refused(fixtures, date):
    text = (fixtures / "mfhhis_mini.txt").read_text()
    vintage = re.search(r"^\d{1,2}/\d{1,2}/\d{4}", text, re.M)
    with pytest.raises(Exception) as info:
        parse_path_text(text[: vintage.start()] + date + text[vintage.end():], "mfhhis01.txt")
    assert type(info.value).__name__ == "InputError" and info.value.field == "vintage"
    assert f"'{date}' under the footer is not a publication date" in info.value.message
