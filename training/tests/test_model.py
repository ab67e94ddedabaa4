"""Unit tests of the network: shapes, receptive field, tiled inference."""

import unittest

import torch

from curveseg.model import RECEPTIVE_FIELD, STRIDE_MULTIPLE, CurveUNet


class ModelTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = CurveUNet(width=4).eval()

    def test_output_matches_input_size(self):
        for h, w in ((64, 64), (72, 100), (33, 17)):
            with self.subTest(h=h, w=w), torch.no_grad():
                self.assertEqual(tuple(self.model(torch.zeros(2, 1, h, w)).shape),
                                 (2, 3, h, w))

    def test_receptive_field_is_bounded(self):
        size = 2 * RECEPTIVE_FIELD + 64
        x = torch.randn(1, 1, size, size, requires_grad=True)
        c = size // 2
        model = CurveUNet(width=8).eval()
        model(x)[0, :, c - 1:c + 1, c - 1:c + 1].abs().sum().backward()
        rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero().flatten()
        self.assertGreater(len(rows), 0)
        extent = int(rows.max() - rows.min() + 1)
        self.assertLessEqual(extent, RECEPTIVE_FIELD + 1)
        self.assertGreater(extent, RECEPTIVE_FIELD // 2)

    def test_aligned_tiles_match_whole_image(self):
        torch.manual_seed(1)
        img = torch.randn(1, 1, 320, 96)
        top = 64  # tile start, a multiple of the stride
        self.assertEqual(top % STRIDE_MULTIPLE, 0)
        half = RECEPTIVE_FIELD // 2 + 1
        with torch.no_grad():
            whole = self.model(img)
            tile = self.model(img[:, :, top:])
        diff = (whole[:, :, top + half:] - tile[:, :, half:]).abs()
        self.assertLess(float(diff.max()), 1e-4)
        # rows inside the border's reach do differ: the check can fail
        near = (whole[:, :, top:top + 4] - tile[:, :, :4]).abs()
        self.assertGreater(float(near.max()), 1e-3)


if __name__ == "__main__":
    unittest.main()
