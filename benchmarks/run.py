"""How fast casekit answers at 1,000, 10,000 and 100,000 cases, beside its peers.

    python benchmarks/run.py                    # all sizes, a Markdown table
    python benchmarks/run.py --sizes 1000 10000 --repeat 5 --no-forms

For each size it builds (once, then reuses) a synthetic store under
``benchmarks/stores/`` with about 5 sessions and 4 follow-ups a case, and its CSV
export (``casekit export``), then measures, each a command in a fresh process as a
person runs it, alternating casekit and its peer, best of ``--repeat`` runs:

- import: ``casekit import`` of the three CSVs into a new store (every record
  checked, all or nothing) against ``sqlite-utils insert`` of the same three CSVs
  (which checks nothing); ratio casekit / peer;
- patterns: ``casekit patterns`` from a cold start against the DuckDB peer
  (``benchmarks/peer.py``) counting the same ten patterns from the CSV export, from
  its own cold start; ratio casekit / peer, and whether every k and n agrees;
- explorer update: one filter change in the explorer (recompute and redraw), in a
  process that has the frames (load: ``Store.frames()``);
- forms ready: the logging page served by ``casekit serve``, from navigation to
  the case form's Save button, on a warm server (``benchmarks/forms.py``; once a
  size, best of three loads);
- peak memory: the largest resident set of ``casekit patterns`` and of the explorer
  process;
- the floor of ``casekit patterns``: a Python that only imports what its statistics
  come from (pandas, scipy.stats, statsmodels' Wilson interval and Holm
  adjustment), timed as the commands are.

Times are in seconds. The machine may be shared: alternate, repeat, take the best.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASEKIT = [sys.executable, "-m", "casekit"]
CSVS = ("cases.csv", "sessions.csv", "followups.csv")
# What `casekit patterns` cannot do without: the libraries its statistics come from.
FLOOR = [
    sys.executable,
    "-c",
    "import pandas, scipy.stats, statsmodels.stats.proportion, "
    "statsmodels.stats.multitest",
]
# sqlite-utils' command, installed beside this Python (the dev extras)
SQLITE_UTILS = str(Path(sys.executable).with_name("sqlite-utils"))
STORES = HERE / "stores"
SIZES = (1_000, 10_000, 100_000)


def build_store(size: int) -> Path:
    """The synthetic store of ``size`` cases, built on first use."""
    from casekit import Store
    from casekit.synth import populate

    path = STORES / f"cases-{size}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    with Store(partial, create=True, actor="benchmark") as store:
        populate(store, size, seed=size, batch=5_000, progress=_progress)
    partial.rename(path)
    print(
        f"\rbuilt {path.name} in {time.perf_counter() - start:.0f} s", file=sys.stderr
    )
    return path


def _progress(done: int, total: int) -> None:
    print(f"\rbuilding a store of {total} cases: {done}", end="", file=sys.stderr)


def _best(action, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(size: int, repeat: int) -> dict:
    """Every measurement for one size (run in a process of its own)."""
    import matplotlib

    matplotlib.use("Agg")
    sys.path.insert(0, str(HERE))
    from peer import peer_counts, peer_counts_from_csv

    from casekit import Store
    from casekit.patterns import pattern_table
    from casekit.ui.explore import Explorer

    path = build_store(size)
    with Store(path) as store:
        load, frames = _best(lambda: store.frames(columnar=True), repeat)
    table_time, table = _best(lambda: pattern_table(frames), repeat)
    peer_time, peer = _best(lambda: peer_counts(frames), repeat)
    both = table[["pattern", "k", "n"]].merge(
        peer, on="pattern", suffixes=("", "_peer")
    )
    agree = bool(
        (both["k"] == both["k_peer"]).all() and (both["n"] == both["n_peer"]).all()
    )
    from_csv = peer_counts_from_csv(export(size))
    agree &= [tuple(r) for r in table[["pattern", "k", "n"]].values] == from_csv

    explorer = Explorer(frames)
    choices = [v for _, v in explorer.filters["sex"].options if v != explorer.ALL]

    def update() -> None:
        # Alternate the filter so that every run really recomputes and redraws.
        update.turn = (getattr(update, "turn", 0) + 1) % len(choices)
        explorer._tables.clear()  # a view seen before is cached: measure a real one
        explorer.filters["sex"].value = choices[update.turn]

    explorer_time, _ = _best(update, repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "cases": size,
        "sessions": len(frames["session"]),
        "followups": len(frames["followup"]),
        "load_s": load,
        "pattern_table_s": table_time,
        "explorer_update_s": explorer_time,
        "duckdb_peer_s": peer_time,
        "counts_identical": agree,
        "explorer_peak_mb": peak,
    }


def export(size: int) -> Path:
    """The CSV export of the store of ``size`` cases, written on first use."""
    folder = STORES / f"csv-{size}"
    if not all((folder / name).exists() for name in CSVS):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(
            [*CASEKIT, "export", "--db", str(build_store(size)), str(folder)],
            check=True,
            capture_output=True,
        )
    return folder


def timed(command: list[str]) -> float:
    """Run ``command`` to its end: its wall time (s)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    return took


def peak_of(command: list[str]) -> float:
    """The peak resident memory (MB) of ``command``, run alone."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def commands(size: int, repeat: int) -> dict:
    """casekit's commands against their peers, alternating, best of ``repeat``."""
    db, csvs = build_store(size), export(size)
    files = [str(csvs / name) for name in CSVS]
    best = dict.fromkeys(
        ("import", "sqlite_utils", "patterns", "peer", "floor"), float("inf")
    )
    with tempfile.TemporaryDirectory() as scratch:
        for turn in range(repeat):
            ours, theirs = Path(scratch, f"c{turn}.db"), Path(scratch, f"s{turn}.db")
            subprocess.run(
                [*CASEKIT, "init", "--db", str(ours)], check=True, capture_output=True
            )
            took = timed([*CASEKIT, "import", "--db", str(ours), *files])
            best["import"] = min(best["import"], took)
            took = 0.0
            for name in CSVS:
                table = name.removesuffix(".csv")
                took += timed(
                    [
                        SQLITE_UTILS,
                        "insert",
                        str(theirs),
                        table,
                        str(csvs / name),
                        "--csv",
                    ]
                )
            best["sqlite_utils"] = min(best["sqlite_utils"], took)
            ours.unlink()
            theirs.unlink()
            took = timed([*CASEKIT, "patterns", "--db", str(db)])
            best["patterns"] = min(best["patterns"], took)
            took = timed([sys.executable, str(HERE / "peer.py"), str(csvs)])
            best["peer"] = min(best["peer"], took)
            best["floor"] = min(best["floor"], timed(FLOOR))
    return {
        "import_s": best["import"],
        "sqlite_utils_s": best["sqlite_utils"],
        "patterns_s": best["patterns"],
        "peer_s": best["peer"],
        "floor_s": best["floor"],
        "patterns_peak_mb": peak_of([*CASEKIT, "patterns", "--db", str(db)]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-forms", action="store_true", help="skip the browser measurement"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.repeat)))
        return 0
    STORES.mkdir(exist_ok=True)
    rows = []
    for size in args.sizes:
        build_store(size)
        one = [
            sys.executable,
            __file__,
            "--one",
            str(size),
            "--repeat",
            str(args.repeat),
        ]
        done = subprocess.run(one, capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row.update(commands(size, args.repeat))
        if not args.no_forms:
            sys.path.insert(0, str(HERE))
            from forms import forms_ready

            row["forms_ready_s"] = forms_ready(build_store(size))
        print(json.dumps(row), file=sys.stderr)
        rows.append(row)
    print(_markdown(rows))
    return 0


def _markdown(rows: list[dict]) -> str:
    head = (
        "| cases | sessions | follow-ups | import / sqlite-utils (s) | "
        "patterns cold / DuckDB peer (s) | statistics imports (s) | "
        "counts identical | load (s) | "
        "explorer update (s) | forms ready, warm (s) | peak MB (patterns, explorer) |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        forms = f"{r['forms_ready_s']:.2f}" if "forms_ready_s" in r else "-"
        lines.append(
            f"| {r['cases']:,} | {r['sessions']:,} | {r['followups']:,} | "
            f"{r['import_s']:.1f} / {r['sqlite_utils_s']:.1f} = "
            f"{r['import_s'] / r['sqlite_utils_s']:.2f} | "
            f"{r['patterns_s']:.2f} / {r['peer_s']:.2f} = "
            f"{r['patterns_s'] / r['peer_s']:.2f} | {r['floor_s']:.2f} | "
            f"{'yes' if r['counts_identical'] else 'NO'} | {r['load_s']:.2f} | "
            f"{r['explorer_update_s']:.3f} | {forms} | "
            f"{r['patterns_peak_mb']:.0f}, {r['explorer_peak_mb']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
