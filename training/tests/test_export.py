"""Export test: ONNX file, model card fields pkg/segment reads, parity
tiles that reproduce PyTorch's output. The ONNX Runtime side of the
comparison is the Go test services/evaluate TestModelParity."""

import hashlib
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from curveseg.data import normalise
from curveseg.export import PARITY_SHAPES, export
from curveseg.model import CurveUNet


class ExportTest(unittest.TestCase):
    def test_export_writes_model_card_and_parity(self):
        torch.manual_seed(0)
        model = CurveUNet(width=4)
        with tempfile.TemporaryDirectory() as d:
            ckpt = Path(d) / "m.pt"
            val = {"iou": [0.9, 0.5, float("nan")]}  # class 2 absent from val
            torch.save({"model": model.state_dict(), "width": 4, "step": 1, "val": val,
                        "config": {"loss": "tversky:alpha=0.3,beta=0.7", "seed": 1}}, ckpt)
            out = Path(d) / "v9"
            export(str(ckpt), str(out), "v9")

            onnx = (out / "model.onnx").read_bytes()
            self.assertIn(b"image", onnx)
            self.assertIn(b"logits", onnx)
            strict = json.JSONDecoder(parse_constant=lambda c: self.fail(f"{c} in card"))
            card = strict.decode((out / "model.card.json").read_text())
            self.assertIsNone(card["metrics"]["val"]["iou"][2])
            self.assertEqual(card["classes"], ["background", "curve_solid", "curve_dashed"])
            self.assertEqual(card["sha256"], hashlib.sha256(onnx).hexdigest())
            self.assertEqual(card["opset"], 17)
            self.assertEqual(card["stride_multiple"], 8)
            self.assertEqual(card["normalisation"], {"invert": False, "scale": 1 / 255,
                                                     "mean": 0.5, "std": 0.5})
            self.assertEqual(card["loss"]["terms"][0]["params"], {"alpha": 0.3, "beta": 0.7})
            self.assertEqual(len(card["parity"]), len(PARITY_SHAPES))

            model.eval()
            for entry, (h, w) in zip(card["parity"], PARITY_SHAPES):
                img = np.array(Image.open(out / entry["image"]))
                prob = np.asarray(Image.open(out / entry["prob"]))
                self.assertEqual(img.shape, (h, w))
                with torch.no_grad():
                    p = model(normalise(torch.from_numpy(img[None]))).softmax(1)[0]
                want = (p[1:] * 255).numpy()
                got = prob[..., :2].transpose(2, 0, 1).astype(np.float32)
                self.assertLessEqual(float(np.abs(want - got).max()), 1.0)


if __name__ == "__main__":
    unittest.main()
