package eventlog_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []eventlog.Position{{}, {TxID: 1, ID: 1}, {TxID: 1 << 40, ID: 1 << 50}} {
		got, err := eventlog.ParseCursor(p.String())
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
	for _, bad := range []string{"x", "ZXY6MQ", "ev:1:1", "!!!", "ZXY6LTE6MQ"} {
		_, err := eventlog.ParseCursor(bad)
		require.Error(t, err, bad)
	}
}

func TestAppendReturnsPosition(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	org := uuid.New()
	_, err := db.SQL.ExecContext(ctx, `INSERT INTO organizations (id, name, slug) VALUES ($1, 'A', $2)`, org, org.String())
	require.NoError(t, err)
	a := &eventlog.Event{OrganizationID: org, Type: eventlog.HandedOff}
	b := &eventlog.Event{OrganizationID: org, Type: eventlog.Escalated, Payload: eventlog.Payload(map[string]string{"x": "y"})}
	require.NoError(t, eventlog.Append(ctx, db.Bun, a, b))
	require.NotZero(t, a.ID)
	require.NotZero(t, a.TxID)
	require.Less(t, a.ID, b.ID)
	require.False(t, a.OccurredAt.IsZero())
	require.True(t, eventlog.Position{TxID: a.TxID, ID: a.ID}.Less(eventlog.Position{TxID: b.TxID, ID: b.ID}))
}

// Cursors come from clients: any string must parse or fail cleanly, and a
// parsed cursor must encode back to a cursor that parses to the same place.
func FuzzParseCursor(f *testing.F) {
	f.Add(eventlog.Position{TxID: 7, ID: 42}.String())
	f.Add("")
	f.Add("ZXY6LTE6MQ")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := eventlog.ParseCursor(s)
		if err != nil {
			return
		}
		again, err := eventlog.ParseCursor(p.String())
		if err != nil || again != p {
			t.Fatalf("cursor %q parsed to %+v, which does not round-trip (%v)", s, p, err)
		}
	})
}
