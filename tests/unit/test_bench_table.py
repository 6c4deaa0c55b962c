"""The Markdown table `python -m bench --markdown` prints for docs/performance.md."""

from __future__ import annotations

from bench.common import Figure, markdown_table


def test_each_figure_is_one_row_with_its_baseline_ratio_and_verdict() -> None:
    figures = [
        Figure(
            "listing", "`streams list --json`, 10k", 1186.0, "ms", 515.0, "raw", 2.3, "≤ 3×", True
        ),
        Figure(
            "transitions", "1 | client", 160.0, "/s", 1085.0, "raw psycopg", 0.15, "≥ 0.5×", False
        ),
        Figure("checkpoint", "verify a proof", 9.13, "µs", None, "", None, "—", None),
    ]
    lines = markdown_table(figures).splitlines()
    assert lines[0].startswith("| benchmark | figure | measured |")
    assert (
        lines[2]
        == "| listing | `streams list --json`, 10k | 1,186 ms | 515 ms (raw) | 2.30× | ≤ 3× | yes |"
    )
    assert (
        lines[3]
        == "| transitions | 1 \\| client | 160 /s | 1,085 /s (raw psycopg) | 0.15× | ≥ 0.5× "
        "| **no** |"
    )
    assert lines[4] == "| checkpoint | verify a proof | 9.13 µs | — | — | — | — |"
