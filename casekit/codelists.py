"""A coded field's codes, and what its answers reveal, read from the dictionary's
YAML and checked field by field. Whether a revealed field and its values exist is
checked across the forms, by :func:`casekit.dictionary.load_dictionary`."""

from __future__ import annotations

from typing import Any

from .errors import DictionaryError

YESNO_CODES = (("yes", "Yes"), ("no", "No"))
CODED = ("choice", "multi", "yesno")
# (answer, field it reveals, the values that field may then have)
Reveal = tuple[str, str, tuple[str, ...]]
_REVEALS_FORM = "`reveals: {ANSWER: {FIELD: VALUE or [VALUES]}}`, e.g. "
_REVEALS_FORM += "`reveals: {prostate: {sex: male}}`"


def parse_codes(code: str, ftype: str, raw: Any, source: str) -> tuple:
    """The ``(code, label)`` pairs of a field's ``codes:`` list, in order."""
    if ftype == "yesno":
        return YESNO_CODES
    if ftype not in ("choice", "multi"):
        if raw:
            raise DictionaryError(code, f"a {ftype} field takes no codes", source)
        return ()
    if not raw:
        raise DictionaryError(code, f"a {ftype} field needs `codes`", source)
    pairs: list[tuple[str, str]] = []
    for item in raw:
        if not isinstance(item, dict) or len(item) != 1:
            raise DictionaryError(
                code, f"code entry {item!r}: expected `- code: label`", source
            )
        ((value, label),) = item.items()
        if not isinstance(value, str):
            # YAML reads bare yes/no/on/off as booleans and 1 as a number.
            raise DictionaryError(code, f"code {value!r} is not text; quote it", source)
        if "|" in value:
            raise DictionaryError(code, f"code {value!r} may not hold `|`", source)
        if any(value == seen for seen, _ in pairs):
            raise DictionaryError(code, f"duplicate code {value!r}", source)
        pairs.append((value, str(label)))
    return tuple(pairs)


def parse_reveals(
    code: str, ftype: str, codes: tuple, raw: Any, source: str
) -> tuple[Reveal, ...]:
    """What each answer of a coded field says of a quasi-identifier: a caesarean
    says the sex is female. ``raw`` is the field's ``reveals:`` mapping (or None);
    each answer must be one of the field's codes."""
    if raw is None:
        return ()
    if ftype not in CODED:
        raise DictionaryError(
            code,
            f"says `reveals`, but a {ftype} field has no coded answers; "
            f"only a {', '.join(CODED)} field may",
            source,
        )
    if not isinstance(raw, dict) or not raw:
        raise DictionaryError(
            code, f"`reveals` is {raw!r}; expected {_REVEALS_FORM}", source
        )
    answers = [value for value, _ in codes]
    found: list[Reveal] = []
    for answer, said in raw.items():
        if answer not in answers:
            raise DictionaryError(
                code,
                f"`reveals` names answer {answer!r}, which is not a code of "
                f"`{code}`; expected one of {', '.join(answers)} (quote yes/no)",
                source,
            )
        if not isinstance(said, dict) or not said:
            raise DictionaryError(
                code,
                f"`reveals` of {answer!r} is {said!r}; expected {_REVEALS_FORM}",
                source,
            )
        for target, values in said.items():
            values = [values] if isinstance(values, str) else values
            if not isinstance(values, list) or not values:
                raise DictionaryError(
                    code,
                    f"`reveals` of {answer!r} gives `{target}` {values!r}; expected "
                    "a code of that field or a list of its codes (quote yes/no)",
                    source,
                )
            found.append((answer, str(target), tuple(str(v) for v in values)))
    return tuple(found)
