"""The study's doc splice: replaces only the marked section."""

import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import splice  # noqa: E402


class SpliceTest(unittest.TestCase):
    def test_replaces_marked_section_with_tables(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            doc = d / "doc.md"
            doc.write_text(f"intro\n{splice.BEGIN}\nold\n{splice.END}\noutro\n")
            table = d / "table.md"
            table.write_text("| model | r2 |\n")
            run = d / "runs" / "dice"
            run.mkdir(parents=True)
            (run / "summary.json").write_text(json.dumps(
                {"best_step": 20, "seconds": 12.3, "loss": "dice"}))
            recs = [{"step": 10, "iou": [0.9, 0.1, 0.2], "f1": [0.9, 0.2, 0.3]},
                    {"step": 20, "iou": [0.95, 0.4, None], "f1": [0.97, 0.5, None]}]
            (run / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in recs))
            splice.splice(doc, table, d / "runs")
            text = doc.read_text()
            self.assertTrue(text.startswith("intro\n"))
            self.assertTrue(text.endswith(f"{splice.END}\noutro\n"))
            self.assertNotIn("old", text)
            self.assertIn("| model | r2 |", text)
            self.assertIn("| dice | `dice` | 20 | 12 | 0.950 / 0.400 / — |", text)

    def test_missing_markers_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            doc = Path(d) / "doc.md"
            doc.write_text("no markers\n")
            with self.assertRaisesRegex(ValueError, "study:begin"):
                splice.splice(doc, doc, Path(d))


if __name__ == "__main__":
    unittest.main()
