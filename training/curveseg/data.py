"""Training tiles: the synthetic generator's export, procedural stand-ins,
and augmentations.

The export (`go run ./services/synth tiles --out DIR ...`) holds
DIR/images/NNNNNN.png (8-bit gray), DIR/masks/NNNNNN.png (values 0, 1, 2)
and DIR/stats.json. Tiles are held in memory as uint8 (64 KiB a 256 px
tile). Augmentations run on whole batches as tensors.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

# Input normalisation written to the model card: x = (pixel*SCALE - MEAN)/STD.
SCALE = 1.0 / 255.0
MEAN = 0.5
STD = 0.5


@dataclass
class Tiles:
    """A set of tiles: images and masks, n x H x W uint8, plus the export's
    stats.json (empty for procedural tiles)."""

    images: np.ndarray
    masks: np.ndarray
    stats: dict

    def __len__(self) -> int:
        return len(self.images)


def repo_root() -> Path:
    """The repository root: the nearest parent holding go.mod."""
    p = Path(__file__).resolve()
    for parent in p.parents:
        if (parent / "go.mod").exists():
            return parent
    raise FileNotFoundError("go.mod not found above " + str(p))


def load_tiles(root: str | os.PathLike, limit: int = 0) -> Tiles:
    """Read an export directory; limit > 0 keeps the first limit tiles.

    Raises FileNotFoundError when DIR/images is missing and ValueError when an
    image and its mask differ in size or a mask holds a class above 2.
    """
    root = Path(root)
    names = sorted(os.listdir(root / "images"))
    names = [n for n in names if n.endswith(".png")]
    if limit > 0:
        names = names[:limit]
    if not names:
        raise FileNotFoundError(f"{root}/images holds no PNG tiles: run the synth export")
    imgs, masks = [], []
    for n in names:
        img = np.asarray(Image.open(root / "images" / n).convert("L"))
        mask = np.asarray(Image.open(root / "masks" / n))
        if img.shape != mask.shape:
            raise ValueError(f"tile {n}: image {img.shape} and mask {mask.shape} differ")
        imgs.append(img)
        masks.append(mask)
    masks_arr = np.stack(masks)
    if masks_arr.max() > 2:
        raise ValueError(f"{root}/masks: class {masks_arr.max()} found; classes are 0, 1, 2")
    stats = {}
    if (root / "stats.json").exists():
        stats = json.loads((root / "stats.json").read_text())
    return Tiles(np.stack(imgs), masks_arr.astype(np.uint8), stats)


def export_tiles(out: Path, n: int, seed: int, tier: str = "mixed", tile: int = 256) -> Path:
    """Run the Go synth export into out (skipped when out already holds n
    tiles) and return out. Raises CalledProcessError when the export fails."""
    if (out / "stats.json").exists() and len(list((out / "images").glob("*.png"))) >= n:
        return out
    out.mkdir(parents=True, exist_ok=True)
    cmd = ["go", "run", "./services/synth", "tiles", "--out", str(out), "--n", str(n),
           "--tile", str(tile), "--tier", tier, "--seed", str(seed)]
    subprocess.run(cmd, cwd=repo_root(), check=True)
    return out


def _draw_curve(img: np.ndarray, mask: np.ndarray, xs: np.ndarray, cls: int,
                width: int, on: int, off: int) -> None:
    h, w = img.shape
    for y in range(h):
        if off and (y % (on + off)) >= on:
            continue
        x0 = int(round(xs[y]))
        for dx in range(width):
            x = x0 + dx
            if 0 <= x < w:
                img[y, x] = min(img[y, x], 40)
                mask[y, x] = cls


def procedural_tiles(n: int, size: int = 128, seed: int = 0) -> Tiles:
    """Simple stand-in tiles: a grid on paper, one solid and one dashed
    random-walk curve. For unit tests and smoke runs without the Go
    generator; not a substitute for the export in training."""
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, size, size), np.uint8)
    masks = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        img = np.full((size, size), rng.integers(215, 250), np.float32)
        period = int(rng.integers(8, 16))
        img[::period, :] -= 60
        img[:, ::period] -= 60
        img = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
        dash = (int(rng.integers(4, 9)), int(rng.integers(3, 7)))
        for cls, (on, off) in ((1, (1, 0)), (2, dash)):
            steps = rng.normal(0, 0.8, size).cumsum()
            xs = np.clip(rng.uniform(0.2, 0.8) * size + steps, 0, size - 3)
            _draw_curve(img, masks[i], xs, cls, int(rng.integers(1, 3)), on, off)
        imgs[i] = img
    return Tiles(imgs, masks, {})


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 N x H x W (or N x 1 x H x W) -> float32 N x 1 x H x W."""
    x = images.to(torch.float32)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    return (x * SCALE - MEAN) / STD


@dataclass
class Augment:
    """Batch augmentations, each applied per tile with its probability.

    crop: side (px) of the random crop taken from each tile (0 = whole).
    Flips keep curves vertical-ish (no 90 degree turns: grids and text are
    not rotation-invariant on logs). Photometric changes imitate scans:
    contrast and gamma, noise, blur, 1-bit thresholding (archive TIFFs) and
    salt-and-pepper.
    """

    crop: int = 128
    flip: float = 0.5
    contrast: float = 0.8
    noise: float = 0.3
    blur: float = 0.2
    bilevel: float = 0.15
    salt_pepper: float = 0.1

    def __call__(self, images: np.ndarray, masks: np.ndarray,
                 rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        imgs, msks = self._crop(images, masks, rng)
        x = torch.from_numpy(imgs).to(torch.float32)
        y = torch.from_numpy(msks).to(torch.int64)
        n = x.shape[0]
        for i in range(n):
            if rng.random() < self.flip:
                x[i], y[i] = x[i].flip(-1), y[i].flip(-1)
            if rng.random() < self.flip:
                x[i], y[i] = x[i].flip(-2), y[i].flip(-2)
        x = self._photometric(x, rng)
        return normalise(x), y

    def _crop(self, images: np.ndarray, masks: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n, h, w = images.shape
        c = self.crop if 0 < self.crop <= min(h, w) else min(h, w)
        ys = rng.integers(0, h - c + 1, n)
        xs = rng.integers(0, w - c + 1, n)
        imgs = np.stack([images[i, ys[i]:ys[i] + c, xs[i]:xs[i] + c] for i in range(n)])
        msks = np.stack([masks[i, ys[i]:ys[i] + c, xs[i]:xs[i] + c] for i in range(n)])
        return imgs, msks

    def _photometric(self, x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        for i in range(x.shape[0]):
            t = x[i] / 255.0
            if rng.random() < self.contrast:
                lo, hi = rng.uniform(0, 0.3), rng.uniform(0.75, 1.0)
                t = (lo + (hi - lo) * t).clamp(0, 1) ** rng.uniform(0.7, 1.4)
            if rng.random() < self.blur:
                t = F.avg_pool2d(t[None, None], 3, 1, 1, count_include_pad=False)[0, 0]
            if rng.random() < self.noise:
                t = t + torch.randn_like(t) * rng.uniform(0.01, 0.08)
            if rng.random() < self.bilevel:
                t = (t > rng.uniform(0.35, 0.65)).to(t.dtype)
            if rng.random() < self.salt_pepper:
                p = rng.uniform(0.001, 0.01)
                r = torch.rand_like(t)
                t = torch.where(r < p / 2, torch.zeros_like(t), t)
                t = torch.where(r > 1 - p / 2, torch.ones_like(t), t)
            x[i] = t.clamp(0, 1) * 255.0
        return x


class Batches:
    """Endless shuffled batches from Tiles, augmented, reproducible by seed."""

    def __init__(self, tiles: Tiles, batch: int, augment: Augment, seed: int) -> None:
        self.tiles, self.batch, self.augment = tiles, batch, augment
        self.rng = np.random.default_rng(seed)
        self._order: np.ndarray = np.empty(0, np.int64)
        self.epoch = 0

    def steps_per_epoch(self) -> int:
        """Batches in one pass over the tiles (at least 1)."""
        return max(1, math.ceil(len(self.tiles) / self.batch))

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next augmented batch: N x 1 x C x C float32, N x C x C int64."""
        if len(self._order) < self.batch:
            self._order = np.concatenate([self._order, self.rng.permutation(len(self.tiles))])
            self.epoch += 1
        idx, self._order = self._order[:self.batch], self._order[self.batch:]
        return self.augment(self.tiles.images[idx], self.tiles.masks[idx], self.rng)
