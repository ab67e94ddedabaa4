package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/bus/bustest"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// TestJobsReplicated opens the job records with three replicas on a
// three-server cluster; a user command opening them afterwards must leave
// the three replicas alone, and a record must survive the loss of the
// server leading the bucket.
func TestJobsReplicated(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server JetStream cluster; skipped with -short")
	}
	servers := bustest.Cluster(t, 3)
	ctx := context.Background()
	b, err := bus.Dial(ctx, bustest.URLs(servers), bus.ConnectOptions{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	workers, err := OpenJobsWith(ctx, b.JS, JobsConfig{Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := workers.Create(ctx, &pb.Job{JobId: "j1", Generation: 1}); err != nil {
		t.Fatal(err)
	}
	user, err := OpenJobs(ctx, b.JS)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := user.Replicas(ctx); err != nil || n != 3 {
		t.Fatalf("job records keep %d replicas (%v), want 3", n, err)
	}

	info, err := b.JS.Stream(ctx, "KV_"+JobsBucket)
	if err != nil {
		t.Fatal(err)
	}
	leader := info.CachedInfo().Cluster.Leader
	for _, s := range servers {
		if s.Name() == leader {
			s.Shutdown()
			s.WaitForShutdown()
		}
	}
	var job *pb.Job
	for range 150 { // a new leader is elected within seconds
		if job, err = user.Get(ctx, "j1"); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || job.Generation != 1 {
		t.Fatalf("record after losing server %s: %v, %v", leader, job, err)
	}
}
