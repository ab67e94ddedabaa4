import unittest

import torch

from curveseg.model import CurveUNet
from curveseg.widen import widen_state


class WidenTest(unittest.TestCase):
    def test_widened_network_computes_the_same(self):
        torch.manual_seed(3)
        old = CurveUNet(width=4)
        # Non-trivial batch-norm statistics, as a trained network has.
        old.train()
        with torch.no_grad():
            for _ in range(3):
                old(torch.randn(2, 1, 40, 48))
        old.eval()
        wide = CurveUNet(width=6)
        wide.load_state_dict(widen_state(old.state_dict(), 4, 6))
        wide.eval()
        x = torch.randn(2, 1, 37, 53)
        with torch.no_grad():
            a, b = old(x), wide(x)
        self.assertEqual(a.shape, b.shape)
        self.assertLess(float((a - b).abs().max()), 1e-4)

    def test_new_channels_can_learn(self):
        old = CurveUNet(width=4)
        wide = CurveUNet(width=6)
        wide.load_state_dict(widen_state(old.state_dict(), 4, 6))
        x = torch.randn(1, 1, 32, 32)
        wide.train()
        wide(x).sum().backward()
        g = wide.dec0[0].weight.grad  # reads new channels of dec1 and enc0
        self.assertGreater(float(g[:, 8:12].abs().sum()), 0)

    def test_narrower_is_refused(self):
        with self.assertRaises(ValueError):
            widen_state(CurveUNet(width=6).state_dict(), 6, 4)


if __name__ == "__main__":
    unittest.main()
