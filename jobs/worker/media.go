package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"frontdesk/internal/media"
	"frontdesk/jobs"
)

// FetchMedia downloads a message's platform files. The media service makes
// it idempotent: only attachments still pending are fetched, and each is
// settled once.
type FetchMedia struct {
	river.WorkerDefaults[jobs.FetchMediaArgs]
	svc *media.Service
}

// NewFetchMedia returns the worker; Register adds it, and tests work jobs
// with it one at a time.
func NewFetchMedia(svc *media.Service) *FetchMedia {
	return &FetchMedia{svc: svc}
}

// Timeout leaves room for a few files of up to media.MaxSize each.
func (w *FetchMedia) Timeout(*river.Job[jobs.FetchMediaArgs]) time.Duration {
	return 10 * time.Minute
}

// Work fetches the files; an error (a file that may still come) is retried
// with River's backoff, and the last attempt records what is left as
// failed.
func (w *FetchMedia) Work(ctx context.Context, job *river.Job[jobs.FetchMediaArgs]) error {
	return w.svc.Fetch(ctx, job.Args, media.Attempt{Final: job.Attempt >= job.MaxAttempts})
}
