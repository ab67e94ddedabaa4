package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/realdata"
)

// oneTrack is a valid track list the cases below append to.
const oneTrack = "tracks:\n - curves:\n   - {mnemonic: GR, unit: GAPI, left: 0, right: 150}\n"

func curveYAML(fields string) string {
	return "tracks:\n - curves:\n   - {" + fields + "}\n"
}

func TestParseAccepts(t *testing.T) {
	cases := map[string]string{
		"minimal":  oneTrack,
		"interval": "depth: {unit: m, step: 0.1, start: 1000, stop: 1200}\n" + oneTrack,
		"tie points": "depth: {tie_points: [{row: 100, depth: 2000}, {row: 1100, " +
			"depth: 2100}]}\n" + oneTrack,
		"backup": curveYAML("mnemonic: GR, left: 0, right: 150, " +
			"backup: {left: 150, right: 300}"),
		"unit with dot": curveYAML("mnemonic: TEMP, unit: DEG.C, left: 0, right: 150"),
		"trailing ---":  oneTrack + "---\n",
		"max rows raised": "depth: {step: 0.05, start: 0, stop: 100000, max_rows: 2000001}\n" +
			oneTrack,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("manifest.yaml", []byte(src)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"empty", "", "manifest is empty"},
		{"blank", "\n  \n# only a comment\n", "manifest is empty"},
		{"null document", "~\n", "manifest is empty"},
		{"step inf", "depth: {step: .inf}\n" + oneTrack, "depth.step +Inf: give a finite"},
		{"start nan", "depth: {start: .nan}\n" + oneTrack, "depth.start NaN"},
		{"start -inf", "depth: {start: -.inf}\n" + oneTrack, "depth.start -Inf"},
		{"stop inf", "depth: {stop: .inf}\n" + oneTrack, "depth.stop +Inf"},
		{"scale nan", "depth: {scale: .nan}\n" + oneTrack, "depth.scale NaN"},
		{"huge interval", "depth: {start: -1e15, stop: 1e15}\n" + oneTrack, "within ±"},
		{"tiny step", "depth: {step: 1e-12, stop: 100000}\n" + oneTrack, "use a step from"},
		{"huge step", "depth: {step: 1e300}\n" + oneTrack, "use a step from"},
		{"over row cap", "depth: {step: 0.05, start: 0, stop: 100000}\n" + oneTrack,
			"2000001 rows, over the cap of 2000000"},
		{"one row", "depth: {step: 50, start: 1000, stop: 1010}\n" + oneTrack, "gives one row"},
		{"max rows over limit", "depth: {max_rows: 100000000}\n" + oneTrack, "depth.max_rows"},
		{"tie nan row", "depth: {tie_points: [{row: .nan, depth: 100}, {row: 50, " +
			"depth: 200}]}\n" + oneTrack, "tie_points[1]: row NaN: give a finite row"},
		{"tie inf depth", "depth: {tie_points: [{row: 0, depth: 100}, {row: 50, " +
			"depth: .inf}]}\n" + oneTrack, "tie_points[2]: depth +Inf"},
		{"tie negative row", "depth: {tie_points: [{row: -100, depth: 100}, {row: -50, " +
			"depth: 200}]}\n" + oneTrack, "rows are px from the strip's top"},
		{"tie rate absurd", "depth: {tie_points: [{row: 100, depth: 2150}, {row: 100.01, " +
			"depth: 900000}]}\n" + oneTrack, "per px, over 100"},
		{"tie depth 1e300", "depth: {tie_points: [{row: 0, depth: 0}, {row: 1000, " +
			"depth: 1e300}]}\n" + oneTrack, "depths are within"},
		{"tie rate tiny", "depth: {tie_points: [{row: 0, depth: 1000}, {row: 9000000, " +
			"depth: 1001}]}\n" + oneTrack, "under 0.0001"},
		{"tie decreasing", "depth: {tie_points: [{row: 500, depth: 100}, {row: 100, " +
			"depth: 200}]}\n" + oneTrack, "depth must increase down the strip"},
		{"tie duplicate row apart", "depth: {tie_points: [{row: 100, depth: 100}, {row: 500, " +
			"depth: 200}, {row: 100, depth: 300}]}\n" + oneTrack, "two tie points at row 100"},
		{"curve left nan", curveYAML("mnemonic: GR, left: .nan, right: 150"), "finite left"},
		{"curve right inf", curveYAML("mnemonic: GR, left: 0, right: .inf"), "finite left"},
		{"backup nan", curveYAML("mnemonic: GR, left: 0, right: 150, backup: {left: .nan, " +
			"right: 300}"), "backup scale value NaN"},
		{"backup equal to main", curveYAML("mnemonic: GR, left: 0, right: 150, backup: " +
			"{left: 0, right: 150}"), "equals the main scale"},
		{"negative decades", "tracks:\n - grid: log\n   decades: -3\n   curves:\n   - " +
			"{mnemonic: RES, left: 0.2, right: 2000, scale: log}\n", "decades -3"},
		{"negative track border", "tracks:\n - left: -500\n   right: 100\n   curves:\n   - " +
			"{mnemonic: GR, left: 0, right: 150}\n", "from 0"},
		{"mnemonic dot", curveYAML("mnemonic: GR.X, left: 0, right: 150"), "holds '.'"},
		{"mnemonic colon", curveYAML("mnemonic: 'GR:1', left: 0, right: 150"), "holds ':'"},
		{"mnemonic space", curveYAML("mnemonic: 'G R', left: 0, right: 150"), "holds ' '"},
		{"mnemonic newline", curveYAML(`mnemonic: "G\nR", left: 0, right: 150`), "holds '\\n'"},
		{"mnemonic long", curveYAML("mnemonic: " + strings.Repeat("A", 33) + ", left: 0, " +
			"right: 150"), "longer than 32"},
		{"mnemonic DEPT", curveYAML("mnemonic: dept, left: 0, right: 150"), "depth index"},
		{"mnemonic INDEX", curveYAML("mnemonic: INDEX, left: 0, right: 150"), "depth index"},
		{"unit newline", curveYAML(`mnemonic: GR, unit: "GAPI\n~A 1 2", left: 0, right: 150`),
			"holds '\\n'"},
		{"unit space", curveYAML("mnemonic: GR, unit: v per v, left: 0, right: 150"),
			"holds ' '"},
		{"unit colon", curveYAML("mnemonic: GR, unit: 'a:b', left: 0, right: 150"),
			"holds ':'"},
		{"description colon", curveYAML("mnemonic: GR, description: 'gamma: ray', left: 0, " +
			"right: 150"), "holds a colon"},
		{"description newline", curveYAML(`mnemonic: GR, description: "a\nb", left: 0, ` +
			"right: 150"), "keep it on one line"},
		{"well name newline", "well: {name: \"A\\n~A 1\"}\n" + oneTrack, "well.name"},
		{"two documents", oneTrack + "---\nbogus: 1\n", "more than one YAML document"},
		{"two manifests", oneTrack + "---\n" + oneTrack, "more than one YAML document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("manifest.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("accepted:\n%s", c.src)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q: want ErrInvalid saying %q", err, c.want)
			}
		})
	}
}

func TestParseJSONRefuses(t *testing.T) {
	good := `{"tracks":[{"curves":[{"mnemonic":"GR","left":0,"right":150}]}]}`
	if _, err := Parse("manifest.json", []byte(good+"\n")); err != nil {
		t.Fatalf("valid JSON refused: %v", err)
	}
	cases := []struct{ name, src, want string }{
		{"empty", "", "manifest is empty"},
		{"empty object", "{}", "manifest is empty"},
		{"trailing garbage", good + " xx garbage", "text after the manifest's JSON object"},
		{"two objects", good + `{"depth":{"unit":"furlong"}}`, "text after"},
		{"unknown field", `{"trackz":[]}`, "unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("manifest.json", []byte(c.src))
			if err == nil || !errors.Is(err, ErrInvalid) ||
				!strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v: want ErrInvalid saying %q", err, c.want)
			}
		})
	}
}

// TestParseRepoManifests keeps the manifests the repository ships valid
// under the rules.
func TestParseRepoManifests(t *testing.T) {
	root, err := realdata.RepoRoot()
	if err != nil {
		t.Skip("no go.mod above the test")
	}
	files, _ := filepath.Glob(filepath.Join(root, "testdata", "*", "*.yaml"))
	if len(files) == 0 {
		t.Skip("no manifests under testdata")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(filepath.Base(f), data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestCheckTextRefusesInvalidUTF8(t *testing.T) {
	if err := CheckText("well.name", "\xff\xfe"); err == nil ||
		!strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("CheckText of invalid UTF-8: %v", err)
	}
	if err := CheckUnit("\xff"); err == nil {
		t.Fatal("CheckUnit accepted invalid UTF-8")
	}
}

func TestRows(t *testing.T) {
	d := Depth{Unit: "ft", Step: 0.5}
	if got := Rows(1000, 1010, d.Step); got != 21 {
		t.Fatalf("Rows(1000, 1010, 0.5) = %v, want 21", got)
	}
	if d.RowCap() != DefaultMaxRows {
		t.Fatalf("RowCap %d, want the default %d", d.RowCap(), DefaultMaxRows)
	}
	d.MaxRows = 10
	if d.RowCap() != 10 {
		t.Fatalf("RowCap %d, want 10", d.RowCap())
	}
}
