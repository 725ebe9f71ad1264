"""The report's vocabulary: every technical term it uses, defined once (the glossary box at
the end of the brief). The brief's prose defines the few it needs at first use; everything
else is here."""

from __future__ import annotations

from model.report.document import Span, spans

GLOSSARY: list[tuple[str, str]] = [
    ("Basis point (bp)", "A hundredth of a percentage point: a yield going from 4.00% to 4.07% rose 7 bp."),
    ("Baseline; recent pace", "The path yields and federal interest would follow if every holder kept buying at "
     "its recent pace (its average net purchases over the last 12 months). Every move and cost in this report "
     "is a deviation from that baseline."),
    ("Net purchases", "What a holder bought minus what it sold over a period, $bn: positive = buying, negative = "
     "selling. The one sign convention for flows in this report."),
    ("Bonds and notes; bills", "Treasury securities maturing in more than a year (notes: 2 to 10 years; bonds: "
     "20 and 30 years), which the Treasury's net purchase tables measure; bills mature within a year and are "
     "anchored to the policy rate."),
    ("Posterior", "The tool's headline response: its own estimates from the data, pulled toward the range of "
     "published estimates in proportion to how imprecise they are (a Bayesian update)."),
    ("Data only", "The tool's own estimates, not pulled toward anything: the noisiest of the three responses."),
    ("Literature envelope", "The range of published estimates of how yields respond to Treasury purchases, "
     "rescaled to today's market: low, central and high. A range of answers, not a probability band."),
    ("Standard deviation (sd); standard error (se)", "How widely an estimate varies: about two-thirds of its "
     "distribution lies within one standard deviation of the middle. A standard error is the standard deviation "
     "of an estimate."),
    ("90% band", "For the posterior and data-only responses: the 5th to 95th percentiles of thousands of "
     "simulated paths (the middle number is the median). Nine times in ten the model's answer lies inside."),
    ("After 24 months", "The move two years after the plan starts: mostly the direct effect of the flows, and "
     "the number that depends least on how much of the effect lasts."),
    ("Peak", "The largest move along the path; it fades."),
    ("Lasting; lasting share", "The level that remains once the flows have passed and the transient part has "
     "decayed. It is the lasting share of the short-run effect, a share drawn from a Beta distribution (a "
     "distribution on 0 to 1) centred on the literature's long-run to short-run ratio."),
    ("Announced", "A plan priced partly at once, as if markets believed an announcement, and the rest as the "
     "flows happen."),
    ("Extra federal interest", "Cumulative additional net interest the federal government pays because yields "
     "differ from the baseline: existing debt rolled over, new borrowing at the new rates, and interest on "
     "the extra interest."),
    ("Seller's own loss", "The mark-to-market loss a seller takes on the Treasuries it still holds when its sales "
     "raise yields: modified duration × holdings × the 5-year move two years in. Where its reserves are published "
     "(Japan), its reserve Treasuries at their own duration; otherwise the bonds and notes the Treasury reports it "
     "holds, at the market's duration."),
    ("Seller's own cost (10 years)", "What a seller bears over ten years, as the bargain counts it: the "
     "mark-to-market loss on what it keeps, the part of its currency's rise against its dollar assets that "
     "lasts, ten years of carry forgone and its exporters' loss. The accounting gain on dollars it converts and "
     "the translation loss that fades within weeks are left out."),
    ("Carry forgone", "The yield a seller gives up on what it sells: the bond yield less what the money earns "
     "instead (the cost of its own financing bills if converted, the dollar deposit rate if kept). An "
     "opportunity cost, not a loss on its books: the report shows the seller's cost with and without it."),
    ("Valuation adjustment", "Since December 2011 the Treasury reports holdings at market value, so holdings "
     "fall when yields rise without any selling; the adjustment removes that price effect."),
    ("Distributed lags", "A regression of monthly yield changes on this month's and earlier months' purchases; "
     "the effect is the sum of the coefficients (the cumulative multiplier)."),
    ("HAC (Newey-West) errors", "Standard errors that allow for correlation of a regression's errors over time "
     "and for changing variance."),
    ("Block bootstrap", "Standard errors from re-estimating on samples made of blocks of consecutive months "
     "drawn with replacement."),
    ("Specification grid", "The same estimate repeated under every reasonable choice (flow measure, controls, "
     "lag length, sample window); the scenarios draw over those that forecast best out of sample, by their weights."),
    ("Local projections", "A separate regression for each horizon h of the yield change from month 0 to month "
     "h on the month-0 flow: the response over time without imposing a lag structure."),
    ("Empirical Bayes", "Priors whose spread is estimated from the data: here, how much holders' effects "
     "differ from one another."),
    ("Out of sample; RMSE", "Forecasts made only with data before each month; RMSE (root mean squared error) "
     "measures their size of error, and a ratio below 1 means the model beats the comparison."),
    ("Term premium (Kim-Wright)", "The part of the 10-year yield that is compensation for holding a long bond "
     "rather than rolling short ones, as estimated by the Federal Reserve Board's Kim-Wright model."),
    ("Placebo test", "The same measurement on ordinary days with no intervention: it shows how large a move "
     "chance alone produces, against which the intervention days are judged."),
    ("p-value", "How often chance alone (here: the placebo days) gives an effect at least as large; small "
     "values are evidence of a real effect."),
    ("2SLS; instrument", "Two-stage least squares: the part of Japan's purchases explained by an outside "
     "variable (the instrument, here its currency interventions) is used in place of the purchases, to "
     "separate cause from effect."),
    ("Anderson-Rubin test", "A test of no effect in a 2SLS regression that stays valid however weak the "
     "instrument is."),
    ("Custody", "Holdings are recorded where the securities are held: Belgium (Euroclear), Luxembourg "
     "(Clearstream), Switzerland and the UK hold much for owners elsewhere."),
    ("Foreign official", "Central banks, reserve managers and sovereign funds, as opposed to foreign private "
     "investors."),
]


def glossary_items() -> list[tuple[str, list[Span]]]:
    return [(term, spans(text)) for term, text in GLOSSARY]


def glossary_terms() -> list[str]:
    return [term for term, _ in GLOSSARY]
