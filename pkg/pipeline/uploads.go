package pipeline

import (
	"context"
	"log/slog"
	"strings"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// UploadOwner returns the job whose folder of the inbox ("<job id>/...")
// key lies in, or nil when there is none. The bucket event of such an
// upload starts no job. An upload that is the job's own archive or
// manifest (what `submit` writes) is logged at Debug; any other file
// dropped into a job's folder is logged at Warn, naming the job, so that
// it is not ignored silently. A failed look-up is taken as no job.
func UploadOwner(ctx context.Context, jobs *Jobs, log *slog.Logger, key string) *pb.Job {
	first, _, ok := strings.Cut(key, "/")
	if !ok {
		return nil
	}
	job, err := jobs.Get(ctx, first)
	if err != nil {
		return nil
	}
	if key == job.SourceKey || key == job.ManifestKey {
		log.Debug("upload belongs to its job; no new job", "job_id", job.JobId, "key", key)
		return job
	}
	log.Warn("upload ignored: it lies in an existing job's folder; upload it outside "+
		"any job folder to start a job", "job_id", job.JobId, "key", key)
	return job
}
