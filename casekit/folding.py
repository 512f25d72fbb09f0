"""Text folded to plain ASCII before the identifier screen reads it, with a map back.

An identifier disguised with Unicode must not slip past a screen that reads ASCII:
a zero-width space inside a phone number (``07700\\u200b900123``), a Cyrillic ``о``
in a surname, a full-width ``＠``, a non-breaking space in a postcode, the division
slash ``∕`` in a date. :func:`fold` therefore

1. drops invisible format characters (Unicode category Cf: zero-width spaces and
   joiners, the soft hyphen, the byte-order mark, direction marks);
2. applies NFKC compatibility normalisation (full-width forms, ligatures,
   non-breaking and other spaces);
3. transliterates what is still not ASCII with ``anyascii``, which also folds
   confusable letters of other scripts to the Latin letters they look like.

It keeps, for every character of the folded text, the position of the character of
the original it came from, so that a finding still says where it is in the text
the practitioner typed.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Folded:
    """Folded text and, for each of its characters, where it came from."""

    text: str
    origin: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the folded ``[start, end)`` covers."""
        if start >= end:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> Folded:
    """``text`` as plain ASCII, with the map back to its characters."""
    if text.isascii():  # the common case: nothing to fold, nothing to map
        return Folded(text, tuple(range(len(text))), text)
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        replacement = _fold_char(char)
        out.append(replacement)
        origin.extend([index] * len(replacement))
    return Folded("".join(out), tuple(origin), text)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char.isascii():
        return char
    if unicodedata.category(char) == "Cf":  # zero-width, soft hyphen, BOM, marks
        return ""
    char = unicodedata.normalize("NFKC", char)
    if char.isascii():
        return char
    from anyascii import anyascii

    return anyascii(char)
