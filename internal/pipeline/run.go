package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/database"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/organization"
)

// Outcome is how a scenario run ended.
type Outcome string

// Outcomes.
const (
	OutcomeDone      Outcome = "DONE"
	OutcomeHandedOff Outcome = "HANDED_OFF"
	OutcomeAbandoned Outcome = "ABANDONED"
	OutcomeClosed    Outcome = "CLOSED"
)

// Run is a persisted scenario run: the contract a conversation is working
// through, its state, the fields collected so far and, once finished, its
// outcome.
type Run struct {
	bun.BaseModel `bun:"table:scenario_runs"`

	ID             uuid.UUID                 `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID                 `bun:"organization_id,type:uuid"`
	ConversationID uuid.UUID                 `bun:"conversation_id,type:uuid"`
	Scenario       organization.ScenarioKind `bun:"scenario"`
	State          string                    `bun:"state"`
	// Fields belong to the scenario (its own JSON document).
	Fields  json.RawMessage `bun:"fields,type:jsonb"`
	Outcome *Outcome        `bun:"outcome"`
	// Version grows with every change to the run. A timer carries the
	// version it was set at and does nothing once the run has moved on.
	Version    int        `bun:"version"`
	StartedAt  time.Time  `bun:"started_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt  time.Time  `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
	FinishedAt *time.Time `bun:"finished_at"`
}

// activeRun returns the conversation's unfinished run, or nil.
func activeRun(ctx context.Context, tx bun.Tx, conversationID uuid.UUID) (*Run, error) {
	r := new(Run)
	err := database.ScanOne(ctx, tx, r, `SELECT * FROM scenario_runs WHERE conversation_id = $1 AND outcome IS NULL FOR UPDATE`, conversationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load scenario run: %w", err)
	}
	return r, nil
}

// startRun begins a run of kind in state.
func (t *turn) startRun(ctx context.Context, kind organization.ScenarioKind, state string) (*Run, error) {
	r := &Run{ID: uuid.Must(uuid.NewV7()), OrganizationID: t.conv.OrganizationID, ConversationID: t.conv.ID, Scenario: kind, State: state, Fields: json.RawMessage(`{}`), StartedAt: t.now, UpdatedAt: t.now}
	if _, err := t.tx.NewInsert().Model(r).Returning("started_at, updated_at").Exec(ctx); err != nil {
		return nil, fmt.Errorf("start scenario run: %w", err)
	}
	t.event(eventlog.ScenarioStarted, map[string]any{"runId": r.ID, "scenario": kind, "state": state})
	return r, nil
}

// saveRun writes the run's state and fields. The caller holds the run's
// row lock (activeRun), so the version can be bumped in memory.
func (t *turn) saveRun(ctx context.Context, r *Run) error {
	r.UpdatedAt = t.now
	r.Version++
	if _, err := t.tx.NewUpdate().Model(r).Column("state", "fields", "version", "updated_at").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("save scenario run: %w", err)
	}
	t.event(eventlog.ScenarioUpdated, map[string]any{"runId": r.ID, "scenario": r.Scenario, "state": r.State})
	return nil
}

// finishRun ends the run with outcome.
func (t *turn) finishRun(ctx context.Context, r *Run, outcome Outcome) error {
	r.Outcome, r.FinishedAt, r.UpdatedAt = &outcome, &t.now, t.now
	r.Version++
	if _, err := t.tx.NewUpdate().Model(r).Column("state", "fields", "outcome", "version", "finished_at", "updated_at").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("finish scenario run: %w", err)
	}
	t.event(eventlog.ScenarioFinished, map[string]any{"runId": r.ID, "scenario": r.Scenario, "outcome": outcome})
	return nil
}

// event queues an event of the turn's conversation, tied to the inbound
// message when there is one (a timer's turn has none).
func (t *turn) event(typ eventlog.Type, payload any) {
	e := &eventlog.Event{
		OrganizationID: t.conv.OrganizationID, ConversationID: &t.conv.ID,
		Type: typ, Private: true, Payload: eventlog.Payload(payload),
	}
	if t.msg != nil {
		e.MessageID = &t.msg.ID
	}
	t.events = append(t.events, e)
}
