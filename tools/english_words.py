"""Write casekit/english_words.txt.gz: the everyday English words of SCOWL.

    apt-get install wbritish && python tools/english_words.py

The identifier screen takes a word for a name when faker's name lists have it
(casekit.gazetteer) and it is not also an everyday English word ("Will", "Mark",
"Rose", "Walker" start sentences of clinical notes), and takes a capitalised word
after "husband", "Dr" or "patient" for a name when it is no English word. The words
are the lower-case entries of Debian's British English word list (wbritish, from
SCOWL), written once and shipped compressed, so that nothing is read from the system
at run time.
"""

from __future__ import annotations

import gzip
from pathlib import Path

WORDS = Path("/usr/share/dict/british-english")
OUT = Path(__file__).resolve().parents[1] / "casekit" / "english_words.txt.gz"
NOTICE = """\
# The lower-case words of SCOWL's British English list (Debian's wbritish), one a
# line, written by tools/english_words.py.
# SCOWL is Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify,
# distribute and sell these word lists, the associated scripts, the output created
# from the scripts, and its documentation for any purpose is hereby granted without
# fee, provided that the above copyright notice appears in all copies and that both
# that copyright notice and this permission notice appear in supporting
# documentation. Kevin Atkinson makes no representations about the suitability of
# this array for any purpose. It is provided "as is" without express or implied
# warranty.
"""


def main() -> None:
    words = sorted(
        {
            line.strip().removesuffix("'s")
            for line in WORDS.read_text(encoding="utf-8").splitlines()
            if line.strip().islower() and line.strip().isascii()
        }
    )
    # mtime=0: the same words give the same bytes, so git sees no change.
    with gzip.GzipFile(OUT, "wb", mtime=0) as out:
        out.write((NOTICE + "\n".join(words) + "\n").encode("utf-8"))
    print(f"{len(words)} words written to {OUT}")


if __name__ == "__main__":
    main()
