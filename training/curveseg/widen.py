"""Widen a trained CurveUNet without changing what it computes.

A wider network is started from a narrower one's checkpoint instead of from
random weights: every old channel keeps its weights and batch-norm
statistics, the new channels get fresh random weights, and every weight
that reads a new channel starts at zero, so the widened network's output
equals the old one's until training moves those weights.

    python -m curveseg.widen --ckpt runs/v4/best.pt --width 12 --out runs/w12-init.pt

The result loads with `curveseg.train --init ... --width 12`.
"""
from __future__ import annotations

import argparse
import sys

import torch

from .model import CurveUNet


def _channel_maps(old: int, new: int) -> dict[str, tuple[list[int], list[int]]]:
    """Per block: where each old input and output channel sits in the widened
    block (concatenated decoder inputs keep their two parts apart)."""
    o1, o2, o3 = old, 2 * old, 4 * old
    n1, n2, n3 = new, 2 * new, 4 * new

    def same(k: int) -> list[int]:
        return list(range(k))

    def cat(a_old: int, a_new: int, b_old: int) -> list[int]:
        return list(range(a_old)) + [a_new + i for i in range(b_old)]

    return {
        "enc0": ([0], same(o1)),
        "enc1": (same(o1), same(o2)),
        "enc2": (same(o2), same(o3)),
        "mid": (same(o3), same(o3)),
        "dec2": (cat(o3, n3, o3), same(o3)),
        "dec1": (cat(o3, n3, o2), same(o2)),
        "dec0": (cat(o2, n2, o1), same(o1)),
        "head": (same(o1), [0, 1, 2]),
    }


def widen_state(state: dict[str, torch.Tensor], old: int, new: int,
                seed: int = 0) -> dict[str, torch.Tensor]:
    """The state dict of CurveUNet(new) computing what CurveUNet(old) with
    state does. Raises ValueError when new < old."""
    if new < old:
        raise ValueError(f"width {new} is narrower than {old}")
    torch.manual_seed(seed)
    out = CurveUNet(width=new).state_dict()
    maps = _channel_maps(old, new)
    for key, val in state.items():
        block = key.split(".")[0]
        ins, outs = maps[block]
        target = out[key]
        if key.endswith("num_batches_tracked"):
            out[key] = val.clone()
            continue
        if val.dim() == 4:  # conv weight: out x in x k x k
            layer = int(key.split(".")[1]) if block != "head" else 0
            cin = ins if layer == 0 else outs  # the block's second conv reads its first
            target[:, [i for i in range(target.shape[1]) if i not in set(cin)]] = 0
            idx_o = torch.tensor(outs)
            idx_i = torch.tensor(cin)
            target[idx_o.unsqueeze(1), idx_i.unsqueeze(0)] = val
        else:  # batch norm or head bias: per output channel
            target[torch.tensor(outs)] = val
    return out


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ckpt", required=True)
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    state = torch.load(a.ckpt, map_location="cpu")
    wide = widen_state(state["model"], state["width"], a.width, a.seed)
    torch.save({"model": wide, "width": a.width, "widened_from": a.ckpt,
                "old_width": state["width"]}, a.out)
    print(f"widened {a.ckpt} from width {state['width']} to {a.width}: {a.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
