package realtime_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/realtime"
)

func TestReadAfterHoldsBackBehindOpenTransaction(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	org := newOrg(t, db)
	ctx := t.Context()
	f := realtime.Filter{OrgID: org.ID}

	write(t, db, nil, event(org.ID, nil, eventlog.Escalated))
	txA, err := db.Bun.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer txA.Rollback() //nolint:errcheck
	a := event(org.ID, &org.Conv, eventlog.MessageReceived)
	require.NoError(t, eventlog.Append(ctx, txA, a))
	b := event(org.ID, &org.Conv, eventlog.MessageSent)
	write(t, db, nil, b)
	require.Less(t, a.TxID, b.TxID)

	// The horizon is cluster-wide, so open transactions of tests running
	// alongside may hold events back for a moment: poll.
	readAll := func(after eventlog.Position) []*eventlog.Event {
		got, err := realtime.ReadAfter(ctx, db.Bun, f, after, 100)
		require.NoError(t, err)
		return got
	}
	var got []*eventlog.Event
	require.Eventually(t, func() bool { got = readAll(eventlog.Position{}); return len(got) > 0 },
		waitTimeout, 5*time.Millisecond)
	// b must stay held back however long the transaction stays open: give
	// a horizon that wrongly let it through time to show it. (Not a
	// readiness wait: nothing here becomes true by waiting.)
	time.Sleep(50 * time.Millisecond)
	got = readAll(eventlog.Position{})
	require.Len(t, got, 1, "b is held back behind the open transaction")
	first := pos(got[0])

	require.NoError(t, txA.Commit())
	require.Eventually(t, func() bool { got = readAll(first); return len(got) == 2 },
		waitTimeout, 5*time.Millisecond)
	require.Equal(t, []int64{a.ID, b.ID}, ids(got))
	require.Equal(t, pos(a), pos(got[0]))
	require.Equal(t, eventlog.MessageReceived, got[0].Type)
	require.Equal(t, org.Conv, *got[0].ConversationID)
	require.JSONEq(t, `{}`, string(got[0].Payload))
	require.False(t, got[0].OccurredAt.IsZero())

	// Paging.
	got, err = realtime.ReadAfter(ctx, db.Bun, f, eventlog.Position{}, 2)
	require.NoError(t, err)
	require.Len(t, got, 2)
	got2, err := realtime.ReadAfter(ctx, db.Bun, f, pos(got[1]), 2)
	require.NoError(t, err)
	require.Equal(t, []int64{b.ID}, ids(got2))

	_, err = realtime.ReadAfter(ctx, db.Bun, realtime.Filter{}, eventlog.Position{}, 10)
	require.ErrorIs(t, err, realtime.ErrNoOrganization)
}
