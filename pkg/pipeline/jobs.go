package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// JobsBucket is the JetStream KV bucket of job records, keyed by job id.
const JobsBucket = "digitiser_jobs"

// Errors callers branch on.
var (
	// ErrJobNotFound: no record under that job id (check `digitise list`).
	ErrJobNotFound = errors.New("job not found")
	// ErrJobExists: Create found a record under that id.
	ErrJobExists = errors.New("job already exists")
)

// Jobs is the job record store.
type Jobs struct {
	kv jetstream.KeyValue
}

// JobsConfig sizes the job record bucket.
type JobsConfig struct {
	// Replicas is how many servers of a JetStream cluster keep the
	// bucket (1, 3 or 5). 0 means use the bucket as it is, creating it
	// with one replica when missing: what a user command wants, so that
	// it never rescales the bucket the workers made. Workers pass the
	// same value as [bus.StreamsConfig.Replicas].
	Replicas int
}

// OpenJobs opens the KV bucket of job records, creating it with one
// replica when missing; an existing bucket is used as it is.
func OpenJobs(ctx context.Context, js jetstream.JetStream) (*Jobs, error) {
	return OpenJobsWith(ctx, js, JobsConfig{})
}

// OpenJobsWith opens the KV bucket of job records with cfg: with
// cfg.Replicas > 0 it creates or updates the bucket to that many replicas
// (an error when the cluster has fewer servers), else as [OpenJobs].
func OpenJobsWith(ctx context.Context, js jetstream.JetStream, cfg JobsConfig) (*Jobs,
	error) {
	kvc := jetstream.KeyValueConfig{
		Bucket:      JobsBucket,
		Description: "digitiser job records",
		History:     4,
		Storage:     jetstream.FileStorage,
		Replicas:    max(cfg.Replicas, 1),
	}
	var kv jetstream.KeyValue
	var err error
	if cfg.Replicas > 0 {
		kv, err = js.CreateOrUpdateKeyValue(ctx, kvc)
	} else {
		kv, err = js.KeyValue(ctx, JobsBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(ctx, kvc)
			if errors.Is(err, jetstream.ErrBucketExists) {
				kv, err = js.KeyValue(ctx, JobsBucket) // made meanwhile
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open job records: %w", err)
	}
	return &Jobs{kv: kv}, nil
}

// Replicas returns how many replicas the bucket has now.
func (j *Jobs) Replicas(ctx context.Context) (int, error) {
	st, err := j.kv.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("job records status: %w", err)
	}
	if s, ok := st.(*jetstream.KeyValueBucketStatus); ok {
		return s.StreamInfo().Config.Replicas, nil
	}
	return 0, errors.New("job records status: unknown bucket status type")
}

// Create stores a new record; ErrJobExists when the id is taken.
func (j *Jobs) Create(ctx context.Context, job *pb.Job) error {
	now := time.Now().UnixMilli()
	if job.CreatedMs == 0 {
		job.CreatedMs = now
	}
	job.UpdatedMs = now
	data, err := proto.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", job.JobId, err)
	}
	if _, err := j.kv.Create(ctx, job.JobId, data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("create job %s: %w", job.JobId, ErrJobExists)
		}
		return fmt.Errorf("create job %s: %w", job.JobId, err)
	}
	return nil
}

// Delete removes a job's record and its history; a missing record is not
// an error. It is for a job that never started (its upload failed).
func (j *Jobs) Delete(ctx context.Context, id string) error {
	if err := j.kv.Purge(ctx, id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete job %s: %w", id, err)
	}
	return nil
}

// Get returns the record of a job; ErrJobNotFound when there is none.
func (j *Jobs) Get(ctx context.Context, id string) (*pb.Job, error) {
	job, _, err := j.get(ctx, id)
	return job, err
}

func (j *Jobs) get(ctx context.Context, id string) (*pb.Job, uint64, error) {
	entry, err := j.kv.Get(ctx, id)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) ||
			errors.Is(err, jetstream.ErrInvalidKey) {
			return nil, 0, fmt.Errorf("job %q: %w", id, ErrJobNotFound)
		}
		return nil, 0, fmt.Errorf("read job %s: %w", id, err)
	}
	job := &pb.Job{}
	if err := proto.Unmarshal(entry.Value(), job); err != nil {
		return nil, 0, fmt.Errorf("decode job %s: %w", id, err)
	}
	return job, entry.Revision(), nil
}

// Update applies fn to the current record and stores it only if nobody
// wrote it meanwhile, retrying fn on a newer revision up to 50 times. An
// error from fn aborts the update and is returned as is.
func (j *Jobs) Update(ctx context.Context, id string, fn func(*pb.Job) error) (*pb.Job,
	error) {
	for try := 0; try < 50; try++ {
		job, rev, err := j.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(job); err != nil {
			return nil, err
		}
		job.UpdatedMs = time.Now().UnixMilli()
		data, err := proto.Marshal(job)
		if err != nil {
			return nil, fmt.Errorf("encode job %s: %w", id, err)
		}
		_, err = j.kv.Update(ctx, id, data, rev)
		if err == nil {
			return job, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("update job %s: %w", id, err)
		}
		// Someone else wrote the record: read it again and retry.
		time.Sleep(time.Duration(try+1) * 2 * time.Millisecond)
	}
	return nil, fmt.Errorf("update job %s: too many concurrent writers", id)
}

// List returns every job, oldest first.
func (j *Jobs) List(ctx context.Context) ([]*pb.Job, error) {
	lister, err := j.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	var jobs []*pb.Job
	for key := range lister.Keys() {
		job, err := j.Get(ctx, key)
		if errors.Is(err, ErrJobNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job)
	}
	sort.Slice(jobs, func(a, b int) bool {
		if jobs[a].CreatedMs != jobs[b].CreatedMs {
			return jobs[a].CreatedMs < jobs[b].CreatedMs
		}
		return jobs[a].JobId < jobs[b].JobId
	})
	return jobs, nil
}

// Watch calls fn with the record of job id every time it changes, starting
// with the current one, until fn returns false or ctx ends.
func (j *Jobs) Watch(ctx context.Context, id string, fn func(*pb.Job) bool) error {
	w, err := j.kv.Watch(ctx, id)
	if err != nil {
		return fmt.Errorf("watch job %s: %w", id, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case entry, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("watch job %s: closed", id)
			}
			if entry == nil || entry.Operation() != jetstream.KeyValuePut {
				continue
			}
			job := &pb.Job{}
			if err := proto.Unmarshal(entry.Value(), job); err != nil {
				return fmt.Errorf("decode job %s: %w", id, err)
			}
			if !fn(job) {
				return nil
			}
		}
	}
}

// StageRecord returns the job's record of stage, creating it.
func StageRecord(job *pb.Job, stage string) *pb.StageRecord {
	if job.Stages == nil {
		job.Stages = map[string]*pb.StageRecord{}
	}
	rec := job.Stages[stage]
	if rec == nil {
		rec = &pb.StageRecord{State: pb.StageState_STAGE_STATE_PENDING}
		job.Stages[stage] = rec
	}
	return rec
}

// Inputs gathers the outputs of the stages before stage: the inputs a
// command for stage carries.
func Inputs(job *pb.Job, stage string) map[string]string {
	in := map[string]string{}
	for _, s := range Stages[:max(StageIndex(stage), 0)] {
		for k, v := range job.Stages[s].GetOutputs() {
			in[k] = v
		}
	}
	return in
}
