"""The leverage ledger's curated tables: every row validated on load, a bad one refused in one
line naming the file, the line and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.errors import InputError
from model.ledger.data import FACT_KEYS, FILES, UNITS, ledger_data, load_ledger_data

CURATED = Path(__file__).resolve().parents[1] / "data" / "curated"


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "curated"
    shutil.copytree(CURATED, out)
    return out


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def line_of(folder: Path, name: str, needle: str) -> int:
    return next(i for i, line in enumerate((folder / name).read_text().splitlines(), start=1) if needle in line)


def test_shipped_tables_load():
    data = ledger_data()
    assert data.latest_reserves().total_usd_bn == 1369.7
    assert len(data.fx_episodes) == 4 and len(data.maturity_mix) == 2
    assert {p.tariff_group for p in data.tariffs} == {"autos_parts", "metals", "pharma", "other"}
    for fact in data.facts.values():  # every shipped number is dated, cited, tagged, in its unit's range
        lo, hi, _ = UNITS[fact.unit]
        assert lo <= fact.value <= hi and fact.source_url.startswith("http") and fact.tag in "VSDM"
        assert FACT_KEYS[fact.key][0] == fact.unit


CASES = [
    ("ledger_facts.csv", "japan,reserve_bond_duration_years,3.5,3.0,4.5,years",
     "japan,reserve_bond_duration_years,3.5,3.0,4.5,months", "reserve_bond_duration",
     "'reserve_bond_duration_years' is in years, not 'months'"),
    ("ledger_facts.csv", "japan,reserve_bond_duration_years,3.5,3.0,4.5,years",
     "japan,reserve_bond_duraton_years,3.5,3.0,4.5,years", "reserve_bond_duraton",
     "unknown key 'reserve_bond_duraton_years' (did you mean 'reserve_bond_duration_years'?)"),
    ("ledger_facts.csv", "japan,ust_share_of_reserves,0.70,0.60,0.75,share",
     "japan,ust_share_of_reserves,70,60,75,share", "ust_share", "value 70 is not plausible for a share between 0 and 1"),
    ("ledger_facts.csv", "japan,ust_share_of_reserves,0.70,0.60,0.75,share",
     "japan,ust_share_of_reserves,nan,0.60,0.75,share", "ust_share", "value: Input should be a finite number"),
    ("ledger_facts.csv", "japan,ust_share_of_reserves,0.70,0.60,0.75,share",
     "japan,ust_share_of_reserves,0.70,0.72,0.75,share", "ust_share", "value 0.7 is outside its range 0.72 to 0.75"),
    ("ledger_facts.csv", "japan,ust_share_of_reserves,0.70,0.60,0.75,share",
     "japan,ust_share_of_reserves,0.70,0.60,,share", "ust_share", "give both 'low' and 'high', or neither"),
    ("ledger_facts.csv", "share,2011-08-01,S,", "share,2011-08-32,S,", "ust_share", "as_of: Input should be a valid date"),
    ("ledger_facts.csv", "2011-08-01,S,https://", "2011-08-01,X,https://", "ust_share", "tag: Input should be 'V', 'S', 'D' or 'M'"),
    ("ledger_facts.csv", "2011-08-01,S,https://", "2011-08-01,S,www.", "ust_share", "source_url: String should match pattern"),
    ("jp_reserves.csv", "2025-12-31,1369.7,", "2025-12-31,-1369.7,", "2025-12-31", "total_usd_bn: Input should be greater than 0"),
    ("jp_reserves.csv", "2019-03-31,1291.813,1098.444", "2019-03-31,291.813,1098.444", "2019-03-31",
     "the parts add up to 1,291.3, more than the total 291.8"),
    ("jp_reserve_maturity.csv", "0.266,0.464,0.270", "0.266,0.464,0.370", "0.266", "the three shares must sum to 1 (they sum to 1.100)"),
    ("jp_fx_impact.csv", "2.8382,145.90,140.36", "2.8382,145.90,40.36", "2.8382", "the rate moves by more than half"),
    ("jp_tariff_timeline.csv", "autos_parts,2025-09-16,,15.0,", "autos_parts,2025-09-16,,inf,", "autos_parts,2025-09-16",
     "rate_pct: Input should be a finite number"),
    ("jp_tariff_timeline.csv", "other,2026-02-24,2026-07-24,12.0", "other,2026-02-24,2026-02-01,12.0", "other,2026-02-24",
     "last_day is before first_day"),
    ("jp_us_imports.csv", "mvh,motor vehicles and parts,51.832187", "mvh,motor vehicles and parts,-51.8", "mvh,",
     "imports_usd_bn: Input should be greater than or equal to 0"),
    ("jp_tariff_costs.csv", "Japan's real GDP,-0.59,", "Japan's real GDP,-59,", "-59", "value -59 is not plausible in pct_gdp"),
    ("cbo_baseline.csv", "2026,1900,1000", "2026,1900,-1000", "2026,", "net_interest_usd_bn: Input should be greater than or equal to 0"),
    ("ledger_holders.csv", "japan,Japan,JPY,", "japan,Japan,yen,", "japan,", "currency: String should match pattern"),
]


@pytest.mark.parametrize(("name", "old", "new", "needle", "message"), CASES, ids=[c[4][:40] for c in CASES])
def test_a_bad_row_is_one_line_naming_file_line_and_field(folder, name, old, new, needle, message):
    edit(folder, name, old, new)
    line = line_of(folder, name, needle)
    with pytest.raises(InputError) as err:
        load_ledger_data(folder)
    text = str(err.value)
    assert text.startswith(f"{folder / name}:{line}: ") and message in text and "\n" not in text, text


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("jp_tariff_timeline.csv", "other,2026-02-24,2026-07-24", "other,2026-02-19,2026-07-24",
     "the spans of 'other' from 2026-02-20 and 2026-02-19 overlap or are out of order"),
    ("jp_us_imports.csv", ",autos_parts,2024-12-31", ",autos,2024-12-31",
     "sector 'mvh' is in tariff group 'autos', which has no rates in jp_tariff_timeline.csv"),
    ("jp_reserves.csv", "2022-03-31,", "2026-03-31,", "rows are not in as_of order"),
    ("ledger_facts.csv", "japan,usd_rate,155.0,,,local_per_usd", "japan,ust_share_of_reserves,0.5,,,share",
     "japan ust_share_of_reserves appears twice"),
    ("cbo_baseline.csv", "fiscal_year,deficit_usd_bn", "year,deficit_usd_bn", "header should be"),
])
def test_whole_file_problems(folder, name, old, new, message):
    edit(folder, name, old, new)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_ledger_data(folder)


def test_missing_empty_and_oversized_files(folder):
    (folder / "jp_fx_impact.csv").unlink()
    with pytest.raises(InputError, match="jp_fx_impact.csv: file not found"):
        load_ledger_data(folder)
    (folder / "jp_fx_impact.csv").write_text((CURATED / "jp_fx_impact.csv").read_text().splitlines()[0] + "\n")
    with pytest.raises(InputError, match="jp_fx_impact.csv:2: no rows after the header"):
        load_ledger_data(folder)
    (folder / "jp_fx_impact.csv").write_text("x" * (2 * 1024 * 1024))
    with pytest.raises(InputError, match="larger than 1 MB"):
        load_ledger_data(folder)


def test_every_file_is_documented():
    readme = (CURATED / "README.md").read_text()
    for name, _ in FILES.values():
        assert f"`{name}`" in readme, name
    for key in FACT_KEYS:
        assert f"`{key}`" in readme, key
