"""One ipywidgets builder per field type of the data dictionary.

Each builder turns a :class:`~casekit.dictionary.Field` into a :class:`FieldWidget`:
the input itself, its label and help from the dictionary, and a place under it where
problems are shown in plain words. Nothing here knows a field by name; the forms in
:mod:`casekit.ui.forms` lay these out. Missing stays missing: every input can be empty,
and an empty input reads as ``None``, never as "no" or 0.

Every input is named for assistive technology by the field's label: a single input
carries it as its ipywidgets ``description`` (a real ``<label for=...>``); a group
(yes/no buttons, a multi-select's boxes) has a label beside it, which the page's
helper (:mod:`casekit.ui.assist`) ties to the group, with the help line and the problem
line as its description.

Every input carries a stable CSS class, ``casekit-field-<code>`` (a multi-select's
boxes also ``casekit-option-<code>-<value>``), its row ``casekit-row-<code>`` and its
problem line ``casekit-problem-<code>``, so that a browser test can find them.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..dictionary import Field
from ..validate import coerce_value, is_missing

NOT_ANSWERED = "Not answered"
_EMPTY = ""  # the value of the explicit "not answered" option


class FieldWidget:
    """The widgets of one field: ``row`` holds input (with its label), help line and
    problem line.

    ``get()`` reads the answer (``None`` when not answered), ``set(value)`` fills the
    input with a typed value, ``show(messages)`` writes problems under the input and
    ``observe(callback)`` calls ``callback()`` whenever the answer changes.
    """

    def __init__(
        self,
        field: Field,
        control: w.Widget,
        get: Callable[[], Any],
        set: Callable[[Any], None],
        watched: list[w.Widget] | None = None,
    ) -> None:
        self.field = field
        self.control = control
        self._get = get
        self._set = set
        self._watched = watched or [control]
        self.messages: list[tuple[str, str]] = []
        self.label = label_of(field)
        self.help = w.HTML(
            f"<small>{html.escape(field.help)}</small>" if field.help else ""
        )
        self.help.add_class("casekit-help")
        self.problem = w.HTML("")
        self.problem.add_class("casekit-problem")
        self.problem.add_class(f"casekit-problem-{field.code}")
        if hasattr(control, "description"):
            control.description = self.label
            shown = control
        else:  # a group: its label beside it, tied to it by the page's helper
            caption = w.Label(self.label)
            caption.add_class("casekit-group-label")
            shown = w.HBox([caption, control])
            shown.add_class("casekit-inline")
        self.row = w.VBox([shown, self.help, self.problem])
        self.row.add_class("casekit-row")
        self.row.add_class(f"casekit-row-{field.code}")

    def get(self) -> Any:
        return self._get()

    def set(self, value: Any) -> None:
        self._set(value)

    @property
    def visible(self) -> bool:
        return self.row.layout.display != "none"

    @visible.setter
    def visible(self, shown: bool) -> None:
        self.row.layout.display = None if shown else "none"

    def show(self, messages: list[tuple[str, str]]) -> None:
        """Write ``(severity, message)`` pairs under the input; none clears it. An
        error marks the row invalid (the helper sets ``aria-invalid`` from it)."""
        self.messages = list(messages)
        self.problem.value = "".join(
            f"<div class='casekit-{html.escape(severity)}'>"
            f"{'Warning: ' if severity == 'warning' else ''}{html.escape(text)}</div>"
            for severity, text in messages
        )
        if self.has_error:
            self.row.add_class("casekit-invalid")
        else:
            self.row.remove_class("casekit-invalid")

    @property
    def has_error(self) -> bool:
        return any(severity == "error" for severity, _ in self.messages)

    def observe(self, callback: Callable[[], None]) -> None:
        for widget in self._watched:
            widget.observe(lambda _change: callback(), names="value")


def build(field: Field) -> FieldWidget:
    """The widgets for ``field``, by its type."""
    return BUILDERS[field.type](field)


def label_of(field: Field) -> str:
    """The name a person (and a screen reader) knows the field by."""
    return field.label + (" (required)" if field.required else "")


def _tag(widget: w.Widget, field: Field) -> w.Widget:
    widget.add_class(f"casekit-field-{field.code}")
    return widget


def _key(field: Field) -> FieldWidget:
    # A key is made by casekit or chosen from a list, never typed.
    box = _tag(w.Text(disabled=True, placeholder="made by casekit when saved"), field)
    return FieldWidget(
        field,
        box,
        lambda: box.value.strip() or None,
        lambda value: setattr(box, "value", "" if value is None else str(value)),
    )


def _text(field: Field) -> FieldWidget:
    box = _tag(w.Textarea(rows=3) if field.free_text else w.Text(), field)
    return FieldWidget(
        field,
        box,
        lambda: None if is_missing(box.value) else box.value,
        lambda value: setattr(box, "value", "" if value is None else str(value)),
    )


def _numeric(field: Field) -> FieldWidget:
    # A text box, not IntText: a number box cannot be empty, and an empty answer
    # must stay missing rather than become 0.
    span = [f"{x:g}" for x in (field.min, field.max) if x is not None]
    hint = " to ".join(span) if len(span) == 2 else ""
    box = _tag(w.Text(placeholder=hint), field)
    box.add_class("casekit-short")

    def get() -> Any:
        if is_missing(box.value):
            return None
        typed, problem = coerce_value(field, box.value)
        return box.value.strip() if problem else typed

    def put(value: Any) -> None:
        if value is None:
            box.value = ""
        elif field.type == "integer":
            box.value = str(int(value))
        else:
            box.value = f"{float(value):g}"

    return FieldWidget(field, box, get, put)


def _date(field: Field) -> FieldWidget:
    box = _tag(w.DatePicker(value=dt.date.today()), field)
    return FieldWidget(
        field, box, lambda: box.value, lambda v: setattr(box, "value", v)
    )


def _choice(field: Field) -> FieldWidget:
    return _coded(field, w.Dropdown)


def _yesno(field: Field) -> FieldWidget:
    coded = _coded(field, w.ToggleButtons)
    coded.control.style.button_width = "auto"
    coded.control.add_class("casekit-group")  # a group of buttons, one pressed
    return coded


def _coded(field: Field, kind: type) -> FieldWidget:
    """One code of the field's, with "not answered" first: missing stays missing."""
    options = [(NOT_ANSWERED, _EMPTY), *((label, code) for code, label in field.codes)]
    box = _tag(kind(options=options, value=_EMPTY), field)
    return FieldWidget(
        field,
        box,
        lambda: box.value or None,
        lambda value: setattr(box, "value", _EMPTY if value is None else value),
    )


def _multi(field: Field) -> FieldWidget:
    boxes = {
        code: w.Checkbox(value=False, description=label, indent=False)
        for code, label in field.codes
    }
    for code, box in boxes.items():
        box.add_class(f"casekit-option-{field.code}-{code}")
        box.layout.width = "auto"
    grid = _tag(
        w.GridBox(
            list(boxes.values()),
            # as many columns as fit: three on a laptop, one on a phone
            layout=w.Layout(
                grid_template_columns="repeat(auto-fill, minmax(10em, 1fr))"
            ),
        ),
        field,
    )
    grid.add_class("casekit-group")

    def get() -> list[str] | None:
        chosen = [code for code, box in boxes.items() if box.value]
        return chosen or None

    def put(value: Any) -> None:
        chosen = set(value or ())
        for code, box in boxes.items():
            box.value = code in chosen

    return FieldWidget(field, grid, get, put, watched=list(boxes.values()))


BUILDERS: dict[str, Callable[[Field], FieldWidget]] = {
    "key": _key,
    "text": _text,
    "date": _date,
    "choice": _choice,
    "yesno": _yesno,
    "multi": _multi,
    "integer": _numeric,
    "number": _numeric,
}
