package digitiserv1

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeIsFresh regenerates digitiser.pb.go into a temp dir and
// fails when it differs from the committed file: run `go generate
// ./proto/...` after editing digitiser.proto.
func TestGeneratedCodeIsFresh(t *testing.T) {
	for _, tool := range []string{"protoc", "protoc-gen-go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH (apt-get install protobuf-compiler; "+
				"go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12)", tool)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("protoc", "--proto_path=.", "--go_out="+dir,
		"--go_opt=paths=source_relative", "digitiser.proto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, out)
	}
	fresh, err := os.ReadFile(filepath.Join(dir, "digitiser.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("digitiser.pb.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dropVersions(fresh), dropVersions(committed)) {
		t.Fatal("digitiser.pb.go is stale: run `go generate ./proto/...` and commit it")
	}
}

// dropVersions removes the tool version lines, which differ between
// machines without the code differing.
func dropVersions(src []byte) []byte {
	var keep []string
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "// \tprotoc") {
			continue
		}
		keep = append(keep, line)
	}
	return []byte(strings.Join(keep, "\n"))
}
