// Package digitiserv1 holds the pipeline's protobuf messages: StageCommand,
// Job and DeadLetter. The Go code is generated from digitiser.proto with
// protoc (Debian's protobuf-compiler) and protoc-gen-go v1.36.12:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go generate ./proto/...
package digitiserv1

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative digitiser.proto
