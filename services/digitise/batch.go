package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/store"
)

// batchJob is one job of a batch as the summary reports it.
type batchJob struct {
	Label  string `json:"label"`
	JobID  string `json:"job_id"`
	State  string `json:"state"`
	Error  string `json:"error,omitempty"`
	Status string `json:"qa_status,omitempty"` // ok or needs_review
	// Classes are the job's own per-class medians (against its truth LAS
	// when the archive carried one).
	Classes []qa.ClassSummary `json:"classes,omitempty"`
	report  *qa.Report
}

// batchSummary is what a batch of jobs achieved: every job's state and
// QA medians, and per class the medians pooled over every curve that had a
// truth, judged against qa.ProjectTarget.
type batchSummary struct {
	Jobs      []batchJob `json:"jobs"`
	Failed    int        `json:"failed"` // failed or unfinished
	WithTruth int        `json:"with_truth"`
	// Pooled holds per class the pooled medians and how many curves with a
	// truth had no digitised value (Missed, in the medians as R2 0, MAE 1/3).
	Pooled []qa.ClassSummary `json:"pooled,omitempty"`
	Target qa.Target         `json:"target"`
	// Misses says which class misses the target, one line each; a failed
	// job is a miss too. Empty when the batch meets it.
	Misses []string `json:"misses,omitempty"`
}

// loadReport reads a finished job's QA report from the store; nil when
// the job has none.
func loadReport(ctx context.Context, st store.Store, job *pb.Job) (*qa.Report, error) {
	key := pipeline.StageRecord(job, pipeline.StageQA).Outputs[pipeline.OutQAJSON]
	if key == "" {
		return nil, nil
	}
	data, err := store.GetBytes(ctx, st, job.Bucket, key)
	if err != nil {
		return nil, fmt.Errorf("job %s: QA report: %w", job.JobId, err)
	}
	var r qa.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("job %s: QA report %s: %w", job.JobId, key, err)
	}
	return &r, nil
}

// summariseBatch pools the jobs' truth scores.
func summariseBatch(jobs []batchJob) batchSummary {
	s := batchSummary{Jobs: jobs, Target: qa.ProjectTarget}
	var reports []*qa.Report
	for _, j := range jobs {
		if j.State != stateName(pb.JobState_JOB_STATE_SUCCEEDED) {
			s.Failed++
		}
		if j.report != nil && j.report.HasTruth {
			s.WithTruth++
			reports = append(reports, j.report)
		}
	}
	if s.WithTruth > 0 {
		s.Pooled = qa.PoolTruth(reports)
		s.Misses = qa.ProjectTarget.Check(s.Pooled)
	}
	if s.Failed > 0 {
		s.Misses = append(s.Misses, fmt.Sprintf("%d of %d %s failed or did not finish",
			s.Failed, len(jobs), plural(len(jobs), "job")))
	}
	return s
}

// writeBatch writes DIR/summary.json and DIR/summary.md and prints the
// markdown to w.
func writeBatch(dir string, s batchSummary, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(data, '\n'),
		0o644); err != nil {
		return err
	}
	var b strings.Builder
	writeBatchMarkdown(&b, s)
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), []byte(b.String()),
		0o644); err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func writeBatchMarkdown(b *strings.Builder, s batchSummary) {
	num := func(n qa.Num) string {
		if math.IsNaN(float64(n)) {
			return "—"
		}
		return fmt.Sprintf("%.4f", float64(n))
	}
	cls := func(cs []qa.ClassSummary, c int) string {
		for _, x := range cs {
			if x.Class == c {
				return fmt.Sprintf("%s / %s", num(x.MedianR2), num(x.MedianMAE))
			}
		}
		return "—"
	}
	fmt.Fprintf(b, "| job | input | state | QA | solid R² / MAE | dashed R² / MAE |\n")
	fmt.Fprintf(b, "| --- | --- | --- | --- | ---: | ---: |\n")
	for _, j := range s.Jobs {
		state := j.State
		if j.Error != "" {
			state += ": " + j.Error
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", cell(j.JobID), cell(j.Label),
			cell(state), cell(j.Status), cls(j.Classes, 1), cls(j.Classes, 2))
	}
	fmt.Fprintf(b, "\n%d %s: %d succeeded, %d failed or unfinished.\n", len(s.Jobs),
		plural(len(s.Jobs), "job"), len(s.Jobs)-s.Failed, s.Failed)
	if s.WithTruth == 0 {
		fmt.Fprintf(b, "\nNo succeeded job was scored against a truth LAS: nothing to pool.\n")
		for _, m := range s.Misses {
			fmt.Fprintf(b, "- %s\n", m)
		}
		return
	}
	fmt.Fprintf(b, "\nPooled over every curve of the %d %s scored against a truth LAS "+
		"(values as fractions of the track width):\n\n", s.WithTruth,
		plural(s.WithTruth, "job"))
	fmt.Fprintf(b, "| class | curves | R² median | MAE median | coverage median | goal |\n")
	fmt.Fprintf(b, "| --- | ---: | ---: | ---: | ---: | --- |\n")
	for _, p := range s.Pooled {
		name := map[int]string{1: "1 (solid)", 2: "2 (dashed)"}[p.Class]
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | R² ≥ %.2f, MAE ≤ %.2f |\n", name,
			p.Curves, num(p.MedianR2), num(p.MedianMAE), num(p.MedianCov),
			s.Target.R2[p.Class], s.Target.MAE[p.Class])
	}
	missed := map[int]int{}
	for _, p := range s.Pooled {
		missed[p.Class] = p.Missed
	}
	if n := missed[1] + missed[2]; n > 0 {
		fmt.Fprintf(b, "\n%d %s with a truth but no digitised value (solid %d, dashed %d) "+
			"count as R² 0, MAE 1/3 in the medians.\n", n, plural(n, "curve"),
			missed[1], missed[2])
	}
	if len(s.Misses) == 0 {
		fmt.Fprintf(b, "\nTarget: **met** (both classes).\n")
		return
	}
	fmt.Fprintf(b, "\nTarget: not met:\n")
	for _, m := range s.Misses {
		fmt.Fprintf(b, "- %s\n", m)
	}
}

// cell makes text safe for one markdown table cell: no bars, no line
// breaks.
func cell(text string) string {
	return strings.NewReplacer("|", "/", "\r\n", " ", "\n", " ", "\r", " ").Replace(text)
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
