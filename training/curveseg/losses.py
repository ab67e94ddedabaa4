"""Segmentation losses over N x C x H x W logits and N x H x W class maps.

Every loss here takes (logits, target) and returns a scalar. The region
losses (Dice, Tversky, Lovasz) are computed per class over the whole batch
and averaged over the curve classes that are present in the batch's target:
a class with no pixel in the batch has no meaningful overlap score, and
counting it as 0 or 1 would pull the mean by a constant unrelated to the
prediction. Background is left out of their mean by default (it is near
1 always and would dilute the curve classes); false positives on an absent
class are still paid through the softmax, which must raise background there.

Combinations are written as a spec string, terms joined by '+', each term
'[weight*]name[:key=value,...]', e.g. "tversky:alpha=0.3,beta=0.7+0.5*focal".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _onehot(target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """N x H x W int -> N x C x H x W float one-hot."""
    return F.one_hot(target.long(), num_classes).permute(0, 3, 1, 2).to(torch.float32)


def _classes(num_classes: int, include_background: bool) -> list[int]:
    return list(range(0 if include_background else 1, num_classes))


def _mean_present(scores: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Mean of per-class losses over present classes; 0 (with grad) if none."""
    if present.any():
        return scores[present].mean()
    return scores.sum() * 0.0


class Tversky(nn.Module):
    """Tversky loss 1 - TP / (TP + alpha*FP + beta*FN), per class.

    alpha weights false positives, beta false negatives; alpha = beta = 0.5
    is the Dice loss. beta > alpha favours recall, which suits 1-2 px wide
    curves whose edges the network tends to drop. smooth (default 1 px)
    keeps the ratio finite.
    """

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, smooth: float = 1.0,
                 include_background: bool = False) -> None:
        super().__init__()
        self.alpha, self.beta, self.smooth = alpha, beta, smooth
        self.include_background = include_background

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        c = logits.shape[1]
        prob = logits.softmax(dim=1)
        gt = _onehot(target, c)
        dims = (0, 2, 3)
        tp = (prob * gt).sum(dims)
        fp = (prob * (1 - gt)).sum(dims)
        fn = ((1 - prob) * gt).sum(dims)
        score = (tp + self.smooth) / (tp + self.alpha * fp + self.beta * fn + self.smooth)
        keep = torch.tensor(_classes(c, self.include_background), device=logits.device)
        present = gt.sum(dims)[keep] > 0
        return _mean_present(1 - score[keep], present)


class Dice(Tversky):
    """Soft Dice loss: Tversky with alpha = beta = 0.5."""

    def __init__(self, smooth: float = 1.0, include_background: bool = False) -> None:
        super().__init__(0.5, 0.5, smooth, include_background)


class Focal(nn.Module):
    """Focal loss: mean over pixels of -w_c (1 - p_t)^gamma log p_t.

    gamma (default 2) down-weights easy pixels; weights, when given, are
    per-class factors w_c (background, solid, dashed). Being a per-pixel
    mean it is unaffected by a class missing from the batch.
    """

    def __init__(self, gamma: float = 2.0, weights: tuple[float, ...] | None = None) -> None:
        super().__init__()
        self.gamma = gamma
        self.weights = weights

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logp = F.log_softmax(logits, dim=1)
        logpt = logp.gather(1, target.long().unsqueeze(1)).squeeze(1)
        loss = -((1 - logpt.exp()) ** self.gamma) * logpt
        if self.weights is not None:
            w = torch.tensor(self.weights, dtype=logits.dtype, device=logits.device)
            loss = loss * w[target.long()]
        return loss.mean()


def _lovasz_grad(fg_sorted: torch.Tensor) -> torch.Tensor:
    """Gradient of the Lovasz extension of Jaccard w.r.t. sorted errors."""
    total = fg_sorted.sum()
    inter = total - fg_sorted.cumsum(0)
    union = total + (1 - fg_sorted).cumsum(0)
    jac = 1 - inter / union
    if jac.numel() > 1:
        jac = torch.cat([jac[:1], jac[1:] - jac[:-1]])
    return jac


class Lovasz(nn.Module):
    """Lovasz-softmax loss: a convex surrogate of 1 - IoU per class.

    Errors |fg - p_c| over every pixel of the batch are sorted and weighted
    by the Jaccard loss's discrete gradient. Averaged over present classes
    (curve classes only unless include_background).
    """

    def __init__(self, include_background: bool = False) -> None:
        super().__init__()
        self.include_background = include_background

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        c = logits.shape[1]
        prob = logits.softmax(dim=1)
        losses, present = [], []
        for k in _classes(c, self.include_background):
            fg = (target == k).to(prob.dtype).flatten()
            err = (fg - prob[:, k].flatten()).abs()
            err_sorted, order = torch.sort(err, descending=True)
            losses.append(torch.dot(err_sorted, _lovasz_grad(fg[order])))
            present.append(bool(fg.sum() > 0))
        return _mean_present(torch.stack(losses), torch.tensor(present))


class SoftCrossEntropy(nn.Module):
    """Cross-entropy against softened targets.

    The one-hot target is smoothed by eps (label smoothing) and, when
    blur_px > 0, spread spatially by a box of that radius (px) so a
    prediction one pixel off a 1 px curve is only partly wrong. weights are
    per-class factors (background, solid, dashed), default all 1.
    """

    def __init__(self, eps: float = 0.05, blur_px: int = 0,
                 weights: tuple[float, ...] | None = None) -> None:
        super().__init__()
        self.eps, self.blur_px, self.weights = eps, blur_px, weights

    def soft_target(self, target: torch.Tensor, c: int) -> torch.Tensor:
        """N x C x H x W soft target summing to 1 per pixel."""
        gt = _onehot(target, c)
        if self.blur_px > 0:
            k = 2 * self.blur_px + 1
            curves = F.max_pool2d(gt[:, 1:], k, stride=1, padding=self.blur_px)
            spread = F.avg_pool2d(curves, k, stride=1, padding=self.blur_px)
            curves = torch.maximum(gt[:, 1:], 0.5 * spread)
            bg = (1 - curves.sum(1, keepdim=True)).clamp(min=0)
            gt = torch.cat([bg, curves], 1)
            gt = gt / gt.sum(1, keepdim=True)
        return gt * (1 - self.eps) + self.eps / c

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        c = logits.shape[1]
        soft = self.soft_target(target, c)
        loss = -(soft * F.log_softmax(logits, dim=1))
        if self.weights is not None:
            w = torch.tensor(self.weights, dtype=logits.dtype, device=logits.device)
            loss = loss * w.view(1, -1, 1, 1)
        return loss.sum(1).mean()


_REGISTRY: dict[str, Callable[..., nn.Module]] = {
    "dice": Dice,
    "tversky": Tversky,
    "focal": Focal,
    "lovasz": Lovasz,
    "softce": SoftCrossEntropy,
}


@dataclass
class Term:
    """One weighted loss of a combination."""

    weight: float
    name: str
    params: dict[str, object] = field(default_factory=dict)


def _parse_value(v: str) -> object:
    if "/" in v:
        return tuple(float(x) for x in v.split("/"))
    try:
        return int(v)
    except ValueError:
        return float(v)


def parse_spec(spec: str) -> list[Term]:
    """Parse a loss spec such as "tversky:alpha=0.3,beta=0.7+0.5*focal".

    Tuple parameters (weights) are written with '/': weights=1/20/40.
    Raises ValueError naming the unknown loss or the malformed term.
    """
    terms = []
    for raw in spec.replace(" ", "").split("+"):
        weight = 1.0
        if "*" in raw:
            w, raw = raw.split("*", 1)
            weight = float(w)
        name, _, args = raw.partition(":")
        if name not in _REGISTRY:
            raise ValueError(f"loss {name!r}: use one of {sorted(_REGISTRY)}")
        params = {}
        for kv in filter(None, args.split(",")):
            k, sep, v = kv.partition("=")
            if not sep:
                raise ValueError(f"loss term {raw!r}: parameters are key=value")
            params[k] = _parse_value(v)
        terms.append(Term(weight, name, params))
    return terms


class Combined(nn.Module):
    """Weighted sum of losses built from a spec (see parse_spec)."""

    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec
        self.terms = parse_spec(spec)
        self.losses = nn.ModuleList(_REGISTRY[t.name](**t.params) for t in self.terms)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        total = logits.sum() * 0.0
        for t, loss in zip(self.terms, self.losses):
            total = total + t.weight * loss(logits, target)
        return total

    def describe(self) -> list[dict[str, object]]:
        """The terms as JSON-ready dicts for the model card."""
        return [{"name": t.name, "weight": t.weight, "params": t.params} for t in self.terms]


def build(spec: str) -> Combined:
    """Build the loss named by spec; raises ValueError on a bad spec."""
    return Combined(spec)
