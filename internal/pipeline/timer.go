package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"frontdesk/internal/classify"
	"frontdesk/internal/conversation"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
	"frontdesk/internal/replies"
	"frontdesk/jobs"
)

// Timer purposes (jobs.ScenarioTimerArgs.Purpose). The strings are stored
// in queued jobs: never rename one.
const (
	// TimerFollowUp reminds a silent customer once.
	TimerFollowUp = "follow_up"
	// TimerAbandon gives a run up when the customer never answered.
	TimerAbandon = "abandon"
)

// contract is what a scenario declares about itself: the intents that
// start it, the states in which it waits for the customer, and the timers
// that run while the customer stays silent.
type contract struct {
	scenario organization.ScenarioKind
	triggers []classify.Intent
	// waiting are the states in which the bot has asked something and
	// waits for an answer; a turn that ends in one sets the first timer.
	waiting []string
	// timers fire in order while the customer stays silent; each one that
	// fires sets the next.
	timers []timer
}

// timer is one of a contract's timers.
type timer struct {
	purpose string
	// after is the timer's delay, counted from the bot's last unanswered
	// question; 0 switches it off. The lead settings hold it: the lead
	// scenario is the only one with timers so far.
	after func(lead.Settings) time.Duration
	// speaks marks a timer that writes to the customer, which waits for
	// the organisation's business hours.
	speaks bool
	// fire acts inside the timer's turn; the run is still open, owned by
	// the bot, and exactly as it was when the timer was set.
	fire func(t *turn, ctx context.Context, settings lead.Settings) error
}

// contractOf returns the contract of a scenario, if it declares one.
func contractOf(kind organization.ScenarioKind) (*contract, bool) {
	if kind == leadContract.scenario {
		return &leadContract, true
	}
	return nil, false
}

// TimerWaitError means a timer cannot act yet: it came due early by the
// pipeline's clock, or it would write to the customer outside business
// hours. Run it again after Wait.
type TimerWaitError struct {
	Wait   time.Duration
	Reason string
}

func (e *TimerWaitError) Error() string {
	return fmt.Sprintf("timer waits %s: %s", e.Wait, e.Reason)
}

// earlyTolerance is how early a timer may run and still count as due: a
// little skew between this process's clock and the database's is not
// worth another round through the queue.
const earlyTolerance = time.Second

// armTimers sets the first timer of the turn's run when the turn leaves
// the bot waiting for the customer. The run's earlier timers are not
// cancelled: they carry an older version and do nothing when they fire,
// which is cheaper than finding and cancelling them on every turn. Nor is
// the contact's opt-out read here (a query on every turn): the timer reads
// it when it fires.
func (t *turn) armTimers(ctx context.Context) error {
	r := t.active
	if r == nil || r.Outcome != nil || t.conv.Owner != conversation.OwnerBot {
		return nil
	}
	c, ok := contractOf(r.Scenario)
	if !ok || !slices.Contains(c.waiting, r.State) {
		return nil
	}
	settings, err := t.leadSettings(ctx)
	if err != nil {
		return err
	}
	return t.armAfter(ctx, c, -1, settings)
}

// armAfter sets the first timer of c after the one at index i (-1: the
// first of all) that is switched on, delayed by its offset from timer i.
func (t *turn) armAfter(ctx context.Context, c *contract, i int, settings lead.Settings) error {
	var since time.Duration
	if i >= 0 {
		since = c.timers[i].after(settings)
	}
	for _, next := range c.timers[i+1:] {
		if after := next.after(settings); after > since {
			return t.setTimer(ctx, next.purpose, after-since)
		}
	}
	return nil
}

// setTimer enqueues a timer for the turn's run at its current version, in
// the turn's transaction.
func (t *turn) setTimer(ctx context.Context, purpose string, delay time.Duration) error {
	due := t.now.Add(delay)
	args := jobs.ScenarioTimerArgs{OrganizationID: t.conv.OrganizationID, RunID: t.active.ID, Purpose: purpose, Version: t.active.Version, Due: due}
	if _, err := t.enq.InsertTx(ctx, t.tx.Tx, args, &river.InsertOpts{ScheduledAt: due}); err != nil {
		return fmt.Errorf("set %s timer: %w", purpose, err)
	}
	return nil
}

// FireTimer runs a scenario timer in one transaction under the
// conversation's lock, like a turn, and sets the scenario's next timer.
// A timer whose run has moved on or ended, whose conversation a person
// owns or has an unanswered message, or whose contact opted out, does
// nothing. A timer that came due early, or that would write to the
// customer outside business hours, returns a *TimerWaitError.
func (p *Processor) FireTimer(ctx context.Context, args jobs.ScenarioTimerArgs) error {
	acted := false
	err := p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, moot, err := p.loadTimer(ctx, tx, args)
		if err != nil {
			return err
		}
		if moot != "" {
			p.log.DebugContext(ctx, "scenario timer has nothing to do", slog.String("reason", moot),
				slog.String("run_id", args.RunID.String()), slog.String("purpose", args.Purpose), slog.Int("version", args.Version))
			return nil
		}
		c, _ := contractOf(t.active.Scenario)
		i := slices.IndexFunc(c.timers, func(tm timer) bool { return tm.purpose == args.Purpose })
		if i < 0 {
			// A newer release may know the purpose: fail, so a retry can
			// reach a replica that does.
			return fmt.Errorf("unknown timer %q of scenario %s", args.Purpose, t.active.Scenario)
		}
		if wait := args.Due.Sub(t.now); wait > earlyTolerance {
			return &TimerWaitError{Wait: wait, Reason: "not due yet"}
		}
		tm := c.timers[i]
		if tm.speaks && !t.settings.OpenAt(t.now, t.location()) {
			if opens, ok := t.nextOpeningAt(); ok {
				return &TimerWaitError{Wait: opens.Sub(t.now), Reason: "outside business hours"}
			}
		}
		settings, err := t.leadSettings(ctx)
		if err != nil {
			return err
		}
		if err := tm.fire(t, ctx, settings); err != nil {
			return err
		}
		if t.active.Outcome == nil && t.conv.Owner == conversation.OwnerBot {
			if err := t.armAfter(ctx, c, i, settings); err != nil {
				return err
			}
		}
		if err := t.commit(ctx); err != nil {
			return err
		}
		acted = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("fire %s timer of run %s: %w", args.Purpose, args.RunID, err)
	}
	if acted {
		p.notify.Notify()
	}
	return nil
}

// loadTimer locks the timer's conversation and run, in the order a turn
// does, and returns the turn a timer acts in, or why the timer is moot.
func (p *Processor) loadTimer(ctx context.Context, tx bun.Tx, args jobs.ScenarioTimerArgs) (*turn, string, error) {
	var convID uuid.UUID
	err := tx.NewSelect().Model((*Run)(nil)).Column("conversation_id").
		Where("id = ? AND organization_id = ?", args.RunID, args.OrganizationID).Scan(ctx, &convID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "the run is gone", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("find scenario run: %w", err)
	}
	conv, err := conversation.LockConversation(ctx, tx, args.OrganizationID, convID)
	if err != nil {
		return nil, "", err
	}
	run, err := activeRun(ctx, tx, convID)
	switch {
	case err != nil:
		return nil, "", err
	case run == nil || run.ID != args.RunID:
		return nil, "the run has finished", nil
	case run.Version != args.Version:
		return nil, "the run has moved on", nil
	case conv.Owner != conversation.OwnerBot:
		return nil, "a person owns the conversation", nil
	}
	// A message still in the pipeline will move the run on and set new
	// timers; reminding the customer of a question they just answered
	// would be wrong.
	pending, err := tx.NewSelect().Model((*conversation.Message)(nil)).
		Where("conversation_id = ? AND direction = ? AND processed_at IS NULL", conv.ID, conversation.In).Exists(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("look for unanswered messages: %w", err)
	}
	if pending {
		return nil, "the customer has written", nil
	}
	if conv.ContactID != nil {
		optedOut, err := tx.NewSelect().Model((*conversation.Contact)(nil)).
			Where("id = ? AND opted_out_at IS NOT NULL", *conv.ContactID).Exists(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("read opt-out: %w", err)
		}
		if optedOut {
			return nil, "the contact opted out", nil
		}
	}
	org, err := loadOrganization(ctx, tx, args.OrganizationID)
	if err != nil {
		return nil, "", err
	}
	t := &turn{p: p, tx: tx, conv: conv, org: org, settings: org.Settings.Effective(), active: run, now: p.nowFor(args.OrganizationID), enq: &turnJobs{Jobs: p.jobs}}
	t.lang = conv.Language
	if !replies.Supported(t.lang) {
		t.lang = org.TeamLanguage
	}
	return t, "", nil
}

// cancelContactTimers cancels, in the turn's transaction, the timers
// still queued for the open runs of the contact's conversations. Firing
// they would do nothing (each checks the opt-out), but River cancels a job
// by id cheaply and the GIN index on job args finds a run's timers, so the
// queue need not carry dead timers for days.
func (t *turn) cancelContactTimers(ctx context.Context, contactID uuid.UUID) error {
	// Timers this turn set are still held (turnJobs): insert them first,
	// so the search below finds them too.
	if err := t.enq.flush(ctx, t.tx.Tx); err != nil {
		return err
	}
	var runIDs []uuid.UUID
	err := t.tx.NewSelect().Model((*Run)(nil)).Column("run.id").
		Join("JOIN conversations AS c ON c.id = run.conversation_id").
		Where("c.organization_id = ? AND c.contact_id = ? AND run.outcome IS NULL", t.conv.OrganizationID, contactID).
		Scan(ctx, &runIDs)
	if err != nil {
		return fmt.Errorf("find the contact's runs: %w", err)
	}
	for _, id := range runIDs {
		filter, err := json.Marshal(map[string]string{"run_id": id.String()})
		if err != nil {
			return fmt.Errorf("cancel timers: %w", err)
		}
		params := river.NewJobListParams().Kinds(jobs.ScenarioTimerArgs{}.Kind()).
			States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable).
			Where("args @> @run_args::jsonb", river.NamedArgs{"run_args": string(filter)}).First(100)
		res, err := t.p.jobs.JobListTx(ctx, t.tx.Tx, params)
		if err != nil {
			return fmt.Errorf("find timers of run %s: %w", id, err)
		}
		for _, j := range res.Jobs {
			if _, err := t.p.jobs.JobCancelTx(ctx, t.tx.Tx, j.ID); err != nil {
				return fmt.Errorf("cancel timer %d: %w", j.ID, err)
			}
		}
	}
	return nil
}
