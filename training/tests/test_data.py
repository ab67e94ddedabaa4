"""Unit tests of tile loading, procedural tiles, augmentation and metrics."""

import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from curveseg import metrics
from curveseg.data import Augment, Batches, load_tiles, procedural_tiles


class DataTest(unittest.TestCase):
    def test_procedural_tiles_mark_dark_ink(self):
        t = procedural_tiles(4, size=64, seed=3)
        self.assertEqual(t.images.shape, (4, 64, 64))
        self.assertEqual(set(np.unique(t.masks)) - {0, 1, 2}, set())
        for cls in (1, 2):
            self.assertGreater((t.masks == cls).sum(), 50)
            self.assertLessEqual(int(t.images[t.masks == cls].max()), 40)

    def test_load_tiles_round_trip_and_errors(self):
        t = procedural_tiles(3, size=32, seed=1)
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "images").mkdir()
            (root / "masks").mkdir()
            for i in range(3):
                Image.fromarray(t.images[i]).save(root / "images" / f"{i:06d}.png")
                Image.fromarray(t.masks[i]).save(root / "masks" / f"{i:06d}.png")
            got = load_tiles(root)
            np.testing.assert_array_equal(got.images, t.images)
            np.testing.assert_array_equal(got.masks, t.masks)
            self.assertEqual(len(load_tiles(root, limit=2)), 2)
            Image.fromarray(t.masks[0][:16]).save(root / "masks" / "000001.png")
            with self.assertRaisesRegex(ValueError, "000001.png"):
                load_tiles(root)

    def test_geometric_augment_keeps_mask_on_ink(self):
        t = procedural_tiles(8, size=64, seed=2)
        aug = Augment(crop=48, flip=1.0, contrast=0, noise=0, blur=0, bilevel=0,
                      salt_pepper=0)
        x, y = aug(t.images, t.masks, np.random.default_rng(0))
        self.assertEqual(tuple(x.shape), (8, 1, 48, 48))
        self.assertEqual(tuple(y.shape), (8, 48, 48))
        pixels = (x[:, 0] * 0.5 + 0.5) * 255
        self.assertLessEqual(float(pixels[y > 0].max()), 40.5)

    def test_photometric_augment_changes_pixels_in_range(self):
        t = procedural_tiles(8, size=64, seed=2)
        aug = Augment(crop=0, flip=0, contrast=1, noise=1, blur=0, bilevel=0, salt_pepper=1)
        x, _ = aug(t.images, t.masks, np.random.default_rng(1))
        self.assertGreaterEqual(float(x.min()), -1.0)
        self.assertLessEqual(float(x.max()), 1.0)
        plain = torch.from_numpy(t.images).float() / 127.5 - 1
        self.assertGreater(float((x[:, 0] - plain).abs().mean()), 0.01)

    def test_batches_cover_an_epoch_without_repeats(self):
        t = procedural_tiles(10, size=32, seed=4)
        t.images[:] = np.arange(10, dtype=np.uint8)[:, None, None]  # tile id as pixel
        b = Batches(t, 5, Augment(crop=0, flip=0, contrast=0, noise=0, blur=0,
                                  bilevel=0, salt_pepper=0), seed=0)
        seen = []
        for _ in range(2):
            x, _ = b.next()
            seen += [round(float(v)) for v in (x[:, 0, 0, 0] * 0.5 + 0.5) * 255]
        self.assertEqual(sorted(seen), list(range(10)))


class MetricsTest(unittest.TestCase):
    def test_iou_and_f1_on_known_counts(self):
        target = torch.tensor([0, 0, 1, 1, 1, 2, 2, 0])
        pred = torch.tensor([0, 1, 1, 1, 0, 2, 0, 0])
        s = metrics.scores(metrics.confusion(pred, target))
        self.assertAlmostEqual(s["iou"][1], 2 / 4)  # tp 2, fp 1, fn 1
        self.assertAlmostEqual(s["iou"][2], 1 / 2)  # tp 1, fn 1
        self.assertAlmostEqual(s["f1"][2], 2 / 3)
        self.assertAlmostEqual(s["recall"][0], 2 / 3)

    def test_absent_class_is_unknown(self):
        s = metrics.scores(metrics.confusion(torch.zeros(4), torch.zeros(4)))
        self.assertNotEqual(s["iou"][2], s["iou"][2])  # NaN


if __name__ == "__main__":
    unittest.main()
