// Package testdata embeds the demo inputs: the synthetic sample archive
// (sample/, written by `go run ./services/synth fixtures`) and the manifest
// of the real scan (real/).
package testdata

import "embed"

// Files holds sample/*.tar.gz and real/*.yaml.
//
//go:embed sample real
var Files embed.FS

// RealManifest is the manifest of ../shared/realdata/scans/
// kgs-15-131-20215-sonic.tif.
const RealManifest = "real/kgs-15-131-20215-sonic.yaml"

// RealScan is the real scan's path relative to the repo root.
const RealScan = RealDataDir + "/" + RealScanFile

// RealDataDir is the default real-data folder, relative to the repo root.
const RealDataDir = "../shared/realdata"

// RealScanFile is the real scan's path inside the real-data folder.
const RealScanFile = "scans/kgs-15-131-20215-sonic.tif"
