"""REDCap in and out: casekit's forms as a REDCap project, and REDCap exports back.

Export writes a REDCap data dictionary (the 18 columns of REDCap's "Data Dictionary"
page) with ``case`` as the record's form and ``session`` / ``followup`` as repeating
instruments, and a raw-data CSV of the kind REDCap's import tool takes: codes, not
labels; checkboxes as ``field___code`` 0/1 columns; ``redcap_repeat_instrument`` and
``redcap_repeat_instance`` on the rows of a session or follow-up.

Import turns such a raw-data export back into casekit's three tables of text cells,
which then pass the same validation as any CSV. A field that the REDCap dictionary
flags as an identifier is refused outright: casekit never stores one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..cells import restore_frame
from ..dictionary import Dictionary, Field
from ..errors import ImportFileError

DICTIONARY_COLUMNS = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type",
    "Field Label", "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min",
    "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)",
    "Matrix Group Name", "Matrix Ranking?", "Field Annotation",
]  # fmt: skip
REPEAT = ["redcap_repeat_instrument", "redcap_repeat_instance"]
# REDCap takes only letters, digits and underscores as a coded value.
_REDCAP_CODE = re.compile(r"^[A-Za-z0-9_]+$")
_VALIDATION = {"integer": "integer", "number": "number", "date": "date_ymd"}


def redcap_name(dictionary: Dictionary, form_name: str, code: str) -> str:
    """A field's REDCap name. REDCap wants names unique across the whole project, so
    a session's or follow-up's field that the case form also has (``notes``,
    ``nprs``, ``si_tight_side``) takes its form's name in front, as does a column
    that is no field of its form (a share's ``week``, which each repeating form
    has)."""
    if form_name == "case" or code == "case_id":
        return code
    if code in dictionary["case"] or code not in dictionary[form_name]:
        return f"{form_name}_{code}"
    return code


def raw_codes(f: Field) -> list[str]:
    """The coded values REDCap stores for a choice field: casekit's own codes when
    REDCap accepts them all, else 1, 2, 3... in the dictionary's order."""
    codes = list(f.code_values)
    if f.type == "multi" or all(_REDCAP_CODE.match(c) for c in codes):
        return codes
    return [str(i) for i in range(1, len(codes) + 1)]


def data_dictionary(
    dictionary: Dictionary,
    columns: dict[str, list[str]],
    generalised: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """The REDCap data dictionary of the fields in ``columns`` (per form, in order).

    ``generalised``: the case fields a share made k-anonymous by generalising them
    (:meth:`casekit.anonymity.Anonymised.generalised`), with the values they hold
    there. Such a field holds bands that are none of its codes (``40-59``, ``any``):
    it is declared a text field without validation, its values in its note.
    """
    generalised = generalised or {}
    rows = []
    for form in dictionary:
        for code in columns[form.name]:
            if form.instance and code in form.key:
                continue  # the record id and REDCap's repeat instance say these
            if form.name == "case" and code in generalised:
                rows.append(_generalised_row(form[code], generalised[code]))
            elif code in form:
                f = form[code]
                row = _dictionary_row(dictionary, form, f)
                if form.name == "case" and f.show_if and f.show_if.field in generalised:
                    # Its condition names codes the share no longer holds.
                    row["Branching Logic (Show field only if...)"] = ""
                rows.append(row)
            elif code == "week":  # a shared export's weeks since intake
                name = redcap_name(dictionary, form.name, code)
                rows.append(
                    _plain_row(form.name, name, "Weeks since intake", "integer")
                )
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS, dtype=object).fillna("")


def _generalised_row(f: Field, values: Sequence[str]) -> dict:
    row = _plain_row("case", f.code, f.label)
    row["Field Note"] = "Generalised in this share for k-anonymity: " + " | ".join(
        values
    )
    return row


def _plain_row(form: str, code: str, label: str, validation: str = "") -> dict:
    return {
        "Variable / Field Name": code,
        "Form Name": form,
        "Field Type": "text",
        "Field Label": label,
        "Text Validation Type OR Show Slider Number": validation,
    }


def _dictionary_row(dictionary: Dictionary, form, f: Field) -> dict:
    name = redcap_name(dictionary, form.name, f.code)
    row = _plain_row(form.name, name, f.label, _VALIDATION.get(f.type, ""))
    row["Field Note"] = f.help
    if f.type in ("choice", "multi"):
        row["Field Type"] = "dropdown" if f.type == "choice" else "checkbox"
        pairs = zip(raw_codes(f), (label for _, label in f.codes), strict=True)
        row["Choices, Calculations, OR Slider Labels"] = " | ".join(
            f"{raw}, {label}" for raw, label in pairs
        )
    elif f.type == "yesno":
        row["Field Type"] = "yesno"
    elif f.free_text:
        row["Field Type"] = "notes"
    for key, value in (("Text Validation Min", f.min), ("Text Validation Max", f.max)):
        row[key] = "" if value is None else f"{value:g}"
    row["Identifier?"] = "y" if f.identifier else ""
    row["Required Field?"] = "y" if f.required else ""
    if f.show_if is not None:
        target = form[f.show_if.field]
        raw = dict(zip(target.code_values, raw_codes(target), strict=True))
        row["Branching Logic (Show field only if...)"] = " or ".join(
            f"[{redcap_name(dictionary, form.name, f.show_if.field)}] = '{raw[v]}'"
            for v in f.show_if.values
        )
    return row


def to_redcap(
    dictionary: Dictionary,
    text: dict[str, pd.DataFrame],
    generalised: Collection[str] = (),
) -> pd.DataFrame:
    """REDCap raw data from casekit's three tables of text cells (as exported);
    the case fields of ``generalised`` (a share's) are written as they are, text,
    as :func:`data_dictionary` declares them."""
    parts = []
    for form in dictionary:
        frame = text[form.name]
        out = pd.DataFrame({"case_id": frame["case_id"]})
        if form.instance:
            out["redcap_repeat_instrument"] = form.name
            out["redcap_repeat_instance"] = frame[form.instance]
        for column in frame.columns:
            if column in ("case_id", form.instance):
                continue
            f = form[column] if column in form else None
            name = redcap_name(dictionary, form.name, column)
            if form.name == "case" and column in generalised:
                out[name] = frame[column]
            elif f is not None and f.type == "multi":
                chosen = [set(v.split("|")) if v else set() for v in frame[column]]
                for code in f.code_values:
                    out[f"{name}___{code}"] = [
                        "1" if code in picked else "0" for picked in chosen
                    ]
            elif f is not None and f.type in ("choice", "yesno"):
                out[name] = frame[column].map(_to_raw(f)).fillna("")
            else:
                out[name] = frame[column]
        out[f"{form.name}_complete"] = "2"
        parts.append(out)
    # object first: filling a float column with "" is refused by pandas to come
    data = pd.concat(parts, ignore_index=True).astype(object).fillna("")
    order = ["case_id", *REPEAT] + [
        c for c in data.columns if c not in ("case_id", *REPEAT)
    ]
    return (
        data[order]
        .sort_values(["case_id", "redcap_repeat_instrument"], kind="stable")
        .reset_index(drop=True)
    )


def _to_raw(f: Field) -> dict[str, str]:
    if f.type == "yesno":
        return {"yes": "1", "no": "0", "": ""}
    return {"": "", **dict(zip(f.code_values, raw_codes(f), strict=True))}


def is_redcap(table: pd.DataFrame) -> bool:
    """Whether a table of text cells looks like a REDCap raw-data export."""
    columns = [str(c) for c in table.columns]
    return (
        "redcap_repeat_instrument" in columns
        or "redcap_event_name" in columns
        or (
            any("___" in c for c in columns)
            and any(c.endswith("_complete") for c in columns)
        )
    )


def read_redcap_dictionary(folder: Path) -> pd.DataFrame | None:
    """The REDCap data dictionary beside a data file, if there is one."""
    for name in ("redcap_dictionary.csv", "dictionary.csv", "metadata.csv"):
        path = folder / name
        if path.is_file():
            table = restore_frame(
                pd.read_csv(
                    path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
                )
            )
            # REDCap's web page and its API name the same columns differently.
            if "Variable / Field Name" in table.columns:
                return table.rename(
                    columns={
                        "Variable / Field Name": "field_name",
                        "Identifier?": "identifier",
                    }
                )
            if "field_name" in table.columns:
                return table
    return None


def from_redcap(
    data: pd.DataFrame,
    dictionary: Dictionary,
    source: str,
    redcap_dictionary: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """casekit's tables of text cells from a REDCap raw-data export.

    Raises ``ImportFileError`` naming every field the REDCap dictionary flags as an
    identifier, and for longitudinal projects (events), which casekit does not map.
    """
    if redcap_dictionary is not None and "identifier" in redcap_dictionary.columns:
        flagged = redcap_dictionary.loc[
            redcap_dictionary["identifier"].str.strip().str.lower() == "y", "field_name"
        ].tolist()
        present = [f for f in flagged if f in data.columns]
        if present:
            raise ImportFileError(
                source,
                f"REDCap flags these fields as identifiers: {', '.join(present)}; "
                "casekit never stores an identifier, so nothing was imported (remove "
                "those columns and import again)",
            )
    if "redcap_event_name" in data.columns:
        raise ImportFileError(
            source,
            "a longitudinal REDCap project (events) cannot be mapped to casekit's "
            "forms; export the repeating instruments instead",
        )
    data = data.rename(columns={data.columns[0]: "case_id"})
    instrument = data.get("redcap_repeat_instrument", pd.Series("", index=data.index))
    unknown = set(instrument) - {"", *(f.name for f in dictionary if f.instance)}
    if unknown:
        raise ImportFileError(
            source,
            f"repeating instrument {sorted(unknown)[0]!r} is not a casekit form "
            "(session or followup)",
        )
    tables = {}
    for form in dictionary:
        rows = data[instrument == (form.name if form.instance else "")]
        if rows.empty and form.instance:
            continue
        tables[form.name] = _form_table(dictionary, form, rows)
    return tables


def _form_table(dictionary: Dictionary, form, rows: pd.DataFrame) -> pd.DataFrame:
    # REDCap's names back to this form's codes; a foreign column keeps its name.
    codes = {redcap_name(dictionary, form.name, c): c for c in form.codes}
    others = {
        redcap_name(dictionary, other.name, c)
        for other in dictionary
        if other.name != form.name
        for c in other.codes
    } - set(codes)
    out = pd.DataFrame({"case_id": rows["case_id"]}, index=rows.index)
    if form.instance:
        out[form.instance] = rows["redcap_repeat_instance"]
    boxes: dict[str, list[str]] = {}
    for column in rows.columns:
        if column in ("case_id", *REPEAT) or column.endswith("_complete"):
            continue
        name, _, choice = column.partition("___")
        if choice:
            if name not in others:
                boxes.setdefault(name, []).append(choice)
            continue
        code = codes.get(column, column)
        if code in form and form[code].type in ("choice", "yesno"):
            back = {raw: c for c, raw in _to_raw(form[code]).items()}
            out[code] = rows[column].map(lambda v, b=back: b.get(v.strip(), v))
        elif code in form or (column not in others and _has_values(rows[column])):
            # Every form's columns sit on every row of a REDCap export; a column of
            # another form, or an empty foreign one, does not belong to this form.
            out[code] = rows[column]
    for name, choices in boxes.items():
        ticked = rows[[f"{name}___{c}" for c in choices]].apply(
            lambda col: col.str.strip().isin(["1", "Checked"])
        )
        out[codes.get(name, name)] = [
            "|".join(c for c, on in zip(choices, flags, strict=True) if on)
            for flags in ticked.itertuples(index=False)
        ]
    return out  # the index stays the row's position in the file, for messages


def _has_values(column: pd.Series) -> bool:
    return bool((column.str.strip() != "").any())
