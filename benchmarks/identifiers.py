"""How well the identifier screen does on labelled notes: recall on identifiers, pass
rate on clinical notes, per part of the corpus and per category.

    python benchmarks/identifiers.py            # both parts, with categories
    python benchmarks/identifiers.py --misses   # and every note it got wrong
    python benchmarks/identifiers.py --screen 10000  # and time 10,000 notes

The corpus is ``tests/fixtures/notes/`` (see its README): ``dev.tsv``, which the
screen's rules were tuned on, and ``heldout.tsv``, which they never were. Also times
the screen per note (its first call pays for loading the name lists), and with
``--screen N`` a screen of N distinct synthetic notes, as an import of N records
with a note each would run it (the screen's cache cleared first: every note new).
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

NOTES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "notes"
PARTS = ("dev", "heldout")


@dataclass(frozen=True)
class Note:
    label: str  # identifier | clinical
    category: str
    text: str


def load(part: str) -> list[Note]:
    """The notes of one part of the corpus, ``\\uXXXX`` read as that character."""
    notes = []
    for line in (NOTES / f"{part}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label, category, text = line.split("\t", 2)
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
        notes.append(Note(label, category, text))
    return notes


def score(notes: list[Note]) -> dict[str, dict[str, list[Note]]]:
    """Per label, the notes the screen got right and wrong."""
    from casekit.identifiers import scan_text

    result: dict[str, dict[str, list[Note]]] = defaultdict(
        lambda: {"right": [], "wrong": []}
    )
    for note in notes:
        refused = bool(scan_text(note.text))
        right = refused == (note.label == "identifier")
        result[note.label]["right" if right else "wrong"].append(note)
    return result


def rates(notes: list[Note]) -> tuple[float, float]:
    """Recall on identifiers (share refused) and pass rate on clinical notes."""
    scored = score(notes)
    recall = _share(scored["identifier"])
    passed = _share(scored["clinical"])
    return recall, passed


def _share(outcome: dict[str, list[Note]]) -> float:
    total = len(outcome["right"]) + len(outcome["wrong"])
    return len(outcome["right"]) / total if total else float("nan")


def _fraction(outcome: dict[str, list[Note]]) -> str:
    right, total = len(outcome["right"]), len(outcome["right"]) + len(outcome["wrong"])
    return f"{right}/{total} ({_share(outcome):.1%})"


def synthetic_notes(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct notes, each two or three of ``casekit.synth``'s short
    clinical notes joined as a practitioner writes them ("L4-5 tender; glute med
    weak R")."""
    from casekit.synth.case import CASE_NOTES, FOLLOWUP_NOTES, SESSION_NOTES

    pool = [*CASE_NOTES, *SESSION_NOTES, *FOLLOWUP_NOTES]
    rng = random.Random(seed)
    notes: dict[str, None] = {}
    while len(notes) < count:
        notes["; ".join(rng.sample(pool, rng.choice((2, 3))))] = None
    return list(notes)


def time_screen(count: int) -> tuple[float, int]:
    """Seconds to screen ``count`` distinct synthetic notes, none cached, and how
    many of them the screen refused (clinical notes all: it should be none)."""
    from casekit import identifiers

    notes = synthetic_notes(count)
    identifiers.scan_text("warm up: Margaret, 07700 900123")
    identifiers._scanned.cache_clear()
    refused = 0
    start = time.perf_counter()
    for note in notes:
        refused += bool(identifiers.scan_text(note))
    return time.perf_counter() - start, refused


# Notes of about 50 KB written to make a pattern backtrack: each must take about as
# long as 50 KB of clinical text, a few seconds at most, never minutes.
HOSTILE = {
    "dotted run": "a." * 25_000,
    "spaced dots": "a . " * 12_500,
    "dots in words": "a dot " * 8_333,
    "hyphenated run": "(" + "a-" * 25_000,
    "at in words": "a at " * 10_000,
    "spaced digits": "1 " * 25_000,
    "zeros and Os": "0O" * 25_000,
    "disguised names": "Sm1th J0nes a1b2c3 " * 2_500,
    "names in company": "J. Pate1 john pate1 saw Pate1 " * 1_724,
    "number words": "seven oh double " * 3_125,
    "words and digits": "1 one double double " * 2_500,
    "digits, fillers": "07700 and then " * 3_333,
    "words, fillers": "seven um er " * 4_166,
    "street words": "Mill Road Close Drive " * 2_272,
    "names glued": "KateWard K.Ward JWatts " * 2_173,
    "spaced letters": "k w @ g . " * 5_000,
    "mail, networks": "kate1 at gmail jo_2 on ig " * 1_923,
    "hundreds": "seven hundred " * 3_571,
    "clinical text": "Left SIJ tight, L4-5 NPRS 7/10, HEP reviewed, 2/52. " * 1_000,
}


def time_hostile() -> dict[str, float]:
    """Seconds to screen each note of ``HOSTILE``, none cached."""
    from casekit import identifiers

    identifiers.scan_text("warm up: Margaret, 07700 900123")
    seconds = {}
    for name, note in HOSTILE.items():
        start = time.perf_counter()
        identifiers._scanned.__wrapped__(note, (), False)
        seconds[name] = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print wrong notes")
    parser.add_argument(
        "--screen", type=int, metavar="N", help="time a screen of N synthetic notes"
    )
    parser.add_argument(
        "--hostile", action="store_true", help="time 50 KB notes made to backtrack"
    )
    args = parser.parse_args()
    from casekit.identifiers import scan_text

    start = time.perf_counter()
    scan_text("warm up: Margaret, 07700 900123")
    first = time.perf_counter() - start
    for part in PARTS:
        notes = load(part)
        start = time.perf_counter()
        scored = score(notes)
        each = (time.perf_counter() - start) / len(notes)
        ids, clinical = scored["identifier"], scored["clinical"]
        print(
            f"{part}: {len(notes)} notes; identifiers refused {_fraction(ids)}, "
            f"clinical notes passed {_fraction(clinical)}; {each * 1000:.2f} ms a note"
        )
        by_category: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for label, outcome in scored.items():
            for key in ("right", "wrong"):
                for note in outcome[key]:
                    counts = by_category[(label, note.category)]
                    counts[0] += key == "right"
                    counts[1] += 1
        for (label, category), (right, total) in sorted(by_category.items()):
            verb = "refused" if label == "identifier" else "passed"
            print(f"    {label:10} {category:14} {verb} {right}/{total}")
        if args.misses:
            for label, outcome in scored.items():
                for note in outcome["wrong"]:
                    found = "; ".join(
                        f"{f.kind}: {f.text!r}" for f in scan_text(note.text)
                    )
                    print(f"  MISS {label} [{note.category}] {note.text!r} {found}")
    print(f"first call (loads the name lists and patterns): {first * 1000:.0f} ms")
    if args.screen:
        seconds, refused = time_screen(args.screen)
        print(
            f"{args.screen} distinct synthetic notes screened in {seconds:.2f} s "
            f"({seconds / args.screen * 1000:.3f} ms a note), {refused} refused"
        )
    if args.hostile:
        for name, seconds in time_hostile().items():
            print(f"{name:16} {len(HOSTILE[name]):6} characters: {seconds:.2f} s")


if __name__ == "__main__":
    main()
