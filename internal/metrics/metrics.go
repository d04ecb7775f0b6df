// Package metrics reports how well Frontdesk serves customers — response
// times, scenario completion, conversion and hand-offs — computed from the
// event log, so every figure can be traced back to the events behind it.
//
// Windows are absolute instants [from, to): a client in any time zone asks
// for the span it means, and events are stored in UTC instants.
package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/organization"
)

// MaxWindow bounds one report.
const MaxWindow = 366 * 24 * time.Hour

// Metrics is one report.
type Metrics struct {
	From, To time.Time
	// Conversations are customer conversations with an inbound message in
	// the window.
	Conversations    int
	InboundMessages  int
	OutboundMessages int
	// First response: from a conversation's first inbound message in the
	// window to the first reply, by the bot or a person; and to the first
	// reply by a person. Nil when there is nothing to measure.
	FirstResponseP50      *float64
	FirstResponseP90      *float64
	HumanFirstResponseP50 *float64
	HumanFirstResponseP90 *float64
	// Scenario runs started and finished in the window, and those DONE.
	RunsStarted  int
	RunsFinished int
	RunsDone     int
	// CompletionRate is RunsDone / RunsFinished.
	CompletionRate *float64
	// Bookings and payments in the window, and the share of conversations
	// that reached one.
	Bookings            int
	ConversionToBooking *float64
	Payments            int
	ConversionToPayment *float64
	// HandOffs counts conversations handed to a person; HandOffShare is
	// their share of Conversations.
	HandOffs     int
	HandOffShare *float64
}

// Filter narrows a report.
type Filter struct {
	Channel  *channel.Kind
	Scenario *organization.ScenarioKind
}

// Service computes reports.
type Service struct{ db bun.IDB }

// NewService returns a Service.
func NewService(db bun.IDB) *Service { return &Service{db: db} }

// Report computes the caller's organisation's metrics; team only.
func (s *Service) Report(ctx context.Context, from, to time.Time, f Filter) (*Metrics, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, apperror.Invalid("to", "to must be after from")
	}
	if to.Sub(from) > MaxWindow {
		return nil, apperror.Invalid("to", "a report spans at most 366 days")
	}
	m := &Metrics{From: from, To: to}

	// The conversations in scope: customer conversations with an inbound
	// message in the window, on the channel and in the scenario asked for.
	var scope strings.Builder
	args := []any{p.OrgID, from, to}
	scope.WriteString(`SELECT DISTINCT e.conversation_id AS id FROM events e
		JOIN conversations c ON c.id = e.conversation_id AND c.staff_user_id IS NULL
		JOIN channel_accounts ca ON ca.id = c.channel_account_id
		WHERE e.organization_id = ? AND e.type = 'MESSAGE_RECEIVED' AND e.occurred_at >= ? AND e.occurred_at < ?`)
	if f.Channel != nil {
		scope.WriteString(` AND ca.kind = ?`)
		args = append(args, *f.Channel)
	}
	if f.Scenario != nil {
		scope.WriteString(` AND EXISTS (SELECT 1 FROM scenario_runs r WHERE r.conversation_id = e.conversation_id AND r.scenario = ?)`)
		args = append(args, *f.Scenario)
	}
	window := []any{from, to}

	q := `WITH scope AS (` + scope.String() + `),
	firsts AS (
		SELECT e.conversation_id, min(e.occurred_at) AS first_in FROM events e JOIN scope ON scope.id = e.conversation_id
		WHERE e.type = 'MESSAGE_RECEIVED' AND e.occurred_at >= ? AND e.occurred_at < ? GROUP BY e.conversation_id),
	responses AS (
		SELECT f.conversation_id,
			(SELECT min(o.occurred_at) FROM events o WHERE o.conversation_id = f.conversation_id AND o.type = 'MESSAGE_SENT' AND o.occurred_at >= f.first_in) - f.first_in AS any_reply,
			(SELECT min(o.occurred_at) FROM events o WHERE o.conversation_id = f.conversation_id AND o.type = 'MESSAGE_SENT' AND o.actor_user_id IS NOT NULL AND o.occurred_at >= f.first_in) - f.first_in AS human_reply
		FROM firsts f)
	SELECT
		(SELECT count(*) FROM scope),
		(SELECT count(*) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'MESSAGE_RECEIVED' AND e.occurred_at >= ? AND e.occurred_at < ?),
		(SELECT count(*) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'MESSAGE_SENT' AND e.occurred_at >= ? AND e.occurred_at < ?),
		(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM any_reply)) FROM responses WHERE any_reply IS NOT NULL),
		(SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM any_reply)) FROM responses WHERE any_reply IS NOT NULL),
		(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM human_reply)) FROM responses WHERE human_reply IS NOT NULL),
		(SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM human_reply)) FROM responses WHERE human_reply IS NOT NULL),
		(SELECT count(DISTINCT e.conversation_id) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'HANDED_OFF' AND e.occurred_at >= ? AND e.occurred_at < ?),
		(SELECT count(*) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'MEETING_BOOKED' AND e.occurred_at >= ? AND e.occurred_at < ?),
		(SELECT count(DISTINCT e.conversation_id) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'MEETING_BOOKED' AND e.occurred_at >= ? AND e.occurred_at < ?),
		(SELECT count(*) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'PAYMENT_RECEIVED' AND e.occurred_at >= ? AND e.occurred_at < ?),
		(SELECT count(DISTINCT e.conversation_id) FROM events e JOIN scope ON scope.id = e.conversation_id WHERE e.type = 'PAYMENT_RECEIVED' AND e.occurred_at >= ? AND e.occurred_at < ?)`
	all := append(append([]any{}, args...), window...)
	for range 7 {
		all = append(all, window...)
	}
	var (
		p50, p90, h50, h90     sql.NullFloat64
		bookedConvs, paidConvs int
	)
	err = s.db.QueryRowContext(ctx, s.db.NewRaw(q, all...).String()).Scan(
		&m.Conversations, &m.InboundMessages, &m.OutboundMessages, &p50, &p90, &h50, &h90,
		&m.HandOffs, &m.Bookings, &bookedConvs, &m.Payments, &paidConvs)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m.FirstResponseP50, m.FirstResponseP90 = ptr(p50), ptr(p90)
	m.HumanFirstResponseP50, m.HumanFirstResponseP90 = ptr(h50), ptr(h90)
	m.HandOffShare = ratio(m.HandOffs, m.Conversations)
	m.ConversionToBooking = ratio(bookedConvs, m.Conversations)
	m.ConversionToPayment = ratio(paidConvs, m.Conversations)

	// Runs: started and finished in the window, on the channel and scenario.
	runArgs := []any{p.OrgID}
	runWhere := `r.organization_id = ?`
	if f.Scenario != nil {
		runWhere += ` AND r.scenario = ?`
		runArgs = append(runArgs, *f.Scenario)
	}
	if f.Channel != nil {
		runWhere += ` AND ca.kind = ?`
		runArgs = append(runArgs, *f.Channel)
	}
	runQ := `SELECT
		count(*) FILTER (WHERE r.started_at >= ? AND r.started_at < ?),
		count(*) FILTER (WHERE r.finished_at >= ? AND r.finished_at < ?),
		count(*) FILTER (WHERE r.finished_at >= ? AND r.finished_at < ? AND r.outcome = 'DONE')
		FROM scenario_runs r JOIN conversations c ON c.id = r.conversation_id JOIN channel_accounts ca ON ca.id = c.channel_account_id
		WHERE ` + runWhere
	ra := append(append(append(append([]any{}, window...), window...), window...), runArgs...)
	if err := s.db.NewRaw(runQ, ra...).Scan(ctx, &m.RunsStarted, &m.RunsFinished, &m.RunsDone); err != nil {
		return nil, fmt.Errorf("metrics: runs: %w", err)
	}
	m.CompletionRate = ratio(m.RunsDone, m.RunsFinished)
	return m, nil
}

func ptr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return &v.Float64
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}
