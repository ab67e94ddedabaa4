"""Per-pixel scores: confusion counts, IoU and F1 per class."""

from __future__ import annotations

import math

import torch

from . import NUM_CLASSES


def confusion(pred: torch.Tensor, target: torch.Tensor,
              num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """C x C counts, rows = truth, columns = prediction (int64)."""
    idx = target.flatten().long() * num_classes + pred.flatten().long()
    return torch.bincount(idx, minlength=num_classes ** 2).view(num_classes, num_classes)


def scores(conf: torch.Tensor) -> dict[str, list[float]]:
    """IoU, F1, precision and recall per class from a confusion matrix.

    A class with neither truth nor prediction pixels scores NaN (unknown),
    not 0 or 1.
    """
    conf = conf.to(torch.float64)
    tp = conf.diag()
    fp = conf.sum(0) - tp
    fn = conf.sum(1) - tp
    nan = float("nan")

    def ratio(a: torch.Tensor, b: torch.Tensor) -> list[float]:
        return [float(x / y) if y > 0 else nan for x, y in zip(a, b)]

    return {
        "iou": ratio(tp, tp + fp + fn),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
    }


def json_safe(obj: object) -> object:
    """obj with every NaN or infinite float replaced by None, so that it
    serialises as strict JSON (null), which Go and browsers read."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj
