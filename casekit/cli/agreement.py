"""``casekit agreement``: how far the practice's examiners agree on the palpation
findings, from its repeated exams, beside the published figures."""

from __future__ import annotations

import argparse
import math

import pandas as pd

from ..agreement import agreement_table, kappa_words
from ..cells import neutralise_frame
from ..dictionary import Dictionary
from ..labels import finding_label, percent
from ..literature import EXAMINER_AGREEMENT
from ..sensitivity import HOW_TO_MEASURE
from ..store import Store
from .options import Commands, db_option

KIND_WORDS = {"between": "between examiners", "within": "same examiner, another day"}
BLINDING_WORDS = {"all": "all pairs", "yes": "blinded", "no": "not blinded"}
# The published figures are of palpation of the pelvis: SI joint, pelvic landmarks.
PUBLISHED_FOR = ("si_tight_side", "pelvic_high_side")
PUBLISHED = "; ".join(
    f"{s.kappa_low:.2f} to {s.kappa_high:.2f} ({s.source})"
    for s in EXAMINER_AGREEMENT
    if s.kappa_low is not None
)


def register(commands: Commands) -> None:
    """Add ``casekit agreement`` to ``casekit``."""
    sub = commands.add(
        "agreement",
        "How far examiners agree on each palpation finding (pairs of exams of the "
        "same case: between examiners on one day, the same examiner on two days): "
        "agreement, Cohen's kappa with its interval, PABAK, Fleiss' kappa; the "
        "blinded pairs apart; the published figures beside.",
        "casekit agreement --format json",
        run_agreement,
    )
    db_option(sub)
    sub.add_argument(
        "--format", choices=("text", "csv", "json"), default="text", dest="fmt"
    )


def run_agreement(args: argparse.Namespace) -> int:
    with Store(args.db, read_only=True) as store:
        exams = store.read("exam")
        dictionary = store.dictionary
    table = agreement_table(exams, dictionary)
    if args.fmt == "json":
        print(table.to_json(orient="records", indent=2))
    elif args.fmt == "csv":
        print(neutralise_frame(table).to_csv(index=False), end="")
    else:
        print(agreement_text(table, dictionary, len(exams)))
    return 0


def agreement_text(table: pd.DataFrame, dictionary: Dictionary, exams: int) -> str:
    """The agreement table as a person reads it, the published figures beside."""
    lines = []
    if not (table["pairs"] > 0).any():
        lines.append(
            f"No pairs of exams yet ({exams} exam{'s' * (exams != 1)} logged). "
            f"{HOW_TO_MEASURE[:1].upper()}{HOW_TO_MEASURE[1:]}."
        )
    for finding, rows in table.groupby("finding", sort=False):
        lines.append(finding_label("exam", finding, dictionary))
        for _, group in rows.groupby("kind", sort=False):
            every = group[group["blinded"] == "all"].iloc[0]
            blinded = group[group["blinded"] == "yes"].iloc[0]["pairs"]
            for row in group.to_dict("records"):
                row["all_blinded"] = 0 < every["pairs"] == blinded
                # The blinded and the other pairs apart, where they differ from all.
                if row["blinded"] != "all" and row["pairs"] in (0, every["pairs"]):
                    continue
                lines.append(f"  {_row_text(row)}")
        if finding in PUBLISHED_FOR:
            lines.append(f"  published, between examiners: kappa {PUBLISHED}")
    lines.append("Published agreement on palpation of the pelvis:")
    for study in EXAMINER_AGREEMENT:
        agreed = f"agreement {study.agreement}, " if study.agreement else ""
        lines.append(f"  {study.source}, {study.what}: {agreed}kappa {study.kappa}")
    lines.append(
        "Kappa corrects agreement for chance (0 is chance, 1 perfect); PABAK "
        "allows for one answer being far more common than the others."
    )
    return "\n".join(lines)


def _row_text(row: dict) -> str:
    what = f"{KIND_WORDS[row['kind']]}, {BLINDING_WORDS[row['blinded']]}"
    if row["blinded"] == "all" and row.get("all_blinded"):
        what += " (all blinded)"
    if row["pairs"] == 0:
        return f"{what}: no pairs yet"
    pairs = row["pairs"]
    text = f"{what}: {pairs} pair{'s' * (pairs != 1)}, agreed "
    text += percent(row["agreement"])
    if not math.isnan(row["kappa"]):
        words = kappa_words(row["kappa"], row["ci_low"], row["ci_high"], pairs=pairs)
        text += f", kappa {words}"
    text += f", PABAK {row['pabak']:.2f}"
    if not math.isnan(row["fleiss"]):
        text += f", Fleiss' kappa {row['fleiss']:.2f} (three examiners)"
    if row["note"]:
        text += f"; {row['note']}"
    return text
