"""How fast casekit answers at 1,000, 10,000 and 100,000 cases, beside a DuckDB peer.

    python benchmarks/run.py                    # all sizes, a Markdown table
    python benchmarks/run.py --sizes 1000 10000 --repeat 5

For each size it builds (once, then reuses) a synthetic store under
``benchmarks/stores/`` with about 5 sessions and 2 follow-ups a case, then measures,
each in a fresh process so that peak memory means something:

- load: the three frames from the store (``Store.frames()``);
- pattern table: derive plus the full pattern table from those frames;
- explorer update: one filter change in the explorer (recompute and redraw);
- peer: the same ten counts by an independent DuckDB SQL query on the same frames,
  and whether every k and n agrees;
- peak memory (maximum resident set size of that process).

Times are the best of ``--repeat`` runs, in seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
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
    from peer import peer_counts

    from casekit import Store
    from casekit.patterns import pattern_table
    from casekit.ui.explore import Explorer

    path = build_store(size)
    with Store(path) as store:
        load, frames = _best(store.frames, repeat)
    table_time, table = _best(lambda: pattern_table(frames), repeat)
    peer_time, peer = _best(lambda: peer_counts(frames), repeat)
    both = table[["pattern", "k", "n"]].merge(
        peer, on="pattern", suffixes=("", "_peer")
    )
    agree = bool(
        (both["k"] == both["k_peer"]).all() and (both["n"] == both["n_peer"]).all()
    )

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
        "peak_memory_mb": peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.repeat)))
        return 0
    STORES.mkdir(exist_ok=True)
    rows = []
    for size in args.sizes:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(size),
                "--repeat",
                str(args.repeat),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(_markdown(rows))
    return 0


def _markdown(rows: list[dict]) -> str:
    head = (
        "| cases | sessions | follow-ups | load (s) | pattern table (s) | "
        "explorer update (s) | DuckDB peer (s) | counts identical | peak MB |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r['cases']:,} | {r['sessions']:,} | {r['followups']:,} | "
            f"{r['load_s']:.2f} | {r['pattern_table_s']:.3f} | "
            f"{r['explorer_update_s']:.3f} | {r['duckdb_peer_s']:.3f} | "
            f"{'yes' if r['counts_identical'] else 'NO'} | {r['peak_memory_mb']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
