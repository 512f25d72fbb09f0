"""The data dictionary as data: forms, fields, types, codes, labels, ranges and flags.

``dictionary.yaml`` beside this module is the single source of truth. Widgets,
validation, the store's columns, import and export columns all come from the
``Dictionary`` that :func:`load_dictionary` returns, so they cannot drift apart.
A practitioner may add fields in a local file (``data/dictionary.local.yaml``);
it may add, never redefine: codes already in use are stable.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .codelists import Reveal, parse_codes, parse_reveals
from .errors import DictionaryError

BUILTIN_PATH = Path(__file__).with_name("dictionary.yaml")
FORMS = ("case", "session", "followup", "exam")
TYPES = ("key", "text", "date", "choice", "multi", "yesno", "integer", "number")
# Columns the store adds itself; a field may not take these names.
SYSTEM_COLUMNS = ("deleted",)
# How a sentence names a record of each form, where it is not the form's name.
_NOUNS = {"followup": "follow-up"}
_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_FIELD_KEYS = {
    "code",
    "type",
    "label",
    "help",
    "codes",
    "min",
    "max",
    "soft_min",
    "soft_max",
    "required",
    "identifier",
    "quasi_identifier",
    "sensitive",
    "free_text",
    "short_code",
    "show_if",
    "default",
    "section",
    "share",
    "reveals",
}


def noun_of(form: str) -> str:
    """How a sentence names a record of ``form``: 'case', 'session', 'follow-up'."""
    return _NOUNS.get(form, form)


@dataclass(frozen=True)
class ShowIf:
    """Ask a field only when another field's answer is one of ``values``."""

    field: str
    values: tuple[str, ...]

    def holds(self, record: dict[str, Any]) -> bool:
        value = record.get(self.field)
        if isinstance(value, (list, tuple)):
            return any(v in self.values for v in value)
        return value in self.values


@dataclass(frozen=True)
class Field:
    """One field of a form, exactly as the dictionary defines it."""

    code: str
    type: str
    form: str
    label: str
    help: str = ""
    codes: tuple[tuple[str, str], ...] = ()
    min: float | None = None
    max: float | None = None
    soft_min: float | None = None
    soft_max: float | None = None
    required: bool = False
    identifier: bool = False
    # None: decided by __post_init__ (a shared local field of the case form is one).
    quasi_identifier: bool | None = None
    sensitive: bool = False
    # None: decided by the type (see __post_init__); True or False when declared.
    free_text: bool | None = None
    short_code: bool = False  # an examiner's code: screened like a site code
    show_if: ShowIf | None = None
    default: Any = None
    section: str = "core"
    # None: a kit field is shared, a local one is not (see __post_init__).
    share: bool | None = None
    local: bool = False  # added by the practitioner's dictionary.local.yaml
    # What an answer says of a quasi-identifier (a caesarean: female); see reveals.py
    reveals: tuple[Reveal, ...] = ()

    def __post_init__(self) -> None:
        # A text field is where a person types what they like, a name or a phone
        # number too: it is free text (never shared) unless it is a short code or
        # the dictionary declares it otherwise (`free_text: false`, as the kit's
        # site field does: a code from the store's site list). Either way its
        # values are screened for identifiers on every save and import
        # (validate.check_record): the flag says what a field is for, not what a
        # person cannot type there. Safe by default, not by flag.
        if self.free_text is None:
            is_free = self.type == "text" and not self.short_code
            object.__setattr__(self, "free_text", is_free)
        # A field of the practitioner's own leaves the store in a share export only
        # when declared `share: true`: the kit cannot know what it holds (a year of
        # birth, a GP practice), and a share export promises no case stands out.
        # Shared, a local field of the case form is a quasi-identifier (made
        # k-anonymous with the kit's own) unless declared `quasi_identifier: false`.
        if self.share is None:
            object.__setattr__(self, "share", not self.local)
        if self.quasi_identifier is None:
            is_quasi = self.local and bool(self.share) and self.form == "case"
            object.__setattr__(self, "quasi_identifier", is_quasi)

    @functools.cached_property
    def code_values(self) -> tuple[str, ...]:
        # asked for every coded cell an import checks
        return tuple(code for code, _ in self.codes)

    @functools.cached_property
    def own_code(self) -> dict[str, str]:
        """Each code to itself: a cell that is a code reads as this string, one
        shared by every record, not a string of its own (at 100,000 cases, two
        million of them held until the write)."""
        return {code: code for code in self.code_values}

    @functools.cached_property
    def code_of_folded(self) -> dict[str, str]:
        """The code each code or label stands for, casefolded (spreadsheets
        capitalise); where two codes share a word, the first one's."""
        found: dict[str, str] = {}
        for code, label in self.codes:
            found.setdefault(code.casefold(), code)
            found.setdefault(label.casefold(), code)
        return found

    def label_of(self, code: str) -> str:
        return dict(self.codes).get(code, code)

    @property
    def is_shareable(self) -> bool:
        """Whether this field may leave the store in a shared export: not an
        identifier, not free text (every text field a person types into, unless
        declared otherwise), not a date, and, if it is a local field, declared
        `share: true`."""
        withheld = self.identifier or self.free_text or self.type == "date"
        return bool(self.share) and not withheld


@dataclass(frozen=True)
class Form:
    """A form (``case``, ``session``, ``followup`` or ``exam``) and its ordered
    fields."""

    name: str
    label: str
    instance: str | None
    fields: tuple[Field, ...]

    def __getitem__(self, code: str) -> Field:
        try:
            return self.by_code[code]
        except (KeyError, TypeError):
            raise KeyError(code) from None

    def __contains__(self, code: object) -> bool:
        try:
            return code in self.by_code
        except TypeError:  # unhashable: no field's code
            return False

    @functools.cached_property
    def by_code(self) -> dict[str, Field]:
        """Each field by its code (looked up for every cell of an import: a dict,
        not a scan)."""
        return {f.code: f for f in self.fields}

    @functools.cached_property
    def defaults(self) -> dict[str, Any]:
        """The default of each field that has one (read-only by convention: it is
        the same dict for every record)."""
        return {f.code: f.default for f in self.fields if f.default is not None}

    @functools.cached_property
    def ruled_fields(self) -> tuple[Field, ...]:
        """The fields that have a rule for a record's check to apply: required,
        asked only on an answer (show-if), a number or a date (its range: a date
        from 1900 to a year ahead, any date field, a local one too), a text
        screened for identifiers (every text field: a short code, free text, and
        one declared `free_text: false` too). The others take any answer."""
        return tuple(
            f
            for f in self.fields
            if f.required
            or f.show_if is not None
            or f.type in ("integer", "number", "date", "text")
        )

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.fields]

    @property
    def key(self) -> tuple[str, ...]:
        return ("case_id",) if self.instance is None else ("case_id", self.instance)

    @property
    def noun(self) -> str:
        return noun_of(self.name)

    def narrowed(self, codes: Iterable[str]) -> Form:
        """This form with only the fields ``codes`` names and its key, in the
        form's order: what a reader that needs a few columns asks for."""
        wanted = {*codes, *self.key}
        return dataclasses.replace(
            self, fields=tuple(f for f in self.fields if f.code in wanted)
        )


@dataclass(frozen=True)
class Dictionary:
    """The forms (:data:`FORMS`), in order; ``version`` is the dictionary's
    version number."""

    forms: dict[str, Form]
    version: int = 1
    sources: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, form: str) -> Form:
        try:
            return self.forms[form]
        except KeyError:
            raise DictionaryError(
                form, f"is not a form; expected one of {', '.join(FORMS)}"
            ) from None

    def __iter__(self):
        return iter(self.forms.values())


def load_dictionary(
    local: str | Path | None = None, *, text: str | None = None
) -> Dictionary:
    """Load the built-in dictionary, plus a practitioner's local additions.

    Parameters
    ----------
    local
        Path of a local YAML file (``data/dictionary.local.yaml``) whose fields are
        added to the built-in forms. A missing file is simply ignored.
    text
        The local file's text, read from elsewhere (the copy a store keeps:
        :mod:`casekit.store.kept`); ``local`` then only names where it came from.

    Returns
    -------
    Dictionary
        Checked: a broken dictionary raises ``DictionaryError`` naming the field.
    """
    raw = _read_yaml(BUILTIN_PATH)
    forms = {
        name: _parse_form(name, spec, str(BUILTIN_PATH.name))
        for name, spec in (raw.get("forms") or {}).items()
    }
    missing = [name for name in FORMS if name not in forms]
    if missing:
        raise DictionaryError(missing[0], "form is missing", BUILTIN_PATH.name)
    sources = [BUILTIN_PATH.name]
    if text is None and local is not None and Path(local).exists():
        # utf-8-sig: a file saved by Notepad as "UTF-8 with BOM" is the same text.
        text = Path(local).read_text(encoding="utf-8-sig")
    if text is not None:
        forms = _add_local(forms, _parse_yaml(text, str(local)), str(local))
        sources.append(str(local))
    dictionary = Dictionary(forms, int(raw.get("version", 1)), tuple(sources))
    _check_show_if(dictionary)
    _check_reveals(dictionary)
    return dictionary


# libyaml's safe loader where PyYAML was built with it: the same documents, six
# times faster (every command reads the dictionary before anything else).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    return _parse_yaml(path.read_text(encoding="utf-8"), str(path))


def _parse_yaml(text: str, source: str) -> dict:
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise DictionaryError("-", f"is not valid YAML ({exc})", source) from None
    if not isinstance(data, dict):
        raise DictionaryError("-", "expected a mapping with `forms:`", source)
    return data


def _add_local(forms: dict[str, Form], raw: dict, path: str) -> dict[str, Form]:
    merged = dict(forms)
    for name, spec in (raw.get("forms") or {}).items():
        if name not in forms:
            raise DictionaryError(
                name, f"is not a form; expected one of {', '.join(FORMS)}", str(path)
            )
        base = forms[name]
        added = _parse_form(
            name,
            {"fields": spec.get("fields") or []},
            str(path),
            instance=base.instance,
            local=True,
        )
        for f in added.fields:
            if f.code in base:
                raise DictionaryError(
                    f.code,
                    f"is already in the {name} form; codes are stable, "
                    "add a field with a new code instead",
                    str(path),
                )
        merged[name] = Form(name, base.label, base.instance, base.fields + added.fields)
    return merged


def _parse_form(
    name: str,
    spec: dict,
    source: str,
    instance: str | None = None,
    local: bool = False,
) -> Form:
    if name not in FORMS:
        raise DictionaryError(
            name, f"is not a form; expected one of {', '.join(FORMS)}", source
        )
    fields: list[Field] = []
    for raw in spec.get("fields") or []:
        f = _parse_field(name, raw, source, local)
        if any(f.code == other.code for other in fields):
            raise DictionaryError(f.code, f"appears twice in the {name} form", source)
        fields.append(f)
    instance = spec.get("instance", instance)
    return Form(name, spec.get("label", name), instance, tuple(fields))


def _parse_field(form: str, raw: Any, source: str, local: bool = False) -> Field:
    if not isinstance(raw, dict) or "code" not in raw:
        raise DictionaryError("?", f"a field of the {form} form has no `code`", source)
    code = raw["code"]
    if not isinstance(code, str) or not _CODE_PATTERN.match(code):
        raise DictionaryError(
            str(code),
            "expected a code of lowercase letters, digits "
            "and underscores, starting with a letter",
            source,
        )
    if code in SYSTEM_COLUMNS:
        raise DictionaryError(code, "is a name the store keeps for itself", source)
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise DictionaryError(
            code,
            f"unknown setting {sorted(unknown)[0]!r}; expected "
            f"one of {', '.join(sorted(_FIELD_KEYS))}",
            source,
        )
    ftype = raw.get("type")
    if ftype not in TYPES:
        raise DictionaryError(
            code, f"type is {ftype!r}, expected one of {', '.join(TYPES)}", source
        )
    codes = parse_codes(code, ftype, raw.get("codes"), source)
    show_if = None
    if raw.get("show_if") is not None:
        cond = raw["show_if"]
        if not isinstance(cond, dict) or "field" not in cond or "in" not in cond:
            raise DictionaryError(
                code, "show_if expects {field: CODE, in: [VALUES]}", source
            )
        show_if = ShowIf(str(cond["field"]), tuple(str(v) for v in cond["in"]))
    numbers = {k: raw.get(k) for k in ("min", "max", "soft_min", "soft_max")}
    for key, value in numbers.items():
        if value is not None and not isinstance(value, (int, float)):
            raise DictionaryError(
                code, f"{key} is {value!r}, expected a number", source
            )
    f = Field(
        code=code,
        type=ftype,
        form=form,
        label=str(raw.get("label") or code),
        help=str(raw.get("help") or ""),
        codes=codes,
        required=bool(raw.get("required")),
        identifier=bool(raw.get("identifier")),
        quasi_identifier=_flag(raw, "quasi_identifier"),
        sensitive=bool(raw.get("sensitive")),
        free_text=_flag(raw, "free_text"),
        short_code=bool(raw.get("short_code")),
        show_if=show_if,
        default=raw.get("default"),
        section=str(raw.get("section") or "core"),
        share=_flag(raw, "share"),
        local=local,
        reveals=parse_reveals(code, ftype, codes, raw.get("reveals"), source),
        **numbers,
    )
    _check_sharing(f, raw, source)
    return f


def _flag(raw: dict, key: str) -> bool | None:
    """A flag as declared, or None when the field does not say (its default then
    depends on the field: see :class:`Field`)."""
    return None if raw.get(key) is None else bool(raw[key])


def _check_sharing(f: Field, raw: dict, source: str) -> None:
    """A declaration the share export could not keep is refused, not ignored."""
    if raw.get("share") and not f.is_shareable:
        kind = "a date" if f.type == "date" else "an identifier or free text"
        raise DictionaryError(
            f.code,
            f"says `share: true`, but it is {kind}, which no share export holds; "
            "remove `share: true` (or, for a code, declare `free_text: false`)",
            source,
        )
    if f.local and f.quasi_identifier and f.form != "case":
        raise DictionaryError(
            f.code,
            f"says `quasi_identifier: true`, but a share export makes the cases "
            f"k-anonymous, not each {noun_of(f.form)}; leave it out of shares "
            "(no `share: true`) or move it to the case form",
            source,
        )


def _check_show_if(dictionary: Dictionary) -> None:
    for form in dictionary:
        for f in form.fields:
            if f.show_if is None:
                continue
            if f.show_if.field not in form:
                raise DictionaryError(
                    f.code,
                    f"show_if names `{f.show_if.field}`, "
                    f"which is not a field of the {form.name} form",
                )
            target = form[f.show_if.field]
            unknown = [v for v in f.show_if.values if v not in target.code_values]
            if unknown:
                raise DictionaryError(
                    f.code,
                    f"show_if value {unknown[0]!r} is not a code of `{target.code}`",
                )


def _check_reveals(dictionary: Dictionary) -> None:
    """A field an answer reveals is a quasi-identifier of the case form (what a
    share makes k-anonymous), and each value revealed is one of its codes."""
    case = dictionary["case"]
    for form in dictionary:
        for f in form.fields:
            where = dictionary.sources[-1 if f.local else 0]
            for answer, target, values in f.reveals:
                if target not in case or not case[target].quasi_identifier:
                    raise DictionaryError(
                        f.code,
                        f"`reveals` of {answer!r} names `{target}`, which is not a "
                        "quasi-identifier of the case form; expected one of "
                        + ", ".join(q.code for q in case.fields if q.quasi_identifier),
                        where,
                    )
                codes = case[target].code_values
                unknown = [v for v in values if v not in codes]
                if unknown:
                    raise DictionaryError(
                        f.code,
                        f"`reveals` of {answer!r} gives `{target}` {unknown[0]!r}, "
                        f"which is not one of its codes ({', '.join(codes) or 'none'})",
                        where,
                    )
