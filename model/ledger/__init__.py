"""The leverage ledger: both sides of the bargain for a scenario.

A base of the report (it sits above ``scenarios`` and below ``report`` in the data flow,
``sources -> panel -> estimate -> response -> scenarios -> fiscal/ledger -> report``; it imports
no stage above it and draws nothing). Pure, typed functions:

* :mod:`model.ledger.data` - the curated, dated, cited facts in ``data/curated``, validated;
* :mod:`model.ledger.dollar` - proceeds (converted or kept in dollars), the exchange-rate
  response of converted sales and its decay, US inflation through the dollar;
* :mod:`model.ledger.seller` - the seller's own ledger, line by line;
* :mod:`model.ledger.tariff` - the tariff at stake on a chosen date;
* :mod:`model.ledger.build` - the whole ledger, the verdict and its JSON.
"""

from model.ledger.build import (
    Ledger,
    band,
    build_ledger,
    ledger_json,
    seller_cost_shown,
    verdict_sentence,
)
from model.ledger.data import LedgerData, ledger_data, load_ledger_data
from model.ledger.dollar import (
    DEFAULT_PROCEEDS,
    PROCEEDS_CHOICES,
    FxEstimate,
    Proceeds,
    parse_proceeds,
    published_prior,
    shrink,
)
from model.ledger.seller import HolderSale, SellerLedger, implied_duration, seller_ledger
from model.ledger.tariff import TariffStake, tariff_at_stake

__all__ = ["DEFAULT_PROCEEDS", "PROCEEDS_CHOICES", "FxEstimate", "HolderSale", "Ledger", "LedgerData", "Proceeds",
           "SellerLedger", "TariffStake", "band", "build_ledger", "implied_duration", "ledger_data", "ledger_json",
           "load_ledger_data", "parse_proceeds", "published_prior", "seller_cost_shown", "seller_ledger", "shrink", "tariff_at_stake",
           "verdict_sentence"]
