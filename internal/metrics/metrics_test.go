package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
)

// Metrics come from the event log: events are written here with fixed
// times so every figure is known exactly.
func TestReport(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Metrics")
	_, agentToken := s.Invite(org, "AGENT")
	var agentID string
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT id FROM users WHERE organization_id = $1 AND role = 'AGENT'`, org.ID).Scan(&agentID))
	a, b, c := s.StartWebChat(org), s.StartWebChat(org), s.StartWebChat(org)
	ctx := context.Background()
	base := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	ins := func(conv, typ string, at time.Duration, actor any) {
		t.Helper()
		_, err := s.App.DB.SQL.ExecContext(ctx, `INSERT INTO events (organization_id, conversation_id, type, actor_user_id, occurred_at) VALUES ($1, $2, $3, $4, $5)`,
			org.ID, conv, typ, actor, base.Add(at))
		require.NoError(t, err)
	}
	// a: bot answers after 2 s, a person after 60 s; a meeting is booked.
	ins(a.ConversationID, "MESSAGE_RECEIVED", 0, nil)
	ins(a.ConversationID, "MESSAGE_SENT", 2*time.Second, nil)
	ins(a.ConversationID, "MESSAGE_SENT", 60*time.Second, agentID)
	ins(a.ConversationID, "MEETING_BOOKED", 90*time.Second, nil)
	// b: handed off; a person answers after 10 s.
	ins(b.ConversationID, "MESSAGE_RECEIVED", time.Hour, nil)
	ins(b.ConversationID, "HANDED_OFF", time.Hour+time.Second, nil)
	ins(b.ConversationID, "MESSAGE_SENT", time.Hour+10*time.Second, agentID)
	// c: outside the window (the next day in UTC, still the 10th in Los Angeles).
	ins(c.ConversationID, "MESSAGE_RECEIVED", 20*time.Hour, nil)
	_, err := s.App.DB.SQL.ExecContext(ctx, `INSERT INTO scenario_runs (id, organization_id, conversation_id, scenario, state, outcome, started_at, finished_at)
		VALUES (gen_random_uuid(), $1, $2, 'LEAD_QUALIFICATION', 'booked', 'DONE', $3, $4), (gen_random_uuid(), $1, $5, 'LEAD_QUALIFICATION', 'asking', 'HANDED_OFF', $6, $7)`,
		org.ID, a.ConversationID, base, base.Add(90*time.Second), b.ConversationID, base.Add(time.Hour), base.Add(time.Hour+time.Second))
	require.NoError(t, err)

	const q = `query($f: Time!, $t: Time!, $s: ScenarioKind, $c: ChannelKind) { metrics(from: $f, to: $t, scenario: $s, channel: $c) {
		conversations inboundMessages outboundMessages firstResponseP50 firstResponseP90 humanFirstResponseP50 humanFirstResponseP90
		runsStarted runsFinished runsDone completionRate bookings conversionToBooking payments conversionToPayment handOffs handOffShare } }`
	type report struct {
		Metrics struct {
			Conversations, InboundMessages, OutboundMessages                                 int
			FirstResponseP50, FirstResponseP90, HumanFirstResponseP50, HumanFirstResponseP90 *float64
			RunsStarted, RunsFinished, RunsDone                                              int
			CompletionRate                                                                   *float64
			Bookings, Payments, HandOffs                                                     int
			ConversionToBooking, ConversionToPayment, HandOffShare                           *float64
		}
	}
	var r report
	day := map[string]any{"f": base.Format(time.RFC3339), "t": base.Add(12 * time.Hour).Format(time.RFC3339)}
	s.MustDo(agentToken, q, day, &r)
	m := r.Metrics
	require.Equal(t, 2, m.Conversations)
	require.Equal(t, 2, m.InboundMessages)
	require.Equal(t, 3, m.OutboundMessages)
	require.InDelta(t, 6, *m.FirstResponseP50, 1e-9)       // median of 2 s and 10 s
	require.InDelta(t, 9.2, *m.FirstResponseP90, 1e-9)     // interpolated
	require.InDelta(t, 35, *m.HumanFirstResponseP50, 1e-9) // median of 60 s and 10 s
	require.Equal(t, 2, m.RunsStarted)
	require.Equal(t, 2, m.RunsFinished)
	require.Equal(t, 1, m.RunsDone)
	require.InDelta(t, 0.5, *m.CompletionRate, 1e-9)
	require.Equal(t, 1, m.Bookings)
	require.InDelta(t, 0.5, *m.ConversionToBooking, 1e-9)
	require.Zero(t, m.Payments)
	require.InDelta(t, 0.0, *m.ConversionToPayment, 1e-9)
	require.Equal(t, 1, m.HandOffs)
	require.InDelta(t, 0.5, *m.HandOffShare, 1e-9)

	// The same calendar day in Los Angeles is a different UTC window: it
	// holds only c's message.
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	dayLA := time.Date(2026, 3, 10, 0, 0, 0, 0, la)
	s.MustDo(agentToken, q, map[string]any{"f": dayLA.Add(12 * time.Hour).Format(time.RFC3339), "t": dayLA.Add(24 * time.Hour).Format(time.RFC3339)}, &r)
	require.Equal(t, 1, r.Metrics.Conversations)
	require.Nil(t, r.Metrics.FirstResponseP50)
	require.Nil(t, r.Metrics.CompletionRate)

	// Filters.
	s.MustDo(agentToken, q, map[string]any{"f": day["f"], "t": day["t"], "s": "BOOKING"}, &r)
	require.Zero(t, r.Metrics.Conversations)
	require.Zero(t, r.Metrics.RunsStarted)
	s.MustDo(agentToken, q, map[string]any{"f": day["f"], "t": day["t"], "c": "WHATSAPP"}, &r)
	require.Zero(t, r.Metrics.Conversations)

	// Bad windows and roles.
	bad := s.Do(agentToken, q, map[string]any{"f": day["t"], "t": day["f"]})
	require.Equal(t, []string{"INVALID_INPUT"}, bad.Codes())
	v := s.StartWebChat(org)
	bad = s.Do(v.Token, q, day)
	require.Equal(t, []string{"FORBIDDEN"}, bad.Codes())
}
