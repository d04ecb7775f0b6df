package realtime_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/realtime"
)

// A long transaction in ANOTHER database on the same server must not hold
// this database's subscribers back: transaction ids are cluster-wide, but
// the horizon only counts this database's transactions.
func TestOtherDatabaseTransactionDoesNotHoldBack(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{PollInterval: time.Minute})
	other := dbtest.New(t)
	ctx := t.Context()

	// An open transaction elsewhere that already holds a transaction id
	// older than anything written below.
	tx, err := other.SQL.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck
	_, err = tx.ExecContext(ctx, `SELECT pg_current_xact_id()`)
	require.NoError(t, err)

	ch, err := b.hub.Subscribe(ctx, realtime.Filter{OrgID: b.org.ID}, nil)
	require.NoError(t, err)
	e := event(b.org.ID, &b.org.Conv, eventlog.MessageReceived)
	write(t, b.db, b.hub, e)

	start := time.Now()
	select {
	case got := <-ch:
		require.Equal(t, e.ID, got.ID)
	case <-time.After(5 * time.Second):
		t.Fatal("an open transaction in another database held the event back")
	}
	t.Logf("delivered in %s with a foreign transaction open", time.Since(start))

	// The same open transaction in THIS database does hold events back.
	local, err := b.db.SQL.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer local.Rollback() //nolint:errcheck
	_, err = local.ExecContext(ctx, `SELECT pg_current_xact_id()`)
	require.NoError(t, err)
	held := event(b.org.ID, &b.org.Conv, eventlog.MessageReceived)
	write(t, b.db, b.hub, held)
	expectNothing(t, ch, 300*time.Millisecond)
	require.NoError(t, local.Rollback())
	got := receive(t, ch, 1)
	require.Equal(t, held.ID, got[0].ID)
}
