#!/usr/bin/python3
"""PyTorch side of the segmentation inference benchmark, and a model maker.

Run with Debian's /usr/bin/python3 (it has torch); the pyenv python3 first
on PATH has no torch.

Sub-commands:

  export --out DIR [--arch tiny|bench] [--seed S]
      Build a small random-init U-Net, export DIR/model.onnx (opset 17,
      dynamic height and width), DIR/model.pt (state dict) and
      DIR/model.card.json (the card pkg/segment reads; fields in
      docs/segmentation.md). The Go tests use --arch tiny when
      training/models/ holds no model yet.
  tiles --out FILE [--n N] [--tile T] [--seed S]
      Write N grey T x T tiles of drawn curves over a grid, raw uint8
      row-major, and FILE.json with {"n", "tile"}. The Go benchmark reads the
      same file so both sides run on the same tiles.
  bench --model DIR --tiles FILE [--threads K] [--repeat R]
      Time PyTorch inference over the tiles, one tile a call like the Go
      side, and print one JSON line: tiles_per_s, ms_per_tile.

deploy/local/bench-segment.sh runs this beside the Go benchmark and prints
the ratio.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

CLASSES = ["background", "solid", "dashed"]
# arch: (width, levels). "curveseg" is training/curveseg's CurveUNet (the
# shipped architecture) at its default width.
ARCHS = {"tiny": (8, 2), "bench": (16, 3), "curveseg": (12, 3)}
# Weight gain per arch: the default init gives near-constant softmax
# outputs; a gain spreads them so tiled-vs-whole comparisons see real
# probabilities.
GAIN = {"tiny": 3.0, "bench": 1.5, "curveseg": 1.0}
# Input normalisation per arch; curveseg's is training/curveseg/data.py's.
_INK = {"invert": True, "scale": 1.0 / 255.0, "mean": 0.0, "std": 1.0}
NORM = {"tiny": _INK, "bench": _INK,
        "curveseg": {"invert": False, "scale": 1.0 / 255.0, "mean": 0.5, "std": 0.5}}


def conv_block(cin: int, cout: int) -> nn.Sequential:
    """Two 3x3 convolutions with ReLU, padding kept so sizes match."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
    )


class SmallUNet(nn.Module):
    """U-Net with `depth` 2x poolings and a full-resolution skip.

    Input 1x1xHxW float32 (H and W multiples of 2**depth), output
    1x3xHxW logits (background, solid, dashed).
    """

    def __init__(self, width: int = 8, depth: int = 2) -> None:
        super().__init__()
        chans = [width * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList()
        cin = 1
        for c in chans:
            self.down.append(conv_block(cin, c))
            cin = c
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for c_hi, c_lo in zip(reversed(chans[:-1]), reversed(chans[1:])):
            self.up.append(nn.ConvTranspose2d(c_lo, c_hi, 2, stride=2))
            self.merge.append(conv_block(2 * c_hi, c_hi))
        self.head = nn.Conv2d(chans[0], len(CLASSES), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.head(x)


def build(arch: str, seed: int) -> nn.Module:
    """Return a random-init model of the named size, in eval mode."""
    torch.manual_seed(seed)
    width, depth = ARCHS[arch]
    if arch == "curveseg":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from curveseg.model import CurveUNet
        model: nn.Module = CurveUNet(width)
    else:
        model = SmallUNet(width, depth)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(GAIN[arch])
    return model.eval()


def measure_receptive_field(model: nn.Module, stride: int) -> int:
    """Return the receptive field's width in px, measured by a gradient."""
    n = 16 * stride
    torch.manual_seed(0)
    x = torch.rand(1, 1, n, n, requires_grad=True)
    model(x)[0, :, n // 2, n // 2].sum().backward()
    ys, xs = torch.nonzero(x.grad[0, 0].abs() > 0, as_tuple=True)
    if len(ys) == 0:
        return 0
    reach = max(n // 2 - int(ys.min()), int(ys.max()) - n // 2,
                n // 2 - int(xs.min()), int(xs.max()) - n // 2)
    return 2 * reach + 1


def card_for(arch: str, seed: int, field: int) -> dict:
    """Return the model card pkg/segment reads (docs/segmentation.md)."""
    _, depth = ARCHS[arch]
    return {
        "name": f"random-{arch}",
        "version": f"random-seed{seed}",
        "classes": CLASSES,
        "input_name": "image",
        "output_name": "logits",
        "output": "logits",
        "normalisation": NORM[arch],
        "tile_size": 256,
        "stride_multiple": 2**depth,
        "receptive_field": field,
        "opset": 17,
        "notes": "random init: for tests and benchmarks only",
    }


def cmd_export(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = build(args.arch, args.seed)
    stride = 2**ARCHS[args.arch][1]
    field = measure_receptive_field(model, stride)
    dummy = torch.zeros(1, 1, 64, 64)
    torch.onnx.export(
        model, dummy, str(out / "model.onnx"), opset_version=17,
        input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {2: "height", 3: "width"},
                      "logits": {2: "height", 3: "width"}},
    )
    torch.save(model.state_dict(), out / "model.pt")
    card = card_for(args.arch, args.seed, field)
    card["arch"] = args.arch
    (out / "model.card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps({"out": str(out), "receptive_field": field,
                      "stride": stride}))


def draw_tile(rng: np.random.Generator, t: int) -> np.ndarray:
    """Return one T x T uint8 tile: grid lines and two curves, ink dark."""
    img = np.full((t, t), 255, np.uint8)
    img[:: 10 + int(rng.integers(0, 4)), :] = 170
    img[:, :: 40 + int(rng.integers(0, 10))] = 170
    rows = np.arange(t)
    for dashed in (False, True):
        phase, period = rng.uniform(0, 6.3), rng.uniform(40, 160)
        xs = t / 2 + t / 3 * np.sin(rows / period + phase)
        for y, x in zip(rows, xs.astype(int)):
            if dashed and (y // 8) % 2:
                continue
            img[y, max(0, x - 1): min(t, x + 1)] = 20
    return img


def cmd_tiles(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    tiles = np.stack([draw_tile(rng, args.tile) for _ in range(args.n)])
    Path(args.out).write_bytes(tiles.tobytes())
    meta = {"n": args.n, "tile": args.tile, "seed": args.seed}
    Path(args.out + ".json").write_text(json.dumps(meta) + "\n")
    print(json.dumps(meta))


def load_tiles(path: str) -> np.ndarray:
    meta = json.loads(Path(path + ".json").read_text())
    raw = np.fromfile(path, np.uint8)
    return raw.reshape(meta["n"], meta["tile"], meta["tile"])


def normalise(tile: np.ndarray, norm: dict) -> torch.Tensor:
    """Apply the card's normalisation exactly as pkg/segment does."""
    x = tile.astype(np.float32)
    if norm.get("invert"):
        x = 255.0 - x
    x = (x * norm.get("scale", 1.0 / 255.0) - norm.get("mean", 0.0))
    x = x / norm.get("std", 1.0)
    return torch.from_numpy(x)[None, None]


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return math.nan


def cmd_bench(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    model_dir = Path(args.model)
    card = json.loads((model_dir / "model.card.json").read_text())
    model = build(card.get("arch", "tiny"), 0)
    model.load_state_dict(torch.load(model_dir / "model.pt"))
    tiles = load_tiles(args.tiles)
    inputs = [normalise(t, card["normalisation"]) for t in tiles]
    with torch.inference_mode():
        model(inputs[0])  # warm-up, like the Go benchmark's untimed setup
        start = time.perf_counter()
        for _ in range(args.repeat):
            for x in inputs:
                model(x)
        took = time.perf_counter() - start
    n = args.repeat * len(inputs)
    print(json.dumps({
        "runtime": "pytorch", "torch": torch.__version__,
        "threads": args.threads, "tiles": n, "tile": int(tiles.shape[1]),
        "tiles_per_s": n / took, "ms_per_tile": 1000.0 * took / n,
        "peak_rss_mb": peak_rss_mb(),
    }))


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("--out", required=True)
    e.add_argument("--arch", choices=sorted(ARCHS), default="tiny")
    e.add_argument("--seed", type=int, default=1)
    t = sub.add_parser("tiles")
    t.add_argument("--out", required=True)
    t.add_argument("--n", type=int, default=16)
    t.add_argument("--tile", type=int, default=512)
    t.add_argument("--seed", type=int, default=7)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--tiles", required=True)
    b.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    b.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    torch.set_num_threads(getattr(args, "threads", 1) or 1)
    {"export": cmd_export, "tiles": cmd_tiles, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    main(sys.argv[1:])
