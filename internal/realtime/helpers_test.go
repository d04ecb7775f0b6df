package realtime_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"frontdesk/internal/database"
	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/realtime"
)

// waitTimeout is generous: the race detector and parallel tests on two
// cores make delivery slow at times, never absent.
const waitTimeout = 20 * time.Second

// testBundle is one test's world: a database, a started hub and one
// organisation with a customer and a staff conversation.
type testBundle struct {
	db  *database.DB
	hub *realtime.Hub
	org testOrg
}

// testOrg is an organisation with two customer conversations and one
// staff conversation.
type testOrg struct {
	ID, Conv, Conv2, StaffConv uuid.UUID
}

func setup(t *testing.T, cfg realtime.Config) *testBundle {
	t.Helper()
	db := dbtest.New(t)
	org := newOrg(t, db)
	b := &testBundle{db: db, hub: startHub(t, db, cfg), org: org}
	t.Cleanup(func() {
		if t.Failed() {
			b.dumpState(t)
		}
	})
	return b
}

// dumpState logs what a stalled subscription depends on: the hub's tail,
// the horizon and snapshot, the log's size and the cluster's open
// transactions. Registered before the hub's Stop, so it runs while the
// hub is still up.
func (b *testBundle) dumpState(t *testing.T) {
	ctx := context.WithoutCancel(t.Context())
	t.Logf("hub tail: %+v", b.hub.TailForTest())
	var horizon, snapshot string
	var events int
	var last string
	err := b.db.Bun.QueryRowContext(ctx, `SELECT event_horizon()::text, pg_current_snapshot()::text,
		(SELECT count(*) FROM events), coalesce((SELECT max(txid)::text || '/' || max(id)::text FROM events), '')`).
		Scan(&horizon, &snapshot, &events, &last)
	if err != nil {
		t.Logf("read horizon: %v", err)
		return
	}
	t.Logf("horizon %s, snapshot %s, %d events, max txid/id %s", horizon, snapshot, events, last)
	rows, err := b.db.Bun.QueryContext(ctx, `SELECT pid, coalesce(datname, ''), coalesce(backend_xid::text, ''),
		coalesce(state, ''), coalesce(now() - xact_start, '0')::text, left(coalesce(query, ''), 120)
		FROM pg_stat_activity WHERE backend_xid IS NOT NULL OR state LIKE 'idle in%'`)
	if err != nil {
		t.Logf("read activity: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		var db, xid, state, age, query string
		if err := rows.Scan(&pid, &db, &xid, &state, &age, &query); err != nil {
			t.Logf("read activity: %v", err)
			return
		}
		t.Logf("backend %d db=%s xid=%s %s for %s: %s", pid, db, xid, state, age, query)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func startHub(t *testing.T, db *database.DB, cfg realtime.Config) *realtime.Hub {
	t.Helper()
	hub := realtime.New(db, cfg, testLogger(t))
	require.NoError(t, hub.Start(t.Context()))
	t.Cleanup(hub.Stop)
	return hub
}

func newOrg(t testing.TB, db *database.DB) testOrg {
	t.Helper()
	ctx := t.Context()
	o := testOrg{ID: uuid.New(), Conv: uuid.New(), Conv2: uuid.New(), StaffConv: uuid.New()}
	channel, contact, user := uuid.New(), uuid.New(), uuid.New()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO organizations (id, name, slug) VALUES (?, 'Org', ?)`, []any{o.ID, o.ID.String()}},
		{`INSERT INTO channel_accounts (id, organization_id, kind, name) VALUES (?, ?, 'WEBCHAT', 'Web')`, []any{channel, o.ID}},
		{`INSERT INTO contacts (id, organization_id) VALUES (?, ?)`, []any{contact, o.ID}},
		{`INSERT INTO users (id, organization_id, email, name, role) VALUES (?, ?, ?, 'Staff', 'EMPLOYEE')`, []any{user, o.ID, user.String() + "@example.com"}},
		{`INSERT INTO conversations (id, organization_id, channel_account_id, contact_id) VALUES (?, ?, ?, ?), (?, ?, ?, ?)`,
			[]any{o.Conv, o.ID, channel, contact, o.Conv2, o.ID, channel, contact}},
		{`INSERT INTO conversations (id, organization_id, channel_account_id, staff_user_id) VALUES (?, ?, ?, ?)`,
			[]any{o.StaffConv, o.ID, channel, user}},
	} {
		_, err := db.Bun.ExecContext(ctx, q.sql, q.args...)
		require.NoError(t, err, q.sql)
	}
	return o
}

// event builds an event of org in conversation conv (nil for none).
func event(org uuid.UUID, conv *uuid.UUID, typ eventlog.Type) *eventlog.Event {
	return &eventlog.Event{OrganizationID: org, ConversationID: conv, Type: typ}
}

// write appends events in one committed transaction, then notifies hub
// (when not nil), as a service would.
func write(t *testing.T, db *database.DB, hub *realtime.Hub, events ...*eventlog.Event) {
	t.Helper()
	err := db.Bun.RunInTx(t.Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		return eventlog.Append(ctx, tx, events...)
	})
	require.NoError(t, err)
	if hub != nil {
		hub.Notify()
	}
}

func pos(e *eventlog.Event) eventlog.Position {
	return eventlog.Position{TxID: e.TxID, ID: e.ID}
}

// receive reads n events from ch, failing after waitTimeout.
func receive(t *testing.T, ch <-chan *eventlog.Event, n int) []*eventlog.Event {
	t.Helper()
	got, ok := collect(t, ch, n)
	if !ok {
		require.FailNow(t, "timed out", "received %d of %d events", len(got), n)
	}
	return got
}

// collect reads up to n events from ch within waitTimeout, failing if ch
// closes first; ok is false when time ran out.
func collect(t *testing.T, ch <-chan *eventlog.Event, n int) (got []*eventlog.Event, ok bool) {
	t.Helper()
	got = make([]*eventlog.Event, 0, n)
	timeout := time.After(waitTimeout)
	for len(got) < n {
		select {
		case e, open := <-ch:
			require.True(t, open, "channel closed after %d of %d events", len(got), n)
			got = append(got, e)
		case <-timeout:
			return got, false
		}
	}
	return got, true
}

// expectNothing fails if ch yields an event within d.
func expectNothing(t *testing.T, ch <-chan *eventlog.Event, d time.Duration) {
	t.Helper()
	select {
	case e := <-ch:
		require.FailNow(t, "unexpected event", "got %s %d", e.Type, e.ID)
	case <-time.After(d):
	}
}

// expectClosed waits for ch to close.
func expectClosed(t *testing.T, ch <-chan *eventlog.Event) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			require.FailNow(t, "channel not closed")
		}
	}
}

// requireOrdered checks events are in strictly increasing log order, which
// also rules out duplicates.
func requireOrdered(t *testing.T, events []*eventlog.Event) {
	t.Helper()
	for i := 1; i < len(events); i++ {
		require.True(t, pos(events[i-1]).Less(pos(events[i])),
			"event %d (%v) not after event %d (%v)", i, pos(events[i]), i-1, pos(events[i-1]))
	}
}

func ids(events []*eventlog.Event) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}
