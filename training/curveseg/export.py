"""Export a checkpoint to ONNX with its model card and parity tiles.

    /usr/bin/python3 -m curveseg.export --ckpt runs/x/best.pt \
        --out models/curveseg/v1 --version v1

Writes OUT/model.onnx (opset 17, input "image" N x 1 x H x W float32 with
dynamic N, H, W; output "logits" N x 3 x H x W), OUT/model.card.json and
OUT/parity/: a few 8-bit gray tiles (NN.png) and PyTorch's softmax of each as
a probability PNG (NN.prob.png, R = class 1, G = class 2, 0..255, the format
of pkg/segment's EncodeProbMap) for the Go test that runs ONNX Runtime on
the same tiles and compares.
"""

from __future__ import annotations

import argparse
import warnings
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import CLASSES
from .data import MEAN, SCALE, STD, normalise, procedural_tiles, load_tiles
from .metrics import json_safe
from .model import RECEPTIVE_FIELD, STRIDE_MULTIPLE, CurveUNet

OPSET = 17
CARD_SCHEMA = 1
# Parity tile sizes (px, H x W): two shapes to exercise the dynamic axes,
# both stride multiples so no padding convention enters the comparison.
PARITY_SHAPES = ((96, 128), (72, 104))


def load_checkpoint(path: str | Path) -> tuple[CurveUNet, dict]:
    """The model in eval mode and the checkpoint's dict."""
    state = torch.load(path, map_location="cpu")
    model = CurveUNet(state["width"])
    model.load_state_dict(state["model"])
    model.eval()
    return model, state


def export_onnx(model: CurveUNet, path: Path) -> None:
    """Write model to path as ONNX opset 17 with dynamic batch, height and
    width."""
    dummy = torch.zeros(1, 1, 64, 64)
    axes = {"image": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n", 2: "h", 3: "w"}}
    with warnings.catch_warnings():
        # torch 1.13 warns about shape inference of constants; harmless here.
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(model, dummy, str(path), opset_version=OPSET,
                          input_names=["image"], output_names=["logits"],
                          dynamic_axes=axes, do_constant_folding=True)


def probability_png(logits: torch.Tensor) -> Image.Image:
    """1 x 3 x H x W logits -> RGB PNG: R = P(class 1), G = P(class 2)."""
    p = logits.softmax(1)[0]
    q = (p * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
    rgb = np.stack([q[1], q[2], np.zeros_like(q[0])], axis=-1)
    return Image.fromarray(rgb, "RGB")


def write_parity(model: CurveUNet, out: Path, tiles_dir: str) -> list[dict]:
    """Crop parity tiles (from tiles_dir when given, else procedural), run
    the model and write tiles and probabilities under out/parity."""
    if tiles_dir:
        tiles = load_tiles(tiles_dir, limit=len(PARITY_SHAPES))
    else:
        tiles = procedural_tiles(len(PARITY_SHAPES), size=128, seed=7)
    pdir = out / "parity"
    pdir.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, (h, w) in enumerate(PARITY_SHAPES):
        img = tiles.images[i % len(tiles)][:h, :w].copy()
        with torch.no_grad():
            logits = model(normalise(torch.from_numpy(img[None])))
        Image.fromarray(img, "L").save(pdir / f"{i:02d}.png")
        probability_png(logits).save(pdir / f"{i:02d}.prob.png")
        entries.append({"image": f"parity/{i:02d}.png", "prob": f"parity/{i:02d}.prob.png",
                        "height": h, "width": w})
    return entries


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_card(state: dict, version: str, onnx_path: Path, parity: list[dict],
               extra_metrics: dict | None = None) -> dict:
    """The model card: what pkg/segment needs to run the model and what a
    reader needs to trust it."""
    cfg = state.get("config", {})
    return {
        "schema": CARD_SCHEMA,
        "name": "curveseg",
        "version": version,
        "file": onnx_path.name,
        "sha256": sha256(onnx_path),
        "format": "onnx",
        "opset": OPSET,
        "classes": list(CLASSES),
        # Fields read by pkg/segment (Card): tensor names, output kind,
        # normalisation x = (q*scale - mean)/std with q = pixel (0 ink .. 255
        # paper, no inversion), tile size, stride multiple, receptive field.
        "input_name": "image",
        "output_name": "logits",
        "output": "logits",
        "normalisation": {"invert": False, "scale": SCALE, "mean": MEAN, "std": STD},
        "tile_size": 256,
        "stride_multiple": STRIDE_MULTIPLE,
        "receptive_field": RECEPTIVE_FIELD,
        "input_shape": ["n", 1, "h", "w"],
        "output_shape": ["n", 3, "h", "w"],
        "architecture": {"type": "CurveUNet", "width": state.get("width"), "levels": 3},
        "loss": {"spec": cfg.get("loss", ""), "terms": _terms(cfg.get("loss", ""))},
        "training": {k: cfg.get(k) for k in
                     ("steps", "batch", "crop", "lr", "weight_decay", "seed", "init", "augment")},
        "data": state.get("data", {}),
        "metrics": {"val_step": state.get("step"), "val": state.get("val", {}),
                    **(extra_metrics or {})},
        "parity": parity,
    }


def _terms(spec: str) -> list[dict]:
    from .losses import parse_spec
    if not spec:
        return []
    return [{"name": t.name, "weight": t.weight, "params": t.params} for t in parse_spec(spec)]


def export(ckpt: str, out: str, version: str, tiles_dir: str = "",
           pipeline_metrics: str = "") -> dict:
    """Export ckpt to out; returns the card. pipeline_metrics names a
    summary.json of services/evaluate to record under metrics.pipeline."""
    model, state = load_checkpoint(ckpt)
    dst = Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    onnx_path = dst / "model.onnx"
    export_onnx(model, onnx_path)
    parity = write_parity(model, dst, tiles_dir)
    extra = {}
    if pipeline_metrics:
        extra["pipeline"] = json.loads(Path(pipeline_metrics).read_text())
    card = build_card(state, version, onnx_path, parity, extra)
    (dst / "model.card.json").write_text(
        json.dumps(json_safe(card), indent=2, default=_json, allow_nan=False) + "\n")
    print(f"exported {onnx_path} ({onnx_path.stat().st_size} bytes), card v{CARD_SCHEMA}")
    return card


def _json(o: object) -> object:
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"not JSON: {type(o)}")


def main(argv: list[str]) -> None:
    """Command line entry."""
    p = argparse.ArgumentParser(description="export a checkpoint to ONNX + model card")
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--version", default="v1")
    p.add_argument("--tiles", default="", help="tile export to cut parity tiles from")
    p.add_argument("--pipeline-metrics", default="",
                   help="services/evaluate summary.json to record in the card")
    a = p.parse_args(argv)
    export(a.ckpt, a.out, a.version, a.tiles, a.pipeline_metrics)


if __name__ == "__main__":
    main(sys.argv[1:])
