"""Display names: what a reader sees in place of every internal key.

Machine-readable output keeps the ids (``japan``, ``10y``, ``dfedfunds_bp``); anything a person
reads (the report, figures, plain-text tables) goes through these functions, so no internal
name leaks into prose.
"""

from __future__ import annotations

from model.config import holder_config

MATURITY_LABEL = {
    "3m": "3-month", "2y": "2-year", "5y": "5-year", "10y": "10-year", "30y": "30-year",
    "tp10": "10-year term premium",
}
RESPONSE_LABEL = {"posterior": "posterior", "data": "data only", "literature": "literature"}
MEASURE_LABEL = {
    "reported": "reported net purchases",
    "naive": "change in holdings (naive)",
    "adjusted": "valuation-adjusted change in holdings",
}
CONTROL_LABEL = {
    "dfedfunds_bp": "change in the fed funds rate",
    "dbreakeven10y_bp": "change in the 10-year breakeven inflation rate",
    "fed_purchases": "the Federal Reserve's own Treasury purchases",
    "dterm_premium10y_bp": "change in the 10-year term premium",
}
# Country names as the Treasury prints them, and as a reader writes them
_COUNTRY_LABEL = {"China, Mainland": "China (Mainland)", "Korea, South": "South Korea"}


def holder_label(key: str) -> str:
    """A holder group's label (``japan`` -> ``Japan``) or a country's readable name; a row of the
    Treasury's table that is a group's only member reads as the group (``Grand Total`` ->
    ``Total foreign``)."""
    groups = holder_config().groups
    if key in groups:
        return groups[key].label
    if key in _COUNTRY_LABEL:
        return _COUNTRY_LABEL[key]
    sole = [g.label for g in groups.values() if list(g.members) == [key]]
    return sole[0] if len(sole) == 1 else key


def maturity_label(key: str) -> str:
    """``10y`` -> ``10-year``; ``tp10`` -> ``10-year term premium``."""
    return MATURITY_LABEL.get(key, key)


def measure_label(key: str) -> str:
    return MEASURE_LABEL.get(key, key)


def control_label(key: str) -> str:
    return CONTROL_LABEL.get(key, key.replace("_", " "))


def response_label(key: str) -> str:
    return RESPONSE_LABEL.get(key, key)


# group labels that are common nouns read with an article ("the oil exporters")
_COMMON_NOUN_STARTS = ("Oil ", "Foreign ", "Total ", "Custody ", "All ", "Other ")
_WITH_ARTICLE = {"United Kingdom", "United States", "United Arab Emirates", "Netherlands", "Philippines",
                 "Cayman Islands", "Bahamas", "British Virgin Islands", "Caribbean banking centres",
                 "Czech Republic", "Dominican Republic", "Channel Islands and Isle of Man"}


def upper_first(text: str) -> str:
    """``text`` with its first letter a capital (the rest as it is)."""
    return text[:1].upper() + text[1:]


def subject(label: str) -> str:
    """A holder's name as the subject of a sentence: ``Japan``, ``the United Kingdom``, ``the
    oil exporters``."""
    if label.startswith(_COMMON_NOUN_STARTS):
        return "the " + label[0].lower() + label[1:]
    if label in _WITH_ARTICLE:
        return "the " + label
    return label


def plural(label: str) -> bool:
    """Whether a holder's label takes a plural verb: a group named by a common noun in the
    plural (``Oil exporters``, ``Caribbean banking centres``), not a country (``Cayman Islands``)."""
    last = label.split(" (")[0].split()[-1] if label.strip() else ""
    return last.islower() and last.endswith("s") and not last.endswith("ss")


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
