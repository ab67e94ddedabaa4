// Package pipeline runs the digitiser's stages over the bus: the stage names
// and their order, the job record in JetStream KV (revision-checked
// updates), submitting and rerunning jobs, and the runner that wraps a stage
// handler with its span, logs, metrics and the ack, nak, term and
// dead-letter logic.
package pipeline

import (
	"fmt"
	"strings"
)

// Stage names, in pipeline order.
const (
	StageIngest     = "ingest"
	StageReassemble = "reassemble"
	StagePreprocess = "preprocess"
	StageSegment    = "segment"
	StageVectorise  = "vectorise"
	StageCalibrate  = "calibrate"
	StageQA         = "qa"
)

// Stages lists every stage in the order a job passes through them.
var Stages = []string{StageIngest, StageReassemble, StagePreprocess, StageSegment,
	StageVectorise, StageCalibrate, StageQA}

// StageIndex returns the position of stage in Stages, or -1.
func StageIndex(stage string) int {
	for i, s := range Stages {
		if s == stage {
			return i
		}
	}
	return -1
}

// NextStage returns the stage after stage; ok is false after the last.
func NextStage(stage string) (next string, ok bool) {
	i := StageIndex(stage)
	if i < 0 || i+1 >= len(Stages) {
		return "", false
	}
	return Stages[i+1], true
}

// ParseStages reads a comma-separated stage list; "all" (or empty) means
// every stage. An unknown name is an error listing the valid ones.
func ParseStages(list string) ([]string, error) {
	if list == "" || list == "all" {
		return append([]string(nil), Stages...), nil
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if StageIndex(s) < 0 {
			return nil, fmt.Errorf("unknown stage %q: use all or some of %s", s,
				strings.Join(Stages, ","))
		}
		out = append(out, s)
	}
	return out, nil
}

// MsgID returns the Nats-Msg-Id of a stage command: one per job, run and
// stage, so a command republished after a crash is stored once.
func MsgID(jobID string, generation uint32, stage string) string {
	return fmt.Sprintf("%s.%d.%s", jobID, generation, stage)
}
