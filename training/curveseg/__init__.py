"""Curve segmentation for raster well logs: data, model, losses, training,
export.

Classes: 0 background, 1 curve drawn solid, 2 curve drawn dashed or dotted
(pkg/manifest's ClassBackground, ClassSolid, ClassDashed). Run everything
with Debian's interpreter, /usr/bin/python3, which carries python3-torch.
"""

CLASSES = ("background", "curve_solid", "curve_dashed")
NUM_CLASSES = len(CLASSES)
