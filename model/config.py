"""Configuration files: TOML data validated into typed objects.

Every configuration the tool reads (holder names and groups, sources, valuation, literature,
fiscal figures, episodes, scenarios) is a TOML file validated by a pydantic model. Invalid
files are rejected before anything runs, with every problem listed as
``file: dotted.path - reason`` and a suggestion for misspelt keys.

The package's own configuration lives in ``model/config/``. Set ``TLRISK_CONFIG_DIR`` to a
folder holding edited copies of any of these files to use them instead.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from model.errors import InputError, ValidationFailed

M = TypeVar("M", bound=BaseModel)

_FOOTNOTE = re.compile(r"\s+\d{1,2}/\s*$")
_SPACES = re.compile(r"\s+")


class StrictModel(BaseModel):
    """Base for config models: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
    """
    override = os.environ.get("TLRISK_CONFIG_DIR")
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    return Path(str(resources.files("model") / "config" / name))


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a one-line :class:`InputError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", path) from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(match.group(1)) if match else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise InputError(f"invalid TOML: {msg}", path, line) from None


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


def format_validation_error(
    exc: ValidationError, path: str | Path, model: type[BaseModel]
) -> list[str]:
    """Turn a pydantic error into ``file: dotted.path - reason`` lines with suggestions."""
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        dotted = dotted_path(loc)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            choices = _known_fields(model, loc)
            close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            reason = f"unknown key{hint}"
        else:
            reason = err["msg"]
            if reason.startswith("Value error, "):
                reason = reason[len("Value error, ") :]
        problems.append(f"{path}: {dotted} — {reason}")
    return problems


def load_model(path: str | Path, model: type[M], data: dict[str, Any] | None = None) -> M:
    """Read a TOML file and validate it into ``model``.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    model : type
        A pydantic model class.
    data : dict, optional
        Already parsed TOML content (the file is then used only in messages).

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
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(format_validation_error(exc, path, model)) from None


# ---------------------------------------------------------------------------------------------
# Holder names and groups
# ---------------------------------------------------------------------------------------------


class HolderGroup(StrictModel):
    """A named set of holders: summed members (with an optional published aggregate) or a
    derived group (other groups added and subtracted)."""

    label: str
    members: list[str] = Field(default_factory=list)
    aggregate: str | None = None
    plus: list[str] = Field(default_factory=list)
    minus: list[str] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> HolderGroup:
        if bool(self.members) == bool(self.plus):
            raise ValueError("give either 'members' or 'plus' (with optional 'minus'), not both")
        if self.minus and not self.plus:
            raise ValueError("'minus' needs 'plus'")
        return self


class Definition(StrictModel):
    """A change in what a row covers, from a month on (``since``) or up to a month (``until``)."""

    note: str
    since: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    until: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")

    def text(self, holder: str) -> str:
        when = f"until {self.until}" if self.until else f"from {self.since}" if self.since else ""
        return f"{holder} {when}: {self.note}".replace("  ", " ")


class HolderConfig(StrictModel):
    """Canonical holder names, row kinds and holder groups (``holders.toml``)."""

    aliases: dict[str, list[str]]
    memo: dict[str, str]
    kinds: dict[str, list[str]]
    groups: dict[str, HolderGroup]
    definitions: dict[str, Definition] = Field(default_factory=dict)
    _alias: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _groups_resolve(self) -> HolderConfig:
        for key, group in self.groups.items():
            for ref in (*group.plus, *group.minus):
                if ref not in self.groups:
                    close = difflib.get_close_matches(ref, list(self.groups), n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    raise ValueError(f"group '{key}' refers to unknown group '{ref}'{hint}")
        return self

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
