"""Train the curve segmenter on exported tiles.

    /usr/bin/python3 -m curveseg.train --train DIR --val DIR --loss dice \
        --steps 2000 --out runs/dice

Writes OUT/last.pt and OUT/best.pt (best validation mean curve IoU),
OUT/metrics.jsonl (one line per validation) and OUT/config.json; prints one
progress line per --log-every steps. Seeds are fixed (--seed). Uses CUDA when
present unless --device cpu.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import losses, metrics
from .data import Augment, Batches, Tiles, load_tiles, normalise, procedural_tiles
from .model import CurveUNet, count_parameters


@dataclass
class Config:
    """Training settings; every field is a command-line flag."""

    train: str = ""
    val: str = ""
    out: str = "runs/default"
    loss: str = "dice"
    width: int = 12
    steps: int = 2000
    batch: int = 8
    crop: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    warmup: int = 50
    seed: int = 1
    threads: int = 2
    device: str = "auto"
    val_every: int = 0  # steps; 0 = once per epoch
    val_limit: int = 0  # tiles; 0 = all
    log_every: int = 25
    train_limit: int = 0
    init: str = ""  # checkpoint to start from (warm start); "" = random init
    augment: dict = field(default_factory=lambda: asdict(Augment()))


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def pick_device(name: str) -> torch.device:
    """auto -> cuda when available, else cpu."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def lr_at(step: int, cfg: Config) -> float:
    """Linear warm-up then cosine decay to 5% of lr."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


@torch.no_grad()
def evaluate(model: torch.nn.Module, tiles: Tiles, device: torch.device,
             batch: int = 16) -> dict[str, list[float]]:
    """Per-pixel scores of the model on whole tiles (no augmentation)."""
    model.eval()
    conf = torch.zeros(3, 3, dtype=torch.int64)
    for i in range(0, len(tiles), batch):
        x = normalise(torch.from_numpy(tiles.images[i:i + batch])).to(device)
        pred = model(x).argmax(1).cpu()
        conf += metrics.confusion(pred, torch.from_numpy(tiles.masks[i:i + batch]))
    model.train()
    return metrics.scores(conf)


def _curve_iou(s: dict[str, list[float]]) -> float:
    vals = [v for v in s["iou"][1:] if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else 0.0


def _load(path: str, limit: int, seed: int) -> Tiles:
    """One tile set, or several joined: "DIR,DIR" (limit applies to each;
    the stats are the first set's, with every set's under "sets")."""
    if "," in path:
        names = [p for p in path.split(",") if p]
        if not names:
            raise ValueError(f"tile sets {path!r}: no set named")
        parts = [_load(p, limit, seed) for p in names]
        for name, t in zip(names, parts):
            if t.images.shape[1:] != parts[0].images.shape[1:]:
                raise ValueError(f"tile sets {path!r}: {name} has {t.images.shape[1:]} px "
                                 f"tiles, {names[0]} {parts[0].images.shape[1:]}")
        stats = dict(parts[0].stats, sets=[t.stats for t in parts])
        return Tiles(np.concatenate([t.images for t in parts]),
                     np.concatenate([t.masks for t in parts]), stats)
    if path.startswith("procedural:"):
        return procedural_tiles(int(path.split(":", 1)[1]), seed=seed)
    return load_tiles(path, limit)


def train(cfg: Config) -> dict:
    """Run the schedule; returns the summary also written to OUT/summary.json."""
    set_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))

    train_tiles = _load(cfg.train, cfg.train_limit, cfg.seed)
    val_tiles = _load(cfg.val, cfg.val_limit, cfg.seed + 1000)
    batches = Batches(train_tiles, cfg.batch, Augment(**cfg.augment), cfg.seed)
    val_every = cfg.val_every or batches.steps_per_epoch()

    model = CurveUNet(cfg.width)
    if cfg.init:
        state = torch.load(cfg.init, map_location="cpu")
        if state["width"] != cfg.width:
            raise ValueError(f"--init {cfg.init} has width {state['width']}, not {cfg.width}")
        model.load_state_dict(state["model"])
    model = model.to(device)
    criterion = losses.build(cfg.loss).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    print(f"train: {len(train_tiles)} tiles, val: {len(val_tiles)} tiles, device {device}, "
          f"params {count_parameters(model)}, loss {cfg.loss}, steps {cfg.steps}", flush=True)

    best, best_step, log = -1.0, 0, (out / "metrics.jsonl").open("w")
    t0, running = time.time(), 0.0
    for step in range(cfg.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        x, y = batches.next()
        loss = criterion(model(x.to(device)), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += float(loss)
        if (step + 1) % cfg.log_every == 0:
            rate = (step + 1) / (time.time() - t0)
            eta = (cfg.steps - step - 1) / rate
            print(f"step {step + 1}/{cfg.steps} epoch {batches.epoch} "
                  f"loss {running / cfg.log_every:.4f} lr {lr_at(step, cfg):.2e} "
                  f"{rate * cfg.batch:.1f} tiles/s eta {eta / 60:.1f} min", flush=True)
            running = 0.0
        if (step + 1) % val_every == 0 or step + 1 == cfg.steps:
            s = evaluate(model, val_tiles, device)
            score = _curve_iou(s)
            rec = {"step": step + 1, "epoch": batches.epoch, "loss": float(loss),
                   "curve_iou": score, **s}
            log.write(json.dumps(metrics.json_safe(rec)) + "\n")
            log.flush()
            print(f"val step {step + 1}: iou {[round(v, 4) for v in s['iou']]} "
                  f"f1 {[round(v, 4) for v in s['f1']]}", flush=True)
            state = {"model": model.state_dict(), "width": cfg.width, "config": asdict(cfg),
                     "step": step + 1, "val": s, "data": {"train": train_tiles.stats}}
            torch.save(state, out / "last.pt")
            if score > best:
                best, best_step = score, step + 1
                torch.save(state, out / "best.pt")
    log.close()
    summary = {"best_curve_iou": best, "best_step": best_step,
               "seconds": round(time.time() - t0, 1), "loss": cfg.loss}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"done: best curve IoU {best:.4f} at step {best_step}", flush=True)
    return summary


def parse_args(argv: list[str]) -> Config:
    """Flags mirror Config's fields."""
    cfg = Config()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for k, v in asdict(cfg).items():
        if isinstance(v, dict):
            continue
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    p.add_argument("--no-augment", action="store_true", help="turn augmentations off")
    a = vars(p.parse_args(argv))
    no_aug = a.pop("no_augment")
    cfg = Config(**a)
    if no_aug:
        cfg.augment = asdict(Augment(flip=0, contrast=0, noise=0, blur=0, bilevel=0,
                                     salt_pepper=0, crop=cfg.crop))
    cfg.augment["crop"] = cfg.crop
    if not cfg.train or not cfg.val:
        p.error("--train and --val are required (a tile export DIR or procedural:N)")
    return cfg


if __name__ == "__main__":
    train(parse_args(sys.argv[1:]))
