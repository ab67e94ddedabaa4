package pipeline

import (
	"context"
	"fmt"
	"runtime/debug"
)

// PanicError is a stage handler's panic, caught by the Runner. The Runner
// rejects the command with it (a dead letter, the job failed, no retry:
// the same input would panic again) and keeps serving. Panics in
// goroutines a handler starts are not caught: they still end the process.
type PanicError struct {
	// Stage is the stage whose handler panicked.
	Stage string
	// Value is what the handler panicked with.
	Value any
	// Stack is the handler goroutine's stack at the panic.
	Stack []byte
}

// Error names the stage and the panic, and what to do.
func (e *PanicError) Error() string {
	return fmt.Sprintf("stage %s crashed on this input (panic: %v); the job is stopped "+
		"rather than retried: report it with the dead letter (`digitise dlq`), and check "+
		"the input", e.Stage, e.Value)
}

// call runs h, turning a panic into a rejection carrying a *PanicError.
func call(ctx context.Context, stage string, h Handler, t *Task) (out map[string]string,
	err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, Reject(&PanicError{Stage: stage, Value: v, Stack: debug.Stack()})
		}
	}()
	return h(ctx, t)
}
