"""Splice the study's generated tables into docs/loss-study.md.

    /usr/bin/python3 training/splice.py DOC TABLE_MD RUNS_DIR

Replaces the text between the lines '<!-- study:begin -->' and
'<!-- study:end -->' of DOC with TABLE_MD (from services/evaluate) and a
table of each run's per-pixel validation scores and training time (from
RUNS_DIR/NAME/summary.json and metrics.jsonl).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BEGIN, END = "<!-- study:begin -->", "<!-- study:end -->"


def validation_table(runs: Path) -> str:
    """Markdown table: run, loss, best step, val IoU and F1 per class."""
    rows = ["| run | loss | best step | train s | IoU bg / solid / dashed | "
            "F1 bg / solid / dashed |", "| --- | --- | ---: | ---: | --- | --- |"]
    for summary in sorted(runs.glob("*/summary.json")):
        run = summary.parent
        if not (run / "metrics.jsonl").exists():
            continue  # a scoring run's summary, not a training run's
        s = json.loads(summary.read_text())
        best = None
        for line in (run / "metrics.jsonl").read_text().splitlines():
            rec = json.loads(line)
            if rec["step"] == s["best_step"]:
                best = rec
        if best is None:
            continue
        fmt = lambda v: " / ".join("—" if x is None or x != x else f"{x:.3f}"  # noqa: E731
                                   for x in v)
        rows.append(f"| {run.name} | `{s['loss']}` | {s['best_step']} | {s['seconds']:.0f} | "
                    f"{fmt(best['iou'])} | {fmt(best['f1'])} |")
    return "\n".join(rows) + "\n"


def splice(doc: Path, table: Path, runs: Path) -> None:
    """Rewrite doc's study section; raises ValueError without the markers."""
    text = doc.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{doc}: add the lines {BEGIN} and {END} around the results")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    body = ("\n### Scored through the Go stages (services/evaluate)\n"
            + table.read_text()
            + "\n### Per-pixel scores on held-out validation tiles (PyTorch, best step)\n\n"
            + validation_table(runs))
    doc.write_text(head + BEGIN + "\n" + body + "\n" + END + tail)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    splice(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
