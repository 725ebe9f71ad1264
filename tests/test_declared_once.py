"""Adding a holder group with an estimate of its own is one declaration in holders.toml: the
regressions' holder lists, the residual groups and the pool of the prior follow from it, and a
scenario prices the new group with its own estimate."""

from __future__ import annotations

import numpy as np
import pytest

KOREA = '''

[groups.korea]
label = "South Korea"
members = ["Korea, South"]
estimate = "own"
'''


@pytest.fixture
def with_korea(config_dir, tmp_path, monkeypatch, reread_config):
    (config_dir / "holders.toml").write_text((config_dir / "holders.toml").read_text() + KOREA)
    monkeypatch.setenv("TLRISK_ESTIMATES_DIR", str(tmp_path / "estimates"))
    reread_config()
    return config_dir


def test_one_declaration_adds_a_holder_everywhere_and_prices_it(with_korea):
    from model import pipeline
    from model.config import holder_config
    from model.estimate.literature import literature_config
    from model.estimate.spec import estimation_config
    from model.scenarios.build import scenario_from_dict

    holders, estimation = holder_config(), estimation_config()
    assert holders.estimated == ["japan", "china", "korea"]
    assert estimation.grid.holders == ["japan", "china", "korea", "other_foreign"]
    assert estimation.distributed_lags.holders.adjusted == ["japan", "china", "korea", "other_official",
                                                            "foreign_private"]
    assert estimation.local_projections.shocks == ["japan", "china", "korea", "total_foreign"]
    assert holders.groups["other_foreign"].minus == ["japan", "china", "korea"]
    assert holders.groups["other_official"].minus == ["japan", "china", "korea"]
    assert literature_config().prior.pool == ["japan", "china", "korea"]

    data = pipeline.load_data()
    frame = data.panel.frame
    # the residual now leaves Korea out: total - Japan - China - Korea, month by month
    np.testing.assert_allclose(frame["other_foreign_holdings_bn"].dropna(),
                               (frame["total_foreign_holdings_bn"] - frame["japan_holdings_bn"]
                                - frame["china_holdings_bn"] - frame["korea_holdings_bn"]).dropna())
    context = pipeline.scenario_context(data, pipeline.estimate(data, credibility=False).results)
    assert context.response.is_own("korea") and "korea" in context.response.pool
    sale = {"scenario": {"name": "korea_sale", "title": "South Korea sells $50bn of bonds and notes",
                         "start": "2026-05", "horizon_months": 36},
            "pricing": {"draws": 500}, "holders": [{"holder": "Korea", "action": "sell", "bn": 50.0, "months": 6}]}
    result = pipeline.price(scenario_from_dict(sale, context), context)
    assert result.holder_paths[0].key == "korea"
    assert not any("no estimate of its own" in note for note in result.notes)  # priced with its own estimate
    posterior = context.response.posterior_table({"korea": "South Korea"})
    assert set(posterior["estimate"]) == {"own"}
