"""Configuration files: TOML data validated into typed objects.

Every configuration the tool reads (holder names and groups, sources, valuation, literature,
fiscal figures, episodes, scenarios) is a TOML file validated by a pydantic model. Invalid
files are rejected before anything runs, with every problem listed as
``file: dotted.path - reason`` and a suggestion for misspelt keys.

The package's own configuration lives in ``model/config/``. Set ``TLRISK_CONFIG_DIR`` to a
folder holding edited copies of any of these files to use them instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from model.arguments import is_numpy_scalar, shown_number
from model.errors import InputError, ValidationFailed, did_you_mean
from model.files import read_bytes_limited, read_text_limited

M = TypeVar("M", bound=BaseModel)

_GROUP_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_FOOTNOTE = re.compile(r"\s+\d{1,2}/\s*$")
_SPACES = re.compile(r"\s+")


# No number in any config or scenario file comes near these (the largest is a seed, 20,260,501);
# a field without bounds of its own still refuses 1e300, which would overflow what it feeds.
MAX_CONFIG_FLOAT = 1e12
MAX_CONFIG_INT = 2**53  # the largest whole number a JSON output (a float) holds exactly


class StrictModel(BaseModel):
    """Base for every config and scenario model: unknown keys are errors, values are never
    coerced (``"60"`` is not a number, ``true`` is not a share, ``5e7`` is not a whole number)
    and numbers must be finite (``nan`` and ``inf`` are refused) and at most ``1e12`` (a whole
    number ``2**53``) in size, in every field of every model that derives from it; fields
    check their own narrower domains."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _numbers_in_range(self) -> StrictModel:
        problems = [(loc, reason) for name in type(self).model_fields
                    for loc, reason in _oversized(getattr(self, name), (name,))]
        if problems:
            raise FieldProblems(problems)
        return self


def _oversized(value: Any, loc: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """Numbers inside ``value`` (lists, tuples, dicts; nested models check their own) that are
    too large for any setting."""
    if isinstance(value, bool):
        return []
    if isinstance(value, float) and abs(value) > MAX_CONFIG_FLOAT:
        return [(loc, f"{value:g} is too large for any setting (at most {MAX_CONFIG_FLOAT:g} in size)")]
    if isinstance(value, int) and abs(value) > MAX_CONFIG_INT:
        return [(loc, f"{value:,} is too large for any setting (at most 2**53 in size)")]
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in _oversized(item, (*loc, i))]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _oversized(item, (*loc, key))]
    return []


def _packaged_config_dir() -> Path:
    return Path(str(resources.files("model") / "config"))


class FieldProblems(ValueError):
    """Problems found by a model-level check, each with the location of the field it concerns.

    Raise it from a ``model_validator`` so that each problem is reported at its own dotted path
    (``holders[2].months``) rather than at the model's.

    Parameters
    ----------
    problems : list of (tuple, str)
        Location relative to the model (``("holders", 1, "months")``, 0-based) and the reason.
    """

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(reason for _, reason in problems))


def config_dir_override() -> Path | None:
    """The folder named by ``TLRISK_CONFIG_DIR``, checked; None when the variable is unset.

    Raises
    ------
    InputError
        When the folder does not exist, or holds a ``.toml`` file that is not one of the
        tool's configuration files (a misspelt name would otherwise be ignored silently).
    """
    override = os.environ.get("TLRISK_CONFIG_DIR")
    if not override:
        return None
    from model.paths import path_problem

    problem = path_problem(override)
    if problem:  # (an over-long name would fail below with a bare OSError)
        raise InputError(f"environment variable TLRISK_CONFIG_DIR='{override[:60]}' {problem}")
    folder = Path(override)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"environment variable TLRISK_CONFIG_DIR='{override}' {what}")
    known = sorted(p.name for p in _packaged_config_dir().glob("*.toml"))
    for path in sorted(folder.glob("*.toml")):
        if path.name not in known:
            hint = did_you_mean(path.name, known, f" (the files are {', '.join(known)})")
            raise InputError(f"not a configuration file of this tool{hint}", path)
    return folder


MAX_CSV_ROWS = 10_000  # a curated table is a few dozen rows; more is not a curated table


def csv_rows(path: str | Path, model: type[M], keep_blank: bool = False) -> list[tuple[int, M]]:
    """The rows of a curated CSV, each validated into ``model`` with its line in the file.

    The header must name the model's fields in order. A blank cell leaves an optional field at
    its default, or with ``keep_blank`` is the empty text. A bad row raises ``InputError`` as
    ``file:line: field: reason``; a file of more than :data:`MAX_CSV_ROWS` rows or none is refused.
    """
    path = Path(path)
    lines = read_text_limited(path, "config").splitlines()  # a size limit: /dev/zero is refused
    if len(lines) > MAX_CSV_ROWS + 1:
        raise InputError(f"has {len(lines):,} lines; a curated table has at most {MAX_CSV_ROWS:,}", path)
    expected = list(model.model_fields)
    rows = []
    try:
        reader = csv.DictReader(lines)
        if reader.fieldnames != expected:
            raise InputError(f"header should be '{','.join(expected)}'", path, 1)
        for row in reader:
            line = reader.line_num  # the row's last line in the file (a quoted cell may span lines)
            if None in row or any(v is None for v in row.values()):
                raise InputError(f"expected {len(expected)} fields", path, line)
            cells = {k: v.strip() for k, v in row.items() if keep_blank or v.strip() != ""}
            try:
                rows.append((line, model.model_validate_strings(cells)))
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(x) for x in err["loc"]) or None
                raise InputError(err["msg"].removeprefix("Value error, "), path, line, field) from None
    except csv.Error as exc:  # the csv module's own limits (a field over 128 kB, a stray NUL)
        raise InputError(f"unreadable as CSV ({exc})", path) from None
    if not rows:
        raise InputError("no rows after the header", path, 2)
    return rows


def check_order(rows: list[tuple[int, BaseModel]], attr: str, path: str | Path, strict: bool = True) -> None:
    """Numbered rows (:func:`csv_rows`) in ``attr`` order, each value once when ``strict``; the
    first row that is not is named by its line and field."""
    for (_, before), (line, row) in zip(rows, rows[1:], strict=False):
        value, previous = getattr(row, attr), getattr(before, attr)
        if strict and value == previous:
            raise InputError(f"{attr} {value} appears twice", path, line, attr)
        if value < previous:
            raise InputError(f"rows are not in {attr} order ({value} comes after {previous})", path, line, attr)


def config_path(name: str) -> Path:
    """Path of a packaged configuration file, honouring ``TLRISK_CONFIG_DIR``.

    Parameters
    ----------
    name : str
        File name inside ``model/config``, e.g. ``"holders.toml"``.

    Returns
    -------
    Path
        The user's copy if ``TLRISK_CONFIG_DIR`` holds one, else the packaged file.

    Raises
    ------
    InputError
        When ``TLRISK_CONFIG_DIR`` is set but unusable (see :func:`config_dir_override`).
    """
    override = config_dir_override()
    if override is not None and (override / name).is_file():
        return override / name
    return _packaged_config_dir() / name


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a one-line :class:`InputError`."""
    path = Path(path)
    raw = read_bytes_limited(path, "config")  # /dev/zero or a data file given as a config: refused
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path) from None
    except RecursionError:  # tomllib parses nested arrays by recursion
        raise InputError(f"invalid TOML: nested more than {MAX_DEPTH} levels deep", path) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(match.group(1)) if match else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise InputError(f"invalid TOML: {msg}", path, line) from None
    problem = toml_data_problem(data)
    if problem:
        raise InputError(problem[1], path, field=dotted_path(problem[0]))
    return data


MAX_DEPTH = 32  # tables and arrays inside each other; a settings or scenario file uses four
MAX_VALUES = 100_000  # every value of a settings or scenario file; a real one has a few hundred
_TOML_SCALARS = (str, bool, int, float, dt.date, dt.time)  # dt.datetime is a dt.date


def toml_data_problem(data: Any) -> tuple[tuple[Any, ...], str] | None:
    """The first place where ``data`` is not what a TOML file can hold, as ``(loc, reason)``:
    a key that is not text, a value of another type (a numpy number, a ``Decimal``), a table or list that contains itself, nesting deeper than
    :data:`MAX_DEPTH` or more than :data:`MAX_VALUES` values. None when it is plain TOML data.

    The walk is iterative and visits each value once (bounded by :data:`MAX_VALUES`).
    """
    stack: list[tuple[Any, tuple[Any, ...], tuple[int, ...]]] = [(data, (), ())]
    seen = 0
    while stack:
        value, loc, parents = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return (), f"holds more than {MAX_VALUES:,} values; a settings or scenario file has a few hundred"
        numpy = is_numpy_scalar(value)  # numpy.float64 is a float, np.int64 no int
        if not numpy and (value is None or isinstance(value, _TOML_SCALARS)):
            continue  # None (from Python): validation says where it is not allowed
        if not isinstance(value, dict | list | tuple):
            kind = type(value)
            name = f"{kind.__module__.split('.')[0]}.{kind.__name__}" if kind.__module__ != "builtins" else kind.__name__
            hint = "; give a Python value (int(x), float(x) or bool(x))" if numpy else ""
            return loc, (f"{name} is not a value a scenario or settings file can hold (text, a number, true or "
                         f"false, a date, a list or a table){hint}")
        if id(value) in parents:
            return loc, "contains itself (a table or list that refers back to one holding it)"
        if len(loc) >= MAX_DEPTH:
            return loc, f"nested more than {MAX_DEPTH} levels deep"
        inner = (*parents, id(value))
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    return loc, f"key {key!r} is not text"
            stack.extend((item, (*loc, key), inner) for key, item in reversed(value.items()))
        else:
            stack.extend((item, (*loc, i), inner) for i, item in reversed(list(enumerate(value))))
    return None


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names that were valid at the location of an 'extra_forbidden' error."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            # dict values: stay on the same annotation's value type
            continue
        annotation = fields[part].annotation
        current = _inner_model(annotation)
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    """The BaseModel class nested inside an annotation like ``dict[str, Group]`` or ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def dotted_path(loc: tuple[Any, ...]) -> str:
    """``('holders', 0, 'share')`` -> ``holders[1].share`` (1-based, as a user counts tables)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def describe_value(value: Any) -> str:
    """A TOML value as a user would recognise it in an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, float):
        return f"the number {value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return f"the number {shown_number(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


# pydantic error types that mean "a value of the wrong kind": the message names what was given
_TYPE_ERRORS = {"int_type", "float_type", "string_type", "bool_type", "list_type", "dict_type",
                "model_type", "model_attributes_type", "literal_error", "finite_number", "int_from_float",
                "tuple_type"}
# a month written YYYY-MM: every config and scenario field holding a month uses this pattern
# ([0-9], not \d: pydantic's patterns take \d to mean a digit of any script, such as '٢٠٢٦')
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _reason(err: dict[str, Any]) -> str:
    reason = err["msg"]
    if reason.startswith("Value error, "):
        return reason[len("Value error, ") :]
    if err["type"] == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == MONTH:
        return f"should be a month written YYYY-MM (got '{err.get('input')}')"
    if err["type"] in _TYPE_ERRORS and "input" in err:
        return f"{reason} (got {describe_value(err['input'])})"
    return reason


def format_validation_error(
    exc: ValidationError, path: str | Path, model: type[BaseModel]
) -> list[str]:
    """Turn a pydantic error into ``file: dotted.path - reason`` lines with suggestions."""
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        dotted = dotted_path(loc)
        located = err.get("ctx", {}).get("error")
        if isinstance(located, FieldProblems):
            lines = [f"{path}: {dotted_path(loc + where)} — {reason}" for where, reason in located.problems]
        elif err["type"] == "extra_forbidden":
            key = str(loc[-1])
            choices = _known_fields(model, loc)
            hint = did_you_mean(key, choices)
            lines = [f"{path}: {dotted} — unknown key{hint}"]
        else:
            lines = [f"{path}: {dotted} — {_reason(err)}"]
        problems += [line for line in lines if line not in problems]
    return problems


def _toml_value(value: Any) -> str:
    """TOML dates and times, for the JSON text validated below (a string field then checks them)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"unexpected {type(value).__name__} in TOML data")


def validate_data(model: type[M], data: Any, context: dict[str, Any] | None = None) -> M:
    """Validate parsed TOML into ``model`` exactly as the file says it.

    The data go through pydantic's JSON mode, where TOML's arrays are accepted wherever a list
    or a tuple is expected but nothing else is converted: strict types and finite numbers come
    from :class:`StrictModel`.

    Raises
    ------
    pydantic.ValidationError
    """
    text = json.dumps(data, default=_toml_value, allow_nan=True)
    return model.model_validate_json(text, context=context)


def load_model(
    path: str | Path, model: type[M], data: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> M:
    """Read a TOML file and validate it into ``model``.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    model : type
        A pydantic model class.
    data : dict, optional
        Already parsed TOML content (the file is then used only in messages).
    context : dict, optional
        Passed to the model's validators (facts from other files, e.g. the holder groups).

    Returns
    -------
    model instance

    Raises
    ------
    ValidationFailed
        Listing every problem as ``file: dotted.path - reason``.
    """
    if data is None:
        data = read_toml(path)
    try:
        return validate_data(model, data, context)
    except ValidationError as exc:
        raise ValidationFailed(format_validation_error(exc, path, model)) from None


# ---------------------------------------------------------------------------------------------
# Holder names and groups
# ---------------------------------------------------------------------------------------------


class HolderGroup(StrictModel):
    """A named set of holders: summed members (with an optional published aggregate) or a
    derived group (other groups added and subtracted)."""

    label: str = Field(min_length=1)
    members: list[str] = Field(default_factory=list)
    aggregate: str | None = None
    plus: list[str] = Field(default_factory=list)
    minus: list[str] = Field(default_factory=list)
    note: str = ""
    # "own": the group has its own coefficient in every regression and the specification grid
    # (and so its own posterior); "pooled": it is priced with the pooled effect
    estimate: Literal["own", "pooled"] = "pooled"
    # with its own estimate: whether it informs the pooled effect of the holders without one
    pool: bool = True
    # a residual of the regressions (``plus`` less every group with an estimate of its own):
    # adding a group with ``estimate = "own"`` takes it out of the residual by itself
    minus_estimated: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> HolderGroup:
        if bool(self.members) == bool(self.plus):
            raise ValueError("give either 'members' or 'plus' (with optional 'minus'), not both")
        if self.minus and not self.plus:
            raise ValueError("'minus' needs 'plus'")
        if self.minus_estimated and not self.plus:
            raise ValueError("'minus_estimated' (a residual) needs 'plus'")
        return self


class Definition(StrictModel):
    """A change in what a row covers, from a month on (``since``) or up to a month (``until``)."""

    note: str
    since: str | None = Field(default=None, pattern=MONTH)
    until: str | None = Field(default=None, pattern=MONTH)

    def text(self, holder: str) -> str:
        when = f"until {self.until}" if self.until else f"from {self.since}" if self.since else ""
        return f"{holder} {when}: {self.note}".replace("  ", " ")


class HolderConfig(StrictModel):
    """Canonical holder names, row kinds and holder groups (``holders.toml``)."""

    aliases: dict[str, list[str]]
    memo: dict[str, str]
    kinds: dict[Literal["aggregate", "memo"], list[str]]
    groups: dict[str, HolderGroup]
    definitions: dict[str, Definition] = Field(default_factory=dict)
    _alias: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _residuals(cls, data: Any) -> Any:
        """A residual group (``minus_estimated = true``) subtracts every group with an estimate
        of its own that is not itself a residual: one declaration adds a holder everywhere."""
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, dict):
            return data
        tables = {k: g for k, g in groups.items() if isinstance(g, dict)}
        own = [k for k, g in tables.items() if g.get("estimate") == "own" and g.get("minus_estimated") is not True]
        expanded = dict(groups)
        for key, g in tables.items():
            if g.get("minus_estimated") is True and isinstance(g.get("minus", []), list):
                extra = [k for k in own if k != key and k not in g.get("minus", [])]
                expanded[key] = {**g, "minus": [*g.get("minus", []), *extra]}
        return {**data, "groups": expanded}

    @property
    def estimated(self) -> list[str]:
        """Groups with an estimate of their own that are not residuals (file order)."""
        return [k for k, g in self.groups.items() if g.estimate == "own" and not g.minus_estimated]

    @property
    def pooled(self) -> list[str]:
        """Groups whose estimates inform the pooled effect of holders without one."""
        return [k for k in self.estimated if self.groups[k].pool]

    @model_validator(mode="after")
    def _groups_resolve(self) -> HolderConfig:
        problems = []
        for key, group in self.groups.items():
            if not _GROUP_KEY.match(key):
                problems.append((("groups", key), "a group key is lower case letters, digits and '_' "
                                                  "(it names the panel's columns)"))
            for field in ("plus", "minus"):
                for ref in getattr(group, field):
                    if ref not in self.groups:
                        hint = did_you_mean(ref, self.groups)
                        problems.append((("groups", key, field), f"unknown group '{ref}'{hint}"))
        if problems:
            raise FieldProblems(problems)
        cycle = self._cycle()
        if cycle:
            raise FieldProblems([(("groups", cycle[0]), "derived groups refer to each other in a circle: "
                                                        + " -> ".join(cycle))])
        return self

    def _cycle(self) -> list[str] | None:
        """A circle of derived groups (``a -> b -> a``), if there is one."""
        def visit(key: str, trail: list[str]) -> list[str] | None:
            if key in trail:
                return trail[trail.index(key):] + [key]
            group = self.groups[key]
            for ref in (*group.plus, *group.minus):
                found = visit(ref, [*trail, key])
                if found:
                    return found
            return None

        for key in self.groups:
            found = visit(key, [])
            if found:
                return found
        return None

    def problems_against(self, names: set[str], path: str | Path) -> list[str]:
        """Member groups none of whose holders appears in the data (a misspelt member leaves a
        group without a single number): one ``file: groups.KEY.members — reason`` line each.

        Parameters
        ----------
        names : set of str
            Every holder name in the loaded tables.
        path : str or Path
            The holders file, for the messages.
        """
        problems = []
        for key, group in self.groups.items():
            if not group.members:
                continue
            listed = [*group.members, *([group.aggregate] if group.aggregate else [])]
            if any(self.canonical(m) in names for m in listed):
                continue
            hint = did_you_mean(group.members[0], sorted(names))
            shown = ", ".join(f"'{m}'" for m in listed[:3]) + (", ..." if len(listed) > 3 else "")
            problems.append(f"{path}: groups.{key}.members — none of {shown} appears in the data{hint}")
        return problems

    def warnings_against(self, names: set[str], path: str | Path) -> list[str]:
        """Members absent from the data whose spelling is very close to a holder that is there
        (``'Luxembuorg'``): probably misspelt, silently missing from the group's sums. Members
        merely absent (the Treasury lists Gabon among the oil exporters) are not reported."""
        out = []
        for key, group in self.groups.items():
            for member in group.members:
                if self.canonical(member) in names:
                    continue
                hint = did_you_mean(member, sorted(names), cutoff=0.85)  # only a near miss is worth a warning
                if hint:
                    out.append(f"{path}: groups.{key}.members — '{member}' is not in the data{hint}; "
                               "the group is summed without it")
        return out

    def _alias_map(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for canonical, spellings in self.aliases.items():
            mapping[normalise_name(canonical).casefold()] = canonical
            for s in spellings:
                mapping[normalise_name(s).casefold()] = canonical
        return mapping

    def model_post_init(self, context: Any, /) -> None:
        self._alias = self._alias_map()

    def canonical(self, raw_name: str) -> str:
        """Canonical holder name for a spelling found in a file or typed by a user."""
        name = normalise_name(raw_name)
        return self._alias.get(name.casefold(), name)

    def memo_name(self, raw_name: str) -> str:
        """Canonical name of a row found under ``Of which:``."""
        name = normalise_name(raw_name)
        return self.memo.get(name, self.canonical(name))

    def kind(self, canonical_name: str) -> str:
        """``country``, ``aggregate`` or ``memo``."""
        for kind, names in self.kinds.items():
            if canonical_name in names:
                return kind
        return "country"

    def group_of_holder(self, name: str) -> str | None:
        """The group key whose label or key matches ``name``, if any (case-insensitive)."""
        folded = name.strip().casefold()
        for key, group in self.groups.items():
            if folded in (key.casefold(), group.label.casefold()):
                return key
        return None


def normalise_name(raw: str) -> str:
    """Strip quotes, padding and footnote markers from a holder name.

    Examples
    --------
    >>> normalise_name('"Korea, South "')
    'Korea, South'
    >>> normalise_name("Belgium  5/")
    'Belgium'
    """
    name = raw.strip().strip('"').strip()
    name = _FOOTNOTE.sub("", name)
    return _SPACES.sub(" ", name).strip()


@cache
def holder_config() -> HolderConfig:
    """The holder names and groups in effect (``holders.toml``)."""
    path = config_path("holders.toml")
    return load_model(path, HolderConfig)
