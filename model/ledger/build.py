"""Both sides of the bargain in one object: the US cost, the dollar, US inflation, each
seller's own ledger, the tariff at stake, and the verdict.

:func:`build_ledger` takes what the scenario stage already has (the plan's sales per holder
and what each does with the dollars, draws of the yield move priced for the reserve bonds and
of the ten-year interest cost, joint draw by draw) and returns a :class:`Ledger`;
:meth:`Ledger.to_dict` is the ``ledger`` object of ``tlrisk simulate --json``.

The verdict's arithmetic:

* the seller's cost over ten years = mark-to-market loss + lasting translation loss + ten
  years of carry forgone + exporters' loss (the first year's, plus nine years of the lasting
  part); the realised gain is left out (an accounting gain already on the books) and so is the
  translation loss on impact (it fades within weeks);
* ``ratio_us_to_seller`` = the US ten-year interest cost / the seller's ten-year cost (medians);
  ``ratio_us_to_seller_without_carry`` the same with the cost less the carry forgone;
* ``break_even_sale_bn`` = the sale at which ten years of extra US interest equal one year of
  US duties on the seller's goods: ``duties x sold / interest cost`` (the response is linear
  in the amount sold);
* one sentence in plain words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from model.labels import subject, upper_first
from model.ledger.data import FX_KEYS, LedgerData, ledger_data
from model.ledger.dollar import (
    TERM_PREMIUM_NOTE,
    DollarDraws,
    FxEstimate,
    Proceeds,
    conversion_draws,
    dollar_pct_from_local,
    draw_fact,
    inflation_pp,
    published_prior,
    shrink,
)
from model.ledger.seller import LINES, HolderSale, SellerLedger, seller_ledger
from model.ledger.tariff import TariffStake, tariff_at_stake
from model.numbers import money
from model.schema import DRAW_KEYS

YEARS = 10
FX_HOLDERS = ("japan",)  # holders whose currency's response has curated evidence (jp_fx_impact.csv)
CURRENCY_WORDS = {"JPY": "the yen", "CNY": "the yuan", "GBP": "the pound", "EUR": "the euro"}


def band(draws) -> dict[str, float] | None:
    """``{median, p05, p95}`` of draws (``None`` for ``None``)."""
    if draws is None:
        return None
    x = np.asarray(draws, dtype=float)
    q = np.percentile(x, [50, 5, 95])
    return dict(zip(DRAW_KEYS, (float(v) for v in q), strict=True))


@dataclass
class Ledger:
    """The bargain for one scenario (draws kept; :meth:`to_dict` gives the JSON)."""

    sales: list[HolderSale]
    sellers: list[SellerLedger]
    interest_cost_10yr_bn: np.ndarray
    dollar_pct: np.ndarray | None
    dollar_pct_lasting: np.ndarray | None
    dollar_against: list[str]
    inflation_pp_1y: np.ndarray | None
    inflation_pp_2y: np.ndarray | None
    tariff: TariffStake | None
    tariff_holder: str | None
    tariff_reason: str | None
    seller_cost_10yr_bn: np.ndarray | None
    verdict: str
    notes: list[str] = field(default_factory=list)
    us_reasons: dict[str, str] = field(default_factory=dict)
    fx_effect: dict[str, FxEstimate] = field(default_factory=dict)

    # -- the verdict's numbers ---------------------------------------------------------------

    @property
    def sold_bn(self) -> float:
        return float(sum(s.sold_bn for s in self.sales))

    @property
    def ratio_us_to_seller(self) -> float | None:
        if self.seller_cost_10yr_bn is None:
            return None
        seller = float(np.median(self.seller_cost_10yr_bn))
        us = float(np.median(self.interest_cost_10yr_bn))
        return us / seller if seller > 0 and us > 0 else None

    @property
    def ratio_us_to_seller_without_carry(self) -> float | None:
        """:attr:`ratio_us_to_seller` with the seller's cost less the carry forgone (medians)."""
        bare = self.seller_cost_without_carry()
        if bare is None:
            return None
        seller = float(np.median(bare))
        us = float(np.median(self.interest_cost_10yr_bn))
        return us / seller if seller > 0 and us > 0 else None

    def seller_cost_without_carry(self) -> np.ndarray | None:
        """The sellers' ten-year cost less the carry forgone (draws; ``None`` where the cost is not
        available): the sensitivity to counting an opportunity cost as a cost."""
        if self.seller_cost_10yr_bn is None:
            return None
        carry = sum(YEARS * np.asarray(c, dtype=float) for s in self.sellers
                    if (c := s.lines.get("carry_forgone_bn_per_year")) is not None)
        return np.asarray(self.seller_cost_10yr_bn - carry, dtype=float)

    def break_even_sale_bn(self, first_day: bool = False) -> dict[str, float | None] | None:
        """Sale ($bn) whose ten-year US interest cost equals one year of duties, as a band from
        the cost's band (a higher cost means a smaller sale): ``p95`` is ``None`` where the cost's
        5th percentile is not positive (no sale is enough); ``None`` altogether when the plan
        does not sell or the median cost is not positive. The duties are the first year's, or
        with ``first_day`` those at the first day's rates (the sensitivity)."""
        if self.tariff is None or self.sold_bn <= 0:
            return None
        cost = band(self.interest_cost_10yr_bn)
        if cost["median"] <= 0:
            return None
        duties = (self.tariff.duties_bn_first_day if first_day else self.tariff.duties_bn_per_year) * self.sold_bn
        return {"median": duties / cost["median"], "p05": duties / cost["p95"],
                "p95": duties / cost["p05"] if cost["p05"] > 0 else None}

    # -- JSON ----------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The ``ledger`` object of ``tlrisk simulate --json`` (see the README)."""
        us = {
            "interest_cost_10yr_bn": band(self.interest_cost_10yr_bn),
            "dollar_pct": band(self.dollar_pct),
            "inflation_pp_2y": band(self.inflation_pp_2y),
            "dollar_pct_lasting": band(self.dollar_pct_lasting),
            "inflation_pp_1y": band(self.inflation_pp_1y),
            "dollar_against": self.dollar_against,
            "not_available": {key: self.us_reasons.get(key) for key in ("dollar_pct", "inflation_pp_2y")},
            "notes": [TERM_PREMIUM_NOTE],
        }
        sellers = [_seller_dict(s) for s in self.sellers]
        if self.tariff is not None:
            tariff = {**self.tariff.to_dict(), "not_available": None}
        else:  # the same keys, empty, with the reason
            tariff = {"holder": self.tariff_holder, "as_of": None, "year_end": None, "us_imports_bn": None,
                      "effective_rate": None, "duties_bn_per_year": None, "effective_rate_first_day": None,
                      "duties_bn_first_day": None, "sources": [], "by_group": [], "collected": {},
                      "published_costs": [], "not_available": self.tariff_reason}
        ratio = self.ratio_us_to_seller
        return {
            "proceeds": {s.holder: s.proceeds.value for s in self.sales},
            "us": us,
            "sellers": sellers,
            "tariff": tariff,
            "bargain": {
                "seller_cost_10yr_bn": band(self.seller_cost_10yr_bn),
                "seller_cost_10yr_without_carry_bn": band(self.seller_cost_without_carry()),
                "ratio_us_to_seller": ratio,
                "ratio_us_to_seller_without_carry": self.ratio_us_to_seller_without_carry,
                "break_even_sale_bn": self.break_even_sale_bn(),
                "break_even_sale_first_day_bn": self.break_even_sale_bn(first_day=True),
            },
            "verdict": self.verdict,
            "notes": self.notes,
        }


def _seller_dict(s: SellerLedger) -> dict:
    out = {"holder": s.holder, "label": s.label, "currency": s.currency, "proceeds": s.proceeds.value,
           "sold_bn": s.sold_bn, "converted_bn": s.converted_bn}
    for key in ("mtm_loss_bn", "translation_loss_bn", "translation_loss_local_bn", "realised_gain_bn",
                "carry_forgone_bn_per_year", "exporters_loss_bn", "translation_loss_lasting_bn"):
        out[key] = band(s.lines.get(key))
    # the ten-year cost as the bargain counts it, and the part of it that is carry forgone (an
    # opportunity cost, not a loss on the books: readers may want the cost without it)
    out["cost_10yr_bn"] = band(_ten_year_cost(s)) if s.available else None
    carry = s.lines.get("carry_forgone_bn_per_year")
    out["carry_10yr_bn"] = band(YEARS * np.asarray(carry, dtype=float)) if s.available and carry is not None else None
    out["not_available"] = {line: s.not_available.get(line) for line in LINES}  # every line: a reason or null
    out["assumptions"] = s.assumptions
    return out


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


def build_ledger(sales: Sequence[HolderSale], yield_bp, interest_cost_10yr_bn, *, on: dt.date,
                 data: LedgerData | None = None, fx_estimate: FxEstimate | None = None,
                 usd_rates: dict[str, float] | None = None, seed: int = 0) -> Ledger:
    """The leverage ledger of a scenario.

    Parameters
    ----------
    sales : sequence of HolderSale
        Each holder of the plan: its monthly sales ($bn, + = sold) and its proceeds.
    yield_bp : array_like
        Draws of the yield move priced for the sellers' reserve bonds (bp; e.g. the 5-year at
        the scenario's loss month), one per draw.
    interest_cost_10yr_bn : array_like
        Draws of the extra US federal interest over ten years ($bn), the same draws in the same
        order (so the ledger's bands are joint with the yields').
    on : datetime.date
        The date whose tariffs are at stake.
    data : LedgerData, optional
        The curated tables (default: ``data/curated``).
    fx_estimate : FxEstimate, optional
        The intervention-day estimate of the yen's move per $100bn (``tlrisk events``); without
        it the published episodes alone set the dollar's response.
    usd_rates : dict, optional
        Current exchange rate per holder id (local per dollar; default: the curated rate).
    seed : int
        Seed of the draws of the facts' published ranges and of the exchange-rate response.

    Returns
    -------
    Ledger
    """
    data = data or ledger_data()
    yield_bp = np.asarray(yield_bp, dtype=float).ravel()
    cost = np.asarray(interest_cost_10yr_bn, dtype=float).ravel()
    if yield_bp.size == 0 or yield_bp.shape != cost.shape:
        raise ValueError("yield and interest-cost draws must be non-empty and of the same length")
    if not (np.all(np.isfinite(yield_bp)) and np.all(np.isfinite(cost))):
        raise ValueError("yield and interest-cost draws must be finite")
    n = yield_bp.size

    # one stream per purpose and holder, so that the seller's draws do not depend on whether
    # another part of the ledger drew (a kept-in-dollars run has the same bond-side draws)
    def stream(purpose: int, index: int = 0) -> np.random.Generator:
        return np.random.default_rng([seed, purpose, index])

    usd_rates = usd_rates or {}
    notes: list[str] = []
    dollars, effects = _conversions(sales, data, fx_estimate, n, stream, notes)
    sellers = [seller_ledger(s, data, yield_bp, dollars.get(s.holder), stream(2, index), usd_rates.get(s.holder))
               for index, s in enumerate(sales) if s.sold_bn != 0 or np.any(s.sold_bn_by_month)]
    us_reasons: dict[str, str] = {}
    dollar_pct, lasting_pct, against = _dollar(sales, data, dollars, notes, us_reasons, n)
    if dollar_pct is not None:
        rng = stream(3)
        pass_1y = draw_fact(data.fact("us", "cpi_passthrough_1y"), rng, n, 0.0, 1.0)
        pass_2y = draw_fact(data.fact("us", "cpi_passthrough_2y"), rng, n, 0.0, 1.0)
        inflation_1y, inflation_2y = inflation_pp(lasting_pct, pass_1y), inflation_pp(lasting_pct, pass_2y)
    else:
        inflation_1y = inflation_2y = None
        us_reasons["inflation_pp_2y"] = "the dollar's move is not available"
    tariff, tariff_holder, tariff_reason = _tariff(sales, data, on)
    available = [s for s in sellers if s.available]
    seller_cost = None
    if available and len(available) == len(sellers):
        seller_cost = sum(_ten_year_cost(s) for s in available)
    ledger = Ledger(list(sales), sellers, cost, dollar_pct, lasting_pct, against, inflation_1y, inflation_2y,
                    tariff, tariff_holder, tariff_reason, seller_cost, "", notes, us_reasons, effects)
    ledger.verdict = verdict_sentence(ledger)
    return ledger


def _conversions(sales, data: LedgerData, fx_estimate: FxEstimate | None, n: int, stream, notes: list[str]):
    """Per converting holder with evidence on its currency: draws of the exchange-rate path."""
    dollars: dict[str, DollarDraws | None] = {}
    effects: dict[str, FxEstimate] = {}
    for index, sale in enumerate(sales):
        rng = stream(1, index)
        if (not np.any(sale.converted_bn_by_month) or sale.holder not in FX_HOLDERS
                or data.missing(sale.holder, FX_KEYS) or len(data.fx_episodes) < 2):
            dollars[sale.holder] = None
            continue
        effect = shrink(fx_estimate, published_prior(data.fx_episodes))
        effects[sale.holder] = effect
        half_life = draw_fact(data.fact(sale.holder, "fx_half_life_days"), rng, n, 0.5, 250.0)
        lasting = draw_fact(data.fact(sale.holder, "fx_lasting_share"), rng, n, 0.0, 1.0)
        drawn = conversion_draws(sale.converted_bn_by_month, effect, half_life, lasting, rng)
        dollars[sale.holder] = drawn
        largest = max(e.usd_bn for e in data.fx_episodes)
        if drawn.largest_month_bn > largest * 1.05:
            notes.append(f"{sale.label} converts up to ${drawn.largest_month_bn:,.0f}bn in a month, more than the "
                         f"largest intervention on record (${largest:,.0f}bn): the exchange-rate effect is an "
                         "extrapolation")
    return dollars, effects


def _dollar(sales, data: LedgerData, dollars: dict, notes: list[str], us_reasons: dict[str, str], n: int):
    """The dollar against the sellers' currencies (impact and lasting, %), conversions weighted by
    the dollars converted; exactly zero when nobody converts."""
    converting = [s for s in sales if np.any(s.converted_bn_by_month)]
    priced = [s for s in converting if dollars.get(s.holder) is not None]
    unpriced = [s for s in converting if dollars.get(s.holder) is None]
    if not converting:
        notes.append("No seller converts its dollars, so the dollar does not move: selling Treasuries and keeping "
                     "the dollars changes yields, not the exchange rate.")
        return np.zeros(n), np.zeros(n), []
    if not priced:
        us_reasons["dollar_pct"] = ("no estimate of how the converting holders' currencies respond: "
                                    + ", ".join(s.label for s in unpriced))
        return None, None, []
    weights = np.array([abs(dollars[s.holder].converted_bn) for s in priced])
    weights = weights / weights.sum()
    dollar_pct = sum(w * dollars[s.holder].impact_dollar_pct for w, s in zip(weights, priced, strict=True))
    lasting_pct = sum(w * dollars[s.holder].lasting_dollar_pct for w, s in zip(weights, priced, strict=True))
    against = [data.holders[s.holder].currency if s.holder in data.holders else s.holder for s in priced]
    if unpriced:
        notes.append("The dollar's move leaves out the conversions of " + ", ".join(s.label for s in unpriced)
                     + " (no estimate of their currencies' response).")
    return dollar_pct, lasting_pct, against


def _tariff(sales, data: LedgerData, on: dt.date) -> tuple[TariffStake | None, str | None, str | None]:
    """The tariff at stake: the first seller with curated tariff data, on the day given."""
    for s in sales:
        if s.sold_bn == 0 and not np.any(s.sold_bn_by_month):
            continue
        try:
            stake = tariff_at_stake(data, s.holder, on)
        except ValueError as exc:  # a day outside the dated table
            return None, s.holder, str(exc)
        if stake is not None:
            return stake, s.holder, None
    return (None, sales[0].holder if sales else None,
            "US tariff data are curated for Japan only (data/curated/jp_tariff_timeline.csv)")


def _ten_year_cost(s: SellerLedger) -> np.ndarray:
    """The seller's cost over ten years (see the module docstring); lines not available count 0."""
    def line(key):
        x = s.lines.get(key)
        return 0.0 if x is None else x

    total = line("mtm_loss_bn") + line("translation_loss_lasting_bn") + YEARS * line("carry_forgone_bn_per_year")
    total = total + line("exporters_loss_bn")
    if s.exporters_lasting_bn_per_year is not None:
        total = total + (YEARS - 1) * s.exporters_lasting_bn_per_year
    return np.asarray(total, dtype=float)


def _round_bn(x: float) -> str:
    """``$12bn``, ``$1.2bn``, ``$1,200bn`` (plain words: whole numbers from $10bn)."""
    return money(x, 0 if abs(x) >= 10 else 1)


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _action_words(sales, sold: float, plural: bool) -> str:
    """What the plan does, as a gerund phrase: ``selling $211bn of Treasury bonds and notes``,
    ``pausing its purchases ($66bn of Treasury bonds and notes not bought)``, ``buying $46bn
    fewer Treasury bonds and notes than at its recent pace``, ``buying $92bn more ...``."""
    actions = {s.action for s in sales if s.sold_bn != 0 or np.any(s.sold_bn_by_month)}
    pos = "their" if plural else "its"
    amount = _round_bn(abs(sold))
    if actions == {"pause"}:
        return f"pausing {pos} purchases ({amount} of Treasury bonds and notes not bought)"
    if actions <= {"pause", "slowdown"} and sold > 0:
        return f"buying {amount} fewer Treasury bonds and notes than at {pos} recent pace"
    if sold < 0:
        return f"buying {amount} more Treasury bonds and notes"
    return f"selling {amount} of Treasury bonds and notes"


def verdict_sentence(ledger: Ledger) -> str:
    """One sentence of verdict in plain words, computed from the ledger's medians."""
    movers = [s for s in ledger.sellers if s.sold_bn != 0]
    if not movers:
        return "The scenario neither sells nor buys Treasuries, so there is no bargain to weigh."
    labels = [s.label for s in movers]
    who = _names([subject(x) for x in labels])
    whose = f"{subject(labels[0])}'s" if len(labels) == 1 else "the sellers'"
    sold = ledger.sold_bn
    us = float(np.median(ledger.interest_cost_10yr_bn))
    converting = [s for s in movers if s.proceeds is Proceeds.CONVERTED]
    named = [CURRENCY_WORDS[s.currency] for s in converting if s.currency in CURRENCY_WORDS]
    currency = (_names(list(dict.fromkeys(named))) if named and len(named) == len(converting)
                else "their own currencies")
    act = f"{who} {_action_words(ledger.sales, sold, len(labels) > 1)}"
    if sold > 0 and converting:
        act += f" and converting the dollars into {currency}"
    elif sold > 0:
        act += " and keeping the dollars"
    if us >= 0:
        parts = [f"{act} would add about {_round_bn(us)} to US federal interest over ten years"]
    else:
        parts = [f"{act} would save the US about {_round_bn(-us)} of federal interest over ten years"]
    if ledger.dollar_pct is not None and converting:
        d = float(np.median(ledger.dollar_pct))
        move = "fall" if d < 0 else "rise"
        against = _names([*dict.fromkeys(CURRENCY_WORDS.get(c, c) for c in ledger.dollar_against)])
        # a sale spread over months moves the dollar month by month: say which month's amount
        by_month = np.sum([np.clip(np.asarray(x.sold_bn_by_month, dtype=float), 0, None) for x in ledger.sales
                           if x.proceeds is Proceeds.CONVERTED], axis=0)
        spread = np.count_nonzero(by_month) > 1
        when = (f"as each month's dollars (at most {_round_bn(float(np.max(by_month)))}) are converted" if spread
                else "at first")
        parts.append(f"make the dollar {move} about {abs(d):.1f}% against {against} {when} (a move that fades "
                     "within weeks)")
    known = [s for s in movers if s.available]
    carry_said = False
    if ledger.seller_cost_10yr_bn is not None:
        seller = float(np.median(ledger.seller_cost_10yr_bn))
        them = subject(labels[0]) if len(labels) == 1 else "the sellers"
        # the carry's own median (a difference of medians is not the median of the difference)
        carry = float(np.median(np.asarray(ledger.seller_cost_10yr_bn) - ledger.seller_cost_without_carry()))
        # carry forgone is an opportunity cost: said where it is more than a fifth of the cost
        carry_said = seller > 0 and carry > 0.2 * seller
        share = (f" ({_round_bn(carry)} of it yield given up, an opportunity cost rather than a loss)"
                 if carry_said else "")
        parts.append(f"{'cost' if seller >= 0 else 'earn'} {them} about {_round_bn(abs(seller))} over the same "
                     f"ten years{share}")
    elif known:
        own = float(np.median(sum(_ten_year_cost(s) for s in known)))
        parts.append(f"{'cost' if own >= 0 else 'earn'} {_names([subject(s.label) for s in known])} about "
                     f"{_round_bn(abs(own))} over the same ten years (the published facts give no figure for the "
                     "others)")
    else:
        parts.append("cost the sellers an amount the published facts give no figure for")
    sentence = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    ratio = ledger.ratio_us_to_seller
    if ratio is not None:
        if ratio >= 1.5:
            sentence += f", so the US would bear about {ratio:.1f} times {whose} cost"
        elif ratio > 1 / 1.5:
            sentence += ", about as much as the US would bear"
        else:
            sentence += f", so {who} would bear about {1 / ratio:.1f} times the US cost"
        bare = ledger.ratio_us_to_seller_without_carry
        if carry_said and bare is not None and bare >= 1.5:
            sentence += f" (without the yield given up, the US would bear about {bare:.0f} times {whose} cost)"
    breakeven = ledger.break_even_sale_bn()
    if breakeven is not None and ledger.tariff is not None:
        goods = next((s.label for s in ledger.sellers if s.holder == ledger.tariff.holder), ledger.tariff.holder)
        withheld = {s.action for s in ledger.sales if s.sold_bn} <= {"pause", "slowdown"}
        sentence += (f"; ten years of extra US interest would equal the "
                     f"{_round_bn(ledger.tariff.duties_bn_per_year)} of US duties on {goods}'s goods in the "
                     f"scenario's first year at "
                     f"{'purchases withheld' if withheld else 'a sale'} of about {_round_bn(breakeven['median'])}")
    return upper_first(sentence) + "."


def ledger_json(sales: Sequence[HolderSale], yield_bp, interest_cost_10yr_bn, *, on: dt.date,
                data: LedgerData | None = None, fx_estimate: FxEstimate | None = None,
                usd_rates: dict[str, float] | None = None, seed: int = 0) -> dict:
    """:func:`build_ledger` as the ``ledger`` object of ``tlrisk simulate --json``."""
    return build_ledger(sales, yield_bp, interest_cost_10yr_bn, on=on, data=data, fx_estimate=fx_estimate,
                        usd_rates=usd_rates, seed=seed).to_dict()


def seller_cost_shown(record: dict) -> tuple[str | None, dict | None]:
    """The sellers' ten-year cost from a ledger record (:func:`ledger_json`): ``(None, band)``
    for the whole group's; where only one seller has the facts, ``(its label, its band)``;
    ``(None, None)`` when neither is known."""
    whole = record["bargain"]["seller_cost_10yr_bn"]
    if whole is not None:
        return None, whole
    known = [s for s in record["sellers"] if s.get("cost_10yr_bn")]
    return (known[0]["label"], known[0]["cost_10yr_bn"]) if len(known) == 1 else (None, None)


__all__ = ["Ledger", "band", "build_ledger", "dollar_pct_from_local", "ledger_json", "seller_cost_shown",
           "verdict_sentence"]
