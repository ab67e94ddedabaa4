"""A compact U-Net for 1-2 px wide curves.

The full-resolution skip connection carries the thin strokes past the
encoder; dilated convolutions at the bottleneck widen the receptive field
(RECEPTIVE_FIELD px) so a dash can be told from a short solid stroke. Any input
height and width works: pooling rounds up and every upsampling is resized to
its skip's size, so tiles need no padding. Tile starts aligned to
STRIDE_MULTIPLE px give the same result as whole-image inference away from
tile borders.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from . import NUM_CLASSES

# Input height and width of a tile should be a multiple of this (px) for
# tiled inference to match whole-image inference: 2**levels.
STRIDE_MULTIPLE = 8

# Receptive field (px): 121 from the convolutions plus up to 7 from pooling
# and nearest upsampling on the 8 px grid. A tile overlap of half of it makes
# tiled inference exact; the effective field is much smaller, so 32 px is
# close.
RECEPTIVE_FIELD = 128


def _block(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    """Two 3x3 conv + batch norm + ReLU layers."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class CurveUNet(nn.Module):
    """U-Net with three 2x downsamplings and a dilated bottleneck.

    Input: N x 1 x H x W float32, normalised as (pixel/255 - 0.5) / 0.5.
    Output: N x 3 x H x W logits (background, solid, dashed).
    width is the channel count at full resolution (doubled per level, capped
    at 4x).
    """

    def __init__(self, width: int = 12) -> None:
        super().__init__()
        w1, w2, w3 = width, 2 * width, 4 * width
        self.width = width
        self.enc0 = _block(1, w1)
        self.enc1 = _block(w1, w2)
        self.enc2 = _block(w2, w3)
        self.mid = _block(w3, w3, dilation=2)
        self.dec2 = _block(w3 + w3, w3)
        self.dec1 = _block(w3 + w2, w2)
        self.dec0 = _block(w2 + w1, w1)
        self.head = nn.Conv2d(w1, NUM_CLASSES, 1)

    @staticmethod
    def _down(x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(x, 2, ceil_mode=True)

    @staticmethod
    def _up(x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
        return torch.cat([x, skip], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e0 = self.enc0(x)
        e1 = self.enc1(self._down(e0))
        e2 = self.enc2(self._down(e1))
        m = self.mid(self._down(e2))
        d2 = self.dec2(self._up(m, e2))
        d1 = self.dec1(self._up(d2, e1))
        d0 = self.dec0(self._up(d1, e0))
        return self.head(d0)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
