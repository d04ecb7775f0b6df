// Package pipeline drives every inbound message to a defined result: it
// classifies the message, decides what to do under the organisation's
// settings, and commits the reply, the state changes, the records and the
// events in one transaction.
//
// Under uncertainty it follows a safe ladder: one clarifying question, then
// a neutral reply and a hand-off with a summary for the team. A conversation
// has one owner at a time; once a human owns it, the bot stays silent.
//
// When a turn leaves a scenario waiting for the customer, the scenario's
// timers (River jobs, enqueued in the turn's transaction) follow up: a
// reminder, then giving the run up. A timer acts like a turn without a
// message, under the same lock, and only if nothing has moved since it was
// set.
package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"frontdesk/internal/classify"
	"frontdesk/internal/clock"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/extract"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
	"frontdesk/jobs"
)

// Classifier labels a message (classify.Classifier).
type Classifier interface {
	// Classify considers every intent (the staff chat).
	Classify(text string) classify.Result
	// ClassifyCustomer leaves out the employees' intents.
	ClassifyCustomer(text string) classify.Result
}

// Jobs is the part of River the pipeline uses (river.Client[*sql.Tx]),
// always inside the caller's transaction: it enqueues jobs and, when a
// contact opts out, finds and cancels their scenario timers.
type Jobs interface {
	conversation.Enqueuer
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobListTx(ctx context.Context, tx *sql.Tx, params *river.JobListParams) (*river.JobListResult, error)
	JobCancelTx(ctx context.Context, tx *sql.Tx, jobID int64) (*rivertype.JobRow, error)
}

// Deliveries sends a committed turn's replies from this process at once,
// in order (eager.Runner): a reply's River job is then only the fallback,
// scheduled at ScheduleAt, should that delivery not finish.
type Deliveries interface {
	ScheduleAt() time.Time
	Deliver(ctx context.Context, queued []jobs.QueuedDelivery)
}

// Processor runs the pipeline.
type Processor struct {
	db         *bun.DB
	classifier Classifier
	jobs       Jobs
	notify     conversation.Notifier
	log        *slog.Logger
	// clock is the time the pipeline decides by (nowFor).
	clock clock.Clock
	llm   atomic.Pointer[LLM]
	// deliveries, when set, sends each turn's replies right after its
	// commit (SetDeliveries).
	deliveries Deliveries
	// beforeCommit, when set by tests, runs after all the work is done and
	// before the transaction commits: returning an error there is a crash
	// at the worst moment.
	beforeCommit func() error
}

// New returns a Processor that decides by clk: clock.System in
// production; a test that fixes the time passes its own.
func New(db *bun.DB, classifier Classifier, jobs Jobs, notify conversation.Notifier, clk clock.Clock, log *slog.Logger) *Processor {
	return &Processor{db: db, classifier: classifier, jobs: jobs, notify: notify, clock: clk, log: log}
}

// SetDeliveries makes every turn's replies go out from this process right
// after the turn commits, rather than when River picks their jobs up. Call
// it before processing starts.
func (p *Processor) SetDeliveries(d Deliveries) { p.deliveries = d }

// nowFor is the pipeline's current time for organisation org, which a
// turn or a timer reads as it starts and decides by throughout. All organisations
// share one clock today; a per-organisation clock is looked up here.
func (p *Processor) nowFor(org uuid.UUID) time.Time { return p.clock.Now() }

// Process handles one inbound message exactly once: everything it decides
// commits together with the message's processed mark, so a second run
// (concurrent, a retry, or after a crash before commit) finds the mark and
// does nothing.
func (p *Processor) Process(ctx context.Context, args jobs.ProcessMessageArgs) error {
	acted := false
	assist := p.prepare(ctx, p.db, args)
	var enq *turnJobs
	err := p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		enq = &turnJobs{Jobs: p.jobs, deliveries: p.deliveries}
		// Claiming the message is the first write: a second run of this
		// job waits here and then finds it processed. A conversation's
		// messages are claimed in the order they came in.
		msg, err := conversation.ClaimMessage(ctx, tx, args.OrganizationID, args.MessageID, p.nowFor(args.OrganizationID))
		if err != nil || msg == nil {
			return err
		}
		t, err := p.load(ctx, tx, msg)
		if err != nil {
			return err
		}
		t.assist = assist
		t.enq = enq
		if err := t.run(ctx); err != nil {
			return err
		}
		if err := t.armTimers(ctx); err != nil {
			return err
		}
		if err := t.commit(ctx); err != nil {
			return err
		}
		if p.beforeCommit != nil {
			if err := p.beforeCommit(); err != nil {
				return err
			}
		}
		acted = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("process message %s: %w", args.MessageID, err)
	}
	if acted {
		p.notify.Notify()
		if len(enq.queued) > 0 {
			p.deliveries.Deliver(ctx, enq.queued)
		}
	}
	return nil
}

// turnJobs enqueues a turn's jobs: InsertTx holds each job, and flush
// inserts them all in one statement before the turn commits (a turn
// enqueues a delivery per reply and its timers; a statement each was a
// good part of a turn's cost). With Deliveries set, a reply's delivery job
// is scheduled as the fallback and remembered, so the reply goes out as
// soon as the turn commits.
type turnJobs struct {
	Jobs
	deliveries Deliveries
	pending    []river.InsertManyParams
	queued     []jobs.QueuedDelivery
}

// InsertTx holds the job for flush; the result carries no job, which
// exists only once flush has run.
func (j *turnJobs) InsertTx(_ context.Context, _ *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if _, ok := args.(jobs.DeliverMessageArgs); ok && j.deliveries != nil {
		o := river.InsertOpts{}
		if opts != nil {
			o = *opts
		}
		o.ScheduledAt = j.deliveries.ScheduleAt()
		opts = &o
	}
	j.pending = append(j.pending, river.InsertManyParams{Args: args, InsertOpts: opts})
	return &rivertype.JobInsertResult{}, nil
}

// flush inserts the held jobs in tx.
func (j *turnJobs) flush(ctx context.Context, tx *sql.Tx) error {
	if len(j.pending) == 0 {
		return nil
	}
	res, err := j.Jobs.InsertManyTx(ctx, tx, j.pending)
	if err != nil {
		return fmt.Errorf("enqueue the turn's jobs: %w", err)
	}
	for i, r := range res {
		if d, ok := j.pending[i].Args.(jobs.DeliverMessageArgs); ok && j.deliveries != nil {
			j.queued = append(j.queued, jobs.QueuedDelivery{JobID: r.Job.ID, Args: d})
		}
	}
	j.pending = nil
	return nil
}

// ErrEarlierPending is returned while an earlier message of the same
// conversation is still being processed; retry shortly.
var ErrEarlierPending = conversation.ErrEarlierPending

// turn is the work of one inbound message inside its transaction.
type turn struct {
	p        *Processor
	tx       bun.Tx
	msg      *conversation.Message
	conv     *conversation.Conversation
	org      *organization.Organization
	settings organization.Settings
	res      classify.Result
	ents     extract.Entities
	// active is the conversation's unfinished scenario run, if any.
	active *Run
	lang   string
	now    time.Time
	events []*eventlog.Event
	// replies to send, in order; the disclosure line goes first on first contact.
	replies []reply
	// collected are the scenario's fields, for the hand-off summary.
	collected []string
	// assist is the language model's part, if one is configured.
	assist assist
	// leadSet caches the lead settings (leadSettings).
	leadSet *lead.Settings
	// enq enqueues the turn's jobs (turnJobs).
	enq *turnJobs
}

type reply struct {
	text    string
	buttons []conversation.Button
}

func (p *Processor) load(ctx context.Context, tx bun.Tx, msg *conversation.Message) (*turn, error) {
	conv, err := conversation.LockConversation(ctx, tx, msg.OrganizationID, msg.ConversationID)
	if err != nil {
		return nil, err
	}
	org, err := loadOrganization(ctx, tx, msg.OrganizationID)
	if err != nil {
		return nil, err
	}
	active, err := activeRun(ctx, tx, conv.ID)
	if err != nil {
		return nil, err
	}
	return &turn{p: p, tx: tx, msg: msg, conv: conv, org: org, settings: org.Settings.Effective(), active: active, now: p.nowFor(msg.OrganizationID)}, nil
}

func loadOrganization(ctx context.Context, tx bun.Tx, id uuid.UUID) (*organization.Organization, error) {
	org := new(organization.Organization)
	if err := tx.NewSelect().Model(org).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load organization: %w", err)
	}
	return org, nil
}
