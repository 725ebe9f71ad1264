"""The seller's own ledger: what a sale costs the holder that makes it, line by line, in
dollars and in its own currency.

Lines (positive = a cost to the seller, negative = a gain), each with its formula:

* **Mark-to-market loss** on the Treasuries it still holds:
  ``H_left x D x dy / 10,000`` ($bn), with ``H_left`` = reserves x the Treasuries' share of them,
  less what was sold; ``D`` the modified duration of the *reserve* bonds (from their published
  maturity mix: about 3.5 years, not the market's 5-6); ``dy`` the yield move priced for them (bp).
* **Translation loss** on the dollar assets it still holds when its currency rises:
  ``A_left x (S0 - S1)`` in its own currency (bn), with ``A_left`` = reserves x the dollar share,
  less what was converted, ``S0`` the exchange rate before (local per dollar) and ``S1`` after;
  in dollars at the new rate ``S1``. Shown on impact (the valuation on the day the move peaks,
  which fades) and lasting (what remains).
* **Realised gain** on what it converted: ``converted x (S_sale - S_book)`` in its own currency,
  with ``S_sale`` the average of the rates before and at the peak (execution along the move) and
  ``S_book`` the rate at which the reserves' dollars are booked (an assumption, stated). An
  accounting gain that was already there, unrealised: converting realises it; it is not a gain
  from the sale. Dollars kept in dollars realise no exchange gain. The bonds' book prices are not
  published, so the price part of a realised gain is not estimated.
* **Carry forgone** a year: converted dollars lose the bond yield but save the cost of the
  domestic bills that funded them (``y - y_FB``); dollars kept as deposits lose the bond yield but
  earn the deposit rate (``y - y_dep``).
* **Exporters' loss**, where a published sensitivity exists: profit lost per unit the currency
  gains (Toyota alone: about 90bn yen per 1 yen a year) times the currency's average gain over the
  first year (impact fading, plus the lasting part). A lower bound for all exporters.

A holder without the facts (``ledger_facts.csv``) gets every line as ``None`` with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from model.ledger.data import SELLER_KEYS, LedgerData, MaturityMix
from model.ledger.dollar import DollarDraws, Proceeds, draw_fact

BP = 10_000.0
LINES = ("mtm_loss_bn", "translation_loss_bn", "translation_loss_local_bn", "translation_loss_lasting_bn",
         "realised_gain_bn", "carry_forgone_bn_per_year", "exporters_loss_bn")
BUCKET_MIDPOINTS_YEARS = (0.5, 3.0, 8.0)  # <=1y, 1-5y, >5y


@dataclass(frozen=True)
class HolderSale:
    """One holder's part of a scenario, as the ledger needs it.

    Attributes
    ----------
    holder : str
        Holder id (``japan``, a group key of ``holders.toml``, or a country's name).
    label : str
        Display name.
    sold_bn_by_month : sequence of float
        Treasuries sold each month ($bn; + = sold, negative = bought), as planned.
    proceeds : Proceeds
        What the holder does with the dollars.
    action : str
        The plan's action (``sell``, ``pause``, ``slowdown``, ``raise``, ``path``), for the words
        of the verdict.
    """

    holder: str
    label: str
    sold_bn_by_month: Sequence[float]
    proceeds: Proceeds
    action: str = "sell"

    @property
    def sold_bn(self) -> float:
        """Net Treasuries sold over the plan ($bn; negative = net purchases)."""
        return float(np.sum(np.asarray(self.sold_bn_by_month, dtype=float)))

    @property
    def converted_bn_by_month(self) -> np.ndarray:
        """Dollars converted into the holder's currency each month (zero when kept in dollars)."""
        months = np.asarray(self.sold_bn_by_month, dtype=float)
        return months if self.proceeds is Proceeds.CONVERTED else np.zeros_like(months)


def implied_duration(mix: MaturityMix, yield_pct: float) -> float:
    """Modified duration of the reserve securities implied by their maturity mix: each bucket as a
    par bond with annual coupons at ``yield_pct`` maturing at the bucket's midpoint (0.5, 3 and
    8 years), ``D = (1 - (1 + y) ** -m) / y``, weighted by the bucket's share."""
    y = yield_pct / 100.0
    shares = (mix.within_1y_share, mix.one_to_5y_share, mix.over_5y_share)
    return float(sum(s * (1.0 - (1.0 + y) ** -m) / y for s, m in zip(shares, BUCKET_MIDPOINTS_YEARS, strict=True)))


@dataclass
class SellerLedger:
    """One holder's ledger: draws of each line (``None`` where not available, with the reason).

    ``lines`` maps each of :data:`LINES` to an array of draws ($bn, or bn of the holder's
    currency for ``translation_loss_local_bn``) or ``None``; ``local`` holds the own-currency
    value of every line that has one.
    """

    holder: str
    label: str
    currency: str | None
    proceeds: Proceeds
    sold_bn: float
    converted_bn: float
    lines: dict[str, np.ndarray | None]
    local: dict[str, np.ndarray] = field(default_factory=dict)
    not_available: dict[str, str] = field(default_factory=dict)
    assumptions: dict[str, object] = field(default_factory=dict)
    dollar: DollarDraws | None = None
    exporters_lasting_bn_per_year: np.ndarray | None = None

    @property
    def available(self) -> bool:
        return self.lines.get("mtm_loss_bn") is not None


def unavailable(sale: HolderSale, currency: str | None, reason: str) -> SellerLedger:
    """A ledger of ``None`` lines, each with ``reason``."""
    return SellerLedger(sale.holder, sale.label, currency, sale.proceeds, sale.sold_bn,
                        float(np.sum(sale.converted_bn_by_month)), dict.fromkeys(LINES),
                        not_available=dict.fromkeys(LINES, reason))


DEFAULT_REASON = ("no published facts on its reserves (their size, dollar share and duration), its book rate or its "
                  "currency's response to its sales in the project's curated data")


def not_available_reason(data: LedgerData, holder: str) -> str:
    info = data.holders.get(holder)
    if info is not None and info.not_available_reason:
        return info.not_available_reason
    missing = data.missing(holder, SELLER_KEYS)
    if len(missing) < len(SELLER_KEYS):
        return "missing from data/curated/ledger_facts.csv: " + ", ".join(missing)
    return DEFAULT_REASON


def seller_ledger(sale: HolderSale, data: LedgerData, yield_bp: np.ndarray, dollar: DollarDraws | None,
                  rng: np.random.Generator, usd_rate: float | None = None) -> SellerLedger:
    """Draws of every line of one holder's ledger.

    Parameters
    ----------
    sale : HolderSale
    data : LedgerData
        The curated facts (reserves, shares, duration, rates, sensitivities).
    yield_bp : ndarray
        Draws of the yield move priced for the reserve bonds (bp), joint with the US cost draws.
    dollar : DollarDraws or None
        The holder's exchange-rate draws (``None``: its currency's response is not available,
        so a converted sale's translation, realised and exporters' lines are ``None``).
    rng : numpy.random.Generator
        For the draws of the facts' published ranges.
    usd_rate : float, optional
        The current exchange rate (local per dollar; default: the ``usd_rate`` fact).
    """
    info = data.holders.get(sale.holder)
    currency = info.currency or None if info is not None else None
    if data.missing(sale.holder, SELLER_KEYS) or not data.reserves or sale.holder != "japan":
        # reserves (jp_reserves.csv) exist for Japan only
        return unavailable(sale, currency, not_available_reason(data, sale.holder))
    n = len(yield_bp)
    f = lambda key, lo=None, hi=None: draw_fact(data.fact(sale.holder, key), rng, n, lo, hi)  # noqa: E731
    reserves = data.latest_reserves()
    ust_share, usd_share = f("ust_share_of_reserves", 0.0, 1.0), f("usd_share_of_reserves", 0.0, 1.0)
    duration = f("reserve_bond_duration_years", 0.0, 40.0)
    bond_yield, bill_cost = f("reserve_bond_yield_pct"), f("financing_bill_cost_pct")
    deposit_rate, book = f("dollar_deposit_rate_pct"), f("book_rate_local_per_usd", 0.01)
    s0 = float(usd_rate) if usd_rate is not None else data.fact(sale.holder, "usd_rate").value
    if not (np.isfinite(s0) and s0 > 0):
        raise ValueError(f"the exchange rate for {sale.label} must be a positive number (got {usd_rate!r})")

    sold = sale.sold_bn
    converted = float(np.sum(sale.converted_bn_by_month))
    kept = sold - converted
    lines: dict[str, np.ndarray | None] = {}
    local: dict[str, np.ndarray] = {}
    reasons: dict[str, str] = {}

    treasuries = reserves.total_usd_bn * ust_share
    held_after = np.maximum(treasuries - sold, 0.0)
    lines["mtm_loss_bn"] = held_after * duration * np.asarray(yield_bp, dtype=float) / BP
    lines["carry_forgone_bn_per_year"] = (converted * (bond_yield - bill_cost) + kept * (bond_yield - deposit_rate)) / 100.0

    dollar_assets_after = np.maximum(reserves.total_usd_bn * usd_share - converted, 0.0)
    if converted != 0 and dollar is None:
        reason = (f"no estimate of how {sale.label}'s currency responds to converted sales in the project's data, so "
                  "the exchange-rate lines cannot be priced")
        for key in ("translation_loss_bn", "translation_loss_local_bn", "translation_loss_lasting_bn",
                    "realised_gain_bn", "exporters_loss_bn"):
            lines[key] = None
            reasons[key] = reason
    else:
        impact = dollar.impact_dollar_pct if dollar is not None else np.zeros(n)
        lasting = dollar.lasting_dollar_pct if dollar is not None else np.zeros(n)
        year = dollar.first_year_mean_dollar_pct if dollar is not None else np.zeros(n)
        s1, s_lasting, s_year = s0 * (1 + impact / 100.0), s0 * (1 + lasting / 100.0), s0 * (1 + year / 100.0)
        local["translation_loss_local_bn"] = dollar_assets_after * (s0 - s1)
        lines["translation_loss_local_bn"] = local["translation_loss_local_bn"]
        lines["translation_loss_bn"] = local["translation_loss_local_bn"] / s1
        local["translation_loss_lasting_local_bn"] = dollar_assets_after * (s0 - s_lasting)
        lines["translation_loss_lasting_bn"] = local["translation_loss_lasting_local_bn"] / s_lasting
        sale_rate = (s0 + s1) / 2.0
        local["realised_gain_local_bn"] = max(converted, 0.0) * (sale_rate - book)
        lines["realised_gain_bn"] = local["realised_gain_local_bn"] / s1
        exporters = data.fact(sale.holder, "exporter_loss_local_bn_per_unit")
        if exporters is None:
            lines["exporters_loss_bn"] = None
            reasons["exporters_loss_bn"] = "no published sensitivity of its exporters' profits to its exchange rate"
        else:
            sensitivity = draw_fact(exporters, rng, n, 0.0)
            local["exporters_loss_local_bn"] = sensitivity * (s0 - s_year)
            lines["exporters_loss_bn"] = local["exporters_loss_local_bn"] / s_year
            lasting_local = sensitivity * (s0 - s_lasting)
    local["mtm_loss_local_bn"] = lines["mtm_loss_bn"] * s0
    local["carry_forgone_local_bn_per_year"] = lines["carry_forgone_bn_per_year"] * s0

    assumptions = _assumptions(sale, data, reserves, treasuries, usd_share, s0, currency)
    ledger = SellerLedger(sale.holder, sale.label, currency, sale.proceeds, sold, converted, lines, local,
                          reasons, assumptions, dollar)
    if lines.get("exporters_loss_bn") is not None:
        ledger.exporters_lasting_bn_per_year = lasting_local / s_lasting
    return ledger


def _assumptions(sale: HolderSale, data: LedgerData, reserves, treasuries, usd_share, s0: float,
                 currency: str | None) -> dict[str, object]:
    """What the seller's lines assume, stated beside them (central values of drawn facts)."""
    fact = lambda key: data.fact(sale.holder, key).value  # noqa: E731
    mixes = {f"{m.as_of:%Y-%m}": round(implied_duration(m, fact("reserve_bond_yield_pct")), 2)
             for m in data.maturity_mix}
    return {
        "reserves_usd_bn": reserves.total_usd_bn,
        "reserves_as_of": reserves.as_of.isoformat(),
        "treasuries_usd_bn": _central(treasuries),
        "dollar_assets_usd_bn": _central(reserves.total_usd_bn * usd_share),
        "reserve_bond_duration_years": fact("reserve_bond_duration_years"),
        "duration_implied_by_maturity_mix_years": mixes,
        "usd_rate_local_per_usd": s0,
        "book_rate_local_per_usd": fact("book_rate_local_per_usd"),
        "reserve_bond_yield_pct": fact("reserve_bond_yield_pct"),
        "financing_bill_cost_pct": fact("financing_bill_cost_pct"),
        "dollar_deposit_rate_pct": fact("dollar_deposit_rate_pct"),
        "statement": _book_statement(data.fact(sale.holder, "book_rate_local_per_usd"), currency),
    }


def _book_statement(book, currency: str | None) -> str:
    span = f" (range {book.low:g}-{book.high:g})" if book.ranged else ""
    return (f"The book rate of the reserves' dollars is not published; the ledger assumes {book.value:g} "
            f"{currency or 'local units'} per dollar{span}, implied by published valuation gains and losses. The "
            "realised gain is an accounting gain already on the books, not a gain from selling.")


def _central(x) -> float:
    return float(np.median(np.asarray(x, dtype=float)))


__all__ = ["LINES", "HolderSale", "SellerLedger", "implied_duration", "not_available_reason", "seller_ledger",
           "unavailable"]
