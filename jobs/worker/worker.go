// Package worker runs Frontdesk's background jobs. Workers are thin: they
// decode their arguments and call a service, which owns the transaction.
package worker

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"frontdesk/internal/conversation"
	"frontdesk/jobs"
)

// Services are what the workers call.
type Services struct {
	Conversations *conversation.Service
	Logger        *slog.Logger
}

// Register adds every worker to workers.
func Register(workers *river.Workers, s Services) error {
	if err := river.AddWorkerSafely(workers, &HandoffSLA{svc: s.Conversations, log: s.Logger}); err != nil {
		return fmt.Errorf("register handoff_sla: %w", err)
	}
	return nil
}

// HandoffSLA escalates a handed-off conversation that no human answered in
// time. Running it twice is harmless: the second run finds it urgent already.
type HandoffSLA struct {
	river.WorkerDefaults[jobs.HandoffSLAArgs]
	svc *conversation.Service
	log *slog.Logger
}

// Work runs the check.
func (w *HandoffSLA) Work(ctx context.Context, job *river.Job[jobs.HandoffSLAArgs]) error {
	escalated, err := w.svc.EscalateIfUnanswered(ctx, job.Args)
	if err != nil {
		return err
	}
	if escalated {
		w.log.InfoContext(ctx, "conversation escalated", slog.String("conversation_id", job.Args.ConversationID.String()), slog.String("organization_id", job.Args.OrganizationID.String()))
	}
	return nil
}
