// Package worker runs Frontdesk's background jobs. Workers are thin: they
// decode their arguments and call a service, which owns the transaction.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"frontdesk/internal/conversation"
	"frontdesk/internal/delivery"
	"frontdesk/internal/media"
	"frontdesk/internal/pipeline"
	"frontdesk/jobs"
)

// Services are what the workers call.
type Services struct {
	Conversations *conversation.Service
	Pipeline      *pipeline.Processor
	Delivery      *delivery.Service
	// Media fetches platform files; fetch_media is not registered without it.
	Media  *media.Service
	Logger *slog.Logger
}

// Register adds every worker to workers.
func Register(workers *river.Workers, s Services) error {
	if err := river.AddWorkerSafely(workers, NewHandoffSLA(s.Conversations, s.Logger)); err != nil {
		return fmt.Errorf("register handoff_sla: %w", err)
	}
	if err := river.AddWorkerSafely(workers, NewProcessMessage(s.Pipeline)); err != nil {
		return fmt.Errorf("register process_message: %w", err)
	}
	if err := river.AddWorkerSafely(workers, NewScenarioTimer(s.Pipeline)); err != nil {
		return fmt.Errorf("register scenario_timer: %w", err)
	}
	if err := river.AddWorkerSafely(workers, NewDeliverMessage(s.Delivery)); err != nil {
		return fmt.Errorf("register deliver_message: %w", err)
	}
	if err := river.AddWorkerSafely(workers, NewAnswerCallback(s.Delivery)); err != nil {
		return fmt.Errorf("register answer_callback: %w", err)
	}
	if s.Media != nil {
		if err := river.AddWorkerSafely(workers, NewFetchMedia(s.Media)); err != nil {
			return fmt.Errorf("register fetch_media: %w", err)
		}
	}
	return nil
}

// AnswerCallback acknowledges a Telegram button press.
type AnswerCallback struct {
	river.WorkerDefaults[jobs.AnswerCallbackArgs]
	svc *delivery.Service
}

// NewAnswerCallback returns the worker; Register adds it, and tests work
// jobs with it one at a time.
func NewAnswerCallback(svc *delivery.Service) *AnswerCallback { return &AnswerCallback{svc: svc} }

// Work answers the callback query.
func (w *AnswerCallback) Work(ctx context.Context, job *river.Job[jobs.AnswerCallbackArgs]) error {
	return w.svc.AnswerCallback(ctx, job.Args)
}

// ProcessMessage runs the pipeline for one inbound message. The pipeline is
// idempotent per message, so retries and duplicate runs are harmless.
type ProcessMessage struct {
	river.WorkerDefaults[jobs.ProcessMessageArgs]
	pipeline *pipeline.Processor
}

// NewProcessMessage returns the worker; Register adds it, and tests work
// jobs with it one at a time.
func NewProcessMessage(p *pipeline.Processor) *ProcessMessage { return &ProcessMessage{pipeline: p} }

// Work processes the message.
func (w *ProcessMessage) Work(ctx context.Context, job *river.Job[jobs.ProcessMessageArgs]) error {
	err := w.pipeline.Process(ctx, job.Args)
	if errors.Is(err, pipeline.ErrEarlierPending) {
		// Not a failure: try again once the earlier message is answered.
		return river.JobSnooze(20 * time.Millisecond)
	}
	return err
}

// ScenarioTimer fires a scenario's timer (a reminder, an abandon). The
// pipeline makes it idempotent: acting moves the run on, and a timer for a
// run that has moved on does nothing.
type ScenarioTimer struct {
	river.WorkerDefaults[jobs.ScenarioTimerArgs]
	pipeline *pipeline.Processor
}

// NewScenarioTimer returns the worker; Register adds it, and tests work
// jobs with it one at a time.
func NewScenarioTimer(p *pipeline.Processor) *ScenarioTimer {
	return &ScenarioTimer{pipeline: p}
}

// Work fires the timer, or snoozes it while it has to wait (early, or
// outside business hours).
func (w *ScenarioTimer) Work(ctx context.Context, job *river.Job[jobs.ScenarioTimerArgs]) error {
	err := w.pipeline.FireTimer(ctx, job.Args)
	if wait, ok := errors.AsType[*pipeline.TimerWaitError](err); ok {
		return river.JobSnooze(wait.Wait)
	}
	return err
}

// HandoffSLA escalates a handed-off conversation that no human answered in
// time. Running it twice is harmless: the second run finds it urgent already.
type HandoffSLA struct {
	river.WorkerDefaults[jobs.HandoffSLAArgs]
	svc *conversation.Service
	log *slog.Logger
}

// NewHandoffSLA returns the worker; Register adds it, and tests work jobs
// with it one at a time.
func NewHandoffSLA(svc *conversation.Service, log *slog.Logger) *HandoffSLA {
	return &HandoffSLA{svc: svc, log: log}
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

// DeliverMessage sends one outbound message to its platform. The delivery
// service makes it idempotent: a message that is no longer pending is left
// alone, and a claim keeps two runs from sending together.
type DeliverMessage struct {
	river.WorkerDefaults[jobs.DeliverMessageArgs]
	svc *delivery.Service
}

// NewDeliverMessage returns the worker; Register adds it, and tests work
// jobs with it one at a time.
func NewDeliverMessage(svc *delivery.Service) *DeliverMessage {
	return &DeliverMessage{svc: svc}
}

// Timeout leaves the send its own timeout and the outcome time to commit.
func (w *DeliverMessage) Timeout(*river.Job[jobs.DeliverMessageArgs]) time.Duration {
	return w.svc.SendTimeout() + 30*time.Second
}

// Work delivers the message. A platform's "retry after", another run's
// claim and an earlier message of the conversation still being delivered
// snooze the job, which does not use up an attempt; other errors are
// retried with River's backoff, and the last attempt fails the message.
func (w *DeliverMessage) Work(ctx context.Context, job *river.Job[jobs.DeliverMessageArgs]) error {
	err := w.svc.Deliver(ctx, job.Args, delivery.Attempt{Final: job.Attempt >= job.MaxAttempts})
	if wait, ok := errors.AsType[*delivery.WaitError](err); ok {
		return river.JobSnooze(wait.After)
	}
	return err
}
