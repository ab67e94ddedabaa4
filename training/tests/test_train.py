"""The training loop on procedural tiles: outputs, determinism, warm start."""

import json
import tempfile
import unittest
from pathlib import Path

import torch

from curveseg.train import Config, _load, lr_at, train


def small(out: str, **kw) -> Config:
    cfg = Config(train="procedural:16", val="procedural:4", out=out, width=4, steps=4,
                 batch=4, crop=64, warmup=1, log_every=2, val_every=2, threads=1)
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


class TrainTest(unittest.TestCase):
    def test_joined_tile_sets(self):
        a, b = _load("procedural:3", 0, 1), _load("procedural:2", 0, 1)
        both = _load("procedural:3,procedural:2", 0, 1)
        self.assertEqual(len(both), 5)
        self.assertTrue((both.images[:3] == a.images).all())
        self.assertTrue((both.masks[3:] == b.masks).all())
        self.assertEqual(len(both.stats["sets"]), 2)
        with self.assertRaisesRegex(ValueError, "no set named"):
            _load(",", 0, 1)
        with tempfile.TemporaryDirectory() as d:
            from PIL import Image
            import numpy as np
            for sub in ("images", "masks"):
                Path(d, sub).mkdir()
                Image.fromarray(np.zeros((32, 32), np.uint8)).save(Path(d, sub, "000000.png"))
            with self.assertRaisesRegex(ValueError, "px tiles"):
                _load(f"procedural:2,{d}", 0, 1)

    def test_writes_checkpoints_metrics_and_is_seeded(self):
        with tempfile.TemporaryDirectory() as d:
            a = train(small(f"{d}/a"))
            b = train(small(f"{d}/b"))
            for run in ("a", "b"):
                for f in ("best.pt", "last.pt", "config.json", "summary.json"):
                    self.assertTrue((Path(d) / run / f).exists(), f)
            lines = (Path(d) / "a" / "metrics.jsonl").read_text().splitlines()
            self.assertEqual([json.loads(x)["step"] for x in lines], [2, 4])
            wa = torch.load(f"{d}/a/last.pt")["model"]
            wb = torch.load(f"{d}/b/last.pt")["model"]
            for k in wa:
                self.assertTrue(torch.equal(wa[k], wb[k]), k)
            self.assertEqual(a["best_curve_iou"], b["best_curve_iou"])

    def test_warm_start_loads_weights_and_checks_width(self):
        with tempfile.TemporaryDirectory() as d:
            train(small(f"{d}/a"))
            init = torch.load(f"{d}/a/last.pt")["model"]
            train(small(f"{d}/b", init=f"{d}/a/last.pt", lr=0.0, steps=1, warmup=1000))
            got = torch.load(f"{d}/b/last.pt")["model"]
            key = "head.weight"
            self.assertTrue(torch.allclose(init[key], got[key]))
            with self.assertRaisesRegex(ValueError, "width"):
                train(small(f"{d}/c", init=f"{d}/a/last.pt", width=8))

    def test_learning_rate_warms_up_then_decays(self):
        cfg = Config(lr=1.0, warmup=10, steps=110)
        self.assertAlmostEqual(lr_at(0, cfg), 0.1)
        self.assertAlmostEqual(lr_at(10, cfg), 1.0)
        self.assertAlmostEqual(lr_at(109, cfg), 0.05, places=3)


if __name__ == "__main__":
    unittest.main()
