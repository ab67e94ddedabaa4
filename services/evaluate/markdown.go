package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/welllog/digitiser/pkg/qa"
)

// WriteMarkdown writes the study's tables: per tier, one row per model and
// class with medians and means; whether each model meets the target on the
// hard tier; and a per-example table of mean R2 per class.
func WriteMarkdown(w io.Writer, results []ExampleResult, models []string, t qa.Target) error {
	sums := Summarise(results)
	var b strings.Builder
	for _, tier := range tiersOf(results) {
		fmt.Fprintf(&b, "\n#### Tier %s\n\n", tier)
		b.WriteString("| model | class | curves | R² median | R² mean | MAE median | " +
			"MAE mean | MSE median | MSE mean | coverage median | pixel IoU | pixel F1 |\n")
		b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: " +
			"| ---: | ---: |\n")
		for _, m := range models {
			for _, s := range sums {
				if s.Model != m || s.Tier != tier {
					continue
				}
				fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					m, s.Class, s.Curves, f4(s.MedianR2), f4(s.MeanR2), f4(s.MedianMAE),
					f4(s.MeanMAE), f5(s.MedianMSE), f5(s.MeanMSE), f3(s.MedianCov),
					f3(s.MeanIoU), f3(s.MeanF1))
			}
		}
	}
	b.WriteString("\n#### Target on the hard tier (median R² ≥ 0.98 / 0.95, " +
		"MAE ≤ 0.01 / 0.02, both classes)\n\n")
	for _, m := range models {
		verdict := "not met"
		if Meets(t, sums, m, "hard") {
			verdict = "**met**"
		}
		fmt.Fprintf(&b, "- %s: %s\n", m, verdict)
	}
	b.WriteString("\n#### Per example: mean R² of class 1 / class 2 curves " +
		"(— where the log has none; ! where a stage failed; * after the seed: " +
		"track borders pinned because preprocessing missed them)\n\n")
	b.WriteString("| tier | seed | " + strings.Join(models, " | ") + " |\n")
	b.WriteString("| --- | ---: |" + strings.Repeat(" ---: |", len(models)) + "\n")
	for _, k := range difficultyOrder(results) {
		pin := ""
		if pinned(results, k) {
			pin = "*"
		}
		fmt.Fprintf(&b, "| %s | %d%s |", k.tier, k.seed, pin)
		for _, m := range models {
			c1, ok1 := exampleR2(results, m, k, 1)
			c2, ok2 := exampleR2(results, m, k, 2)
			mark := ""
			if failed(results, m, k) {
				mark = "!"
			}
			fmt.Fprintf(&b, " %s%s / %s |", mark, opt(c1, ok1), opt(c2, ok2))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func tiersOf(results []ExampleResult) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.Tier] {
			seen[r.Tier] = true
			out = append(out, r.Tier)
		}
	}
	return out
}

func failed(results []ExampleResult, model string, k exampleKey) bool {
	for _, r := range results {
		if r.Model == model && r.Tier == k.tier && r.Seed == k.seed && r.Error != "" {
			return true
		}
	}
	return false
}

func pinned(results []ExampleResult, k exampleKey) bool {
	for _, r := range results {
		if r.Tier == k.tier && r.Seed == k.seed && r.PinnedTracks {
			return true
		}
	}
	return false
}

func opt(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return f3(Float(v))
}

func fmtF(v Float, prec int) string {
	if math.IsNaN(float64(v)) {
		return "—"
	}
	return fmt.Sprintf("%.*f", prec, float64(v))
}

func f3(v Float) string { return fmtF(v, 3) }
func f4(v Float) string { return fmtF(v, 4) }
func f5(v Float) string { return fmtF(v, 5) }
