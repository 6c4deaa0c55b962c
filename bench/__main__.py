"""``python -m bench [--quick] [--only NAME ...]``: every benchmark in order, one table.

The benchmarks run one after another in this process, each on its own scratch database
(and worker and queue, where it has them), with progress on stderr. At the end one
combined table goes to stdout, each benchmark's figures to ``bench/results/<name>.json``
and all of them to ``bench/results/all.json``. A benchmark that fails is reported (a row
in the table; its error and traceback in the JSON files) and the rest still run; the exit
status is then 1. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

from bench.common import RESULTS, Figure, machine, markdown_table, print_table, say, write_json

#: In the order of the issue's list of figures.
BENCHMARKS = (
    "transitions",
    "signoff_latency",
    "sweep",
    "listing",
    "audit_verify",
    "memory",
    "checkpoint",
    "pages_load",
)


def _failure(name: str, error: BaseException) -> Figure:
    """The table's row for a benchmark that failed: no value, target not met."""
    message = " ".join(str(error).split())
    return Figure(
        bench=name,
        name=f"FAILED: {type(error).__name__}: {message[:70]}",
        value=math.nan,
        unit="",
        met=False,
        notes=message,
    )


def run_one(name: str, quick: bool) -> tuple[list[Figure], dict[str, Any]]:
    """Run ``bench.<name>`` and write its JSON: its figures and what to say of the run."""
    started = machine()
    began = time.perf_counter()
    try:
        figures = importlib.import_module(f"bench.{name}").run(quick)
    except Exception as error:  # reported and the next benchmark runs; Ctrl-C still stops
        seconds = round(time.perf_counter() - began, 1)
        trace = traceback.format_exc()
        print(trace, file=sys.stderr, flush=True)
        say(f"{name}: FAILED after {seconds:.0f} s: {_failure(name, error).notes}")
        outcome = {"seconds": seconds, "error": f"{type(error).__name__}: {error}"}
        write_json(name, [], machine=started, quick=quick, traceback=trace, **outcome)
        return [_failure(name, error)], outcome
    seconds = round(time.perf_counter() - began, 1)
    write_json(name, figures, machine=started, quick=quick, seconds=seconds)
    say(f"{name}: done in {seconds:.0f} s")
    return figures, {"seconds": seconds, "figures": len(figures)}


def print_markdown() -> int:
    """The table of the last full run, for docs/performance.md, with its machine."""
    path = RESULTS / "all.json"
    if not path.exists():
        print(f"{path} is missing: run `make bench` first", file=sys.stderr)
        return 2
    saved = json.loads(path.read_text(encoding="utf-8"))
    print(markdown_table(Figure.from_mapping(f) for f in saved["figures"]))
    print()
    print(f"machine: {json.dumps(saved['machine'])}; {saved['seconds'] / 60:.1f} minutes")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run")
    parser.add_argument(
        "--only", nargs="+", choices=BENCHMARKS, metavar="NAME", help=", ".join(BENCHMARKS)
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the last run's table (bench/results/all.json) as Markdown and exit",
    )
    args = parser.parse_args(argv)
    if args.markdown:
        return print_markdown()
    selected = [name for name in BENCHMARKS if not args.only or name in args.only]
    started = machine()
    began = time.perf_counter()
    figures: list[Figure] = []
    outcomes: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(selected, 1):
        say(f"[{i}/{len(selected)}] {name}{' (quick)' if args.quick else ''}")
        found, outcomes[name] = run_one(name, args.quick)
        figures += found
    seconds = round(time.perf_counter() - began, 1)
    failed = [name for name, outcome in outcomes.items() if "error" in outcome]
    title = f"cjji-workflow benchmarks{' (quick)' if args.quick else ''}"
    print_table(figures, title)
    path = write_json(
        "all",
        [f for f in figures if f.bench not in failed],
        machine=started,
        quick=args.quick,
        seconds=seconds,
        benchmarks=outcomes,
    )
    say(f"wrote {path}; {seconds / 60:.1f} minutes in all")
    if failed:
        say(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
