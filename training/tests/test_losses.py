"""Unit tests of the losses: known values, absent classes, gradients."""

import math
import unittest

import torch
import torch.nn.functional as F

from curveseg import losses


def logits_for(target: torch.Tensor, margin: float = 30.0) -> torch.Tensor:
    """Logits whose argmax is target with near-certain softmax."""
    return F.one_hot(target, 3).permute(0, 3, 1, 2).float() * margin


def sample_target() -> torch.Tensor:
    t = torch.zeros(2, 16, 16, dtype=torch.long)
    t[:, :, 4] = 1
    t[:, ::2, 10] = 2
    return t


class LossTest(unittest.TestCase):
    def test_perfect_prediction_scores_near_zero(self):
        t = sample_target()
        for spec in ("dice", "tversky:alpha=0.3,beta=0.7", "lovasz", "focal"):
            with self.subTest(spec=spec):
                self.assertLess(float(losses.build(spec)(logits_for(t), t)), 1e-3)

    def test_all_background_prediction_scores_one(self):
        t = sample_target()
        pred = logits_for(torch.zeros_like(t))
        for spec in ("dice:smooth=0.001", "tversky:alpha=0.2,beta=0.8,smooth=0.001", "lovasz"):
            with self.subTest(spec=spec):
                self.assertAlmostEqual(float(losses.build(spec)(pred, t)), 1.0, places=2)

    def test_tversky_half_half_is_dice(self):
        torch.manual_seed(0)
        x = torch.randn(2, 3, 16, 16)
        t = sample_target()
        a = losses.Tversky(0.5, 0.5)(x, t)
        b = losses.Dice()(x, t)
        self.assertAlmostEqual(float(a), float(b), places=6)

    def test_tversky_beta_penalises_misses_more(self):
        t = sample_target()
        missed = t.clone()
        missed[:, :8, 4] = 0  # half the solid curve missed
        extra = t.clone()
        extra[:, :8, 5] = 1  # as many false solid pixels
        loss = losses.Tversky(alpha=0.2, beta=0.8)
        self.assertGreater(float(loss(logits_for(missed), t)),
                           float(loss(logits_for(extra), t)) + 0.1)

    def test_absent_class_does_not_change_mean(self):
        t = torch.zeros(1, 16, 16, dtype=torch.long)
        t[:, :, 4] = 1  # class 2 absent
        pred = t.clone()
        pred[:, :8, 4] = 0
        for name in ("dice:smooth=0.001", "lovasz"):
            with self.subTest(loss=name):
                both = float(losses.build(name)(logits_for(pred), t))
                # with class 2 absent the mean is the class-1 score alone:
                # half the curve missed gives Dice 1 - 2*8/(8+16), IoU 1 - 8/16
                want = 1 - 2 * 8 / 24 if name.startswith("dice") else 0.5
                self.assertAlmostEqual(both, want, places=2)

    def test_lovasz_equals_jaccard_loss_on_hard_predictions(self):
        t = sample_target()
        pred = t.clone()
        pred[0, :, 4] = 0
        pred[1, 3, 3] = 1
        got = float(losses.Lovasz()(logits_for(pred, 60.0), t))
        ious = []
        for k in (1, 2):
            inter = ((pred == k) & (t == k)).sum().item()
            union = ((pred == k) | (t == k)).sum().item()
            ious.append(1 - inter / union)
        self.assertAlmostEqual(got, sum(ious) / 2, places=3)

    def test_focal_gamma_zero_is_cross_entropy(self):
        torch.manual_seed(1)
        x, t = torch.randn(2, 3, 8, 8), torch.randint(0, 3, (2, 8, 8))
        self.assertAlmostEqual(float(losses.Focal(gamma=0)(x, t)),
                               float(F.cross_entropy(x, t)), places=5)

    def test_soft_ce_without_softening_is_cross_entropy(self):
        torch.manual_seed(2)
        x, t = torch.randn(2, 3, 8, 8), torch.randint(0, 3, (2, 8, 8))
        self.assertAlmostEqual(float(losses.SoftCrossEntropy(eps=0)(x, t)),
                               float(F.cross_entropy(x, t)), places=5)

    def test_soft_target_sums_to_one_and_spreads(self):
        t = sample_target()
        soft = losses.SoftCrossEntropy(eps=0.1, blur_px=1).soft_target(t, 3)
        self.assertTrue(torch.allclose(soft.sum(1), torch.ones(2, 16, 16), atol=1e-5))
        self.assertGreater(float(soft[0, 1, 0, 5]), 0.1)  # next to the solid curve
        self.assertAlmostEqual(float(soft[0, 1, 0, 14]), 0.1 / 3, places=5)

    def test_combination_adds_weighted_terms(self):
        torch.manual_seed(3)
        x, t = torch.randn(2, 3, 16, 16), sample_target()
        combo = float(losses.build("dice+0.5*focal:gamma=2")(x, t))
        parts = float(losses.Dice()(x, t)) + 0.5 * float(losses.Focal(2)(x, t))
        self.assertAlmostEqual(combo, parts, places=5)

    def test_every_loss_has_finite_gradients(self):
        t = sample_target()
        for spec in ("dice", "tversky", "focal:weights=1/10/20", "lovasz",
                     "softce:blur_px=1"):
            with self.subTest(spec=spec):
                x = torch.randn(2, 3, 16, 16, requires_grad=True)
                losses.build(spec)(x, t).backward()
                self.assertTrue(torch.isfinite(x.grad).all())
                self.assertGreater(float(x.grad.abs().sum()), 0)

    def test_bad_spec_names_the_problem(self):
        with self.assertRaisesRegex(ValueError, "hinge"):
            losses.parse_spec("hinge")
        with self.assertRaisesRegex(ValueError, "key=value"):
            losses.parse_spec("tversky:alpha")
        terms = losses.parse_spec("2*tversky:alpha=0.3,beta=0.7")
        self.assertEqual(terms[0].weight, 2.0)
        self.assertEqual(terms[0].params, {"alpha": 0.3, "beta": 0.7})
        self.assertTrue(math.isclose(terms[0].params["beta"], 0.7))


if __name__ == "__main__":
    unittest.main()
