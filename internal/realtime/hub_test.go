package realtime_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"frontdesk/internal/database"
	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/realtime"
)

// An event committed after an older, still open transaction's event is held
// back until that transaction ends, then both arrive in log order: the
// subscriber cannot skip the older one as a reader by id would.
func TestSubscribeIsGapFreeAcrossOpenTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{PollInterval: time.Minute})
	ctx := t.Context()
	f := realtime.Filter{OrgID: b.org.ID}
	live, err := b.hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)

	txA, err := b.db.Bun.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer txA.Rollback() //nolint:errcheck
	a := event(b.org.ID, &b.org.Conv, eventlog.MessageReceived)
	require.NoError(t, eventlog.Append(ctx, txA, a))
	evB := event(b.org.ID, &b.org.Conv, eventlog.MessageSent)
	write(t, b.db, b.hub, evB)
	require.Less(t, a.TxID, evB.TxID)
	require.Less(t, a.ID, evB.ID)

	// A reader by id sees B now and moves past A for good.
	var naiveLast int64
	require.NoError(t, b.db.Bun.QueryRowContext(ctx, `SELECT max(id) FROM events`).Scan(&naiveLast))
	require.Equal(t, evB.ID, naiveLast)

	expectNothing(t, live, 300*time.Millisecond)

	require.NoError(t, txA.Commit())
	b.hub.Notify()
	got := receive(t, live, 2)
	require.Equal(t, []int64{a.ID, evB.ID}, ids(got))
	expectNothing(t, live, 100*time.Millisecond)

	var naiveMissed int
	require.NoError(t, b.db.Bun.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE id > ?`, naiveLast).Scan(&naiveMissed))
	require.Zero(t, naiveMissed, "the reader by id never sees A")

	// A subscriber resuming from the start sees the same order.
	resumed, err := b.hub.Subscribe(ctx, f, &eventlog.Position{})
	require.NoError(t, err)
	require.Equal(t, []int64{a.ID, evB.ID}, ids(receive(t, resumed, 2)))
}

// An unrelated open transaction (one that writes no events and never
// notifies) holds events back; when it ends they are delivered promptly by
// the dispatcher's re-read, not by the next poll.
func TestHeldBackEventsDeliveredWithoutNotification(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{PollInterval: time.Minute})
	ctx := t.Context()
	live, err := b.hub.Subscribe(ctx, realtime.Filter{OrgID: b.org.ID}, nil)
	require.NoError(t, err)

	tx, err := b.db.Bun.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck
	_, err = tx.ExecContext(ctx, `SELECT pg_current_xact_id()`)
	require.NoError(t, err)
	e := event(b.org.ID, nil, eventlog.Escalated)
	write(t, b.db, b.hub, e)
	expectNothing(t, live, 200*time.Millisecond)

	require.NoError(t, tx.Rollback())
	start := time.Now()
	require.Equal(t, []int64{e.ID}, ids(receive(t, live, 1)))
	require.Less(t, time.Since(start), 10*time.Second)
}

// Concurrent writers commit in random order; subscribers from the start of
// the log, live from the start, and joining half-way each receive every
// event once, in strictly increasing log order.
func TestConcurrentWritersRandomized(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{PollInterval: 50 * time.Millisecond})
	ctx := t.Context()
	f := realtime.Filter{OrgID: b.org.ID}
	const writers, perWriter = 8, 60
	const total = writers * perWriter

	fromStart, err := b.hub.Subscribe(ctx, f, &eventlog.Position{})
	require.NoError(t, err)
	live, err := b.hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)

	var (
		mu      sync.Mutex
		written = map[int64]bool{}
		wg      sync.WaitGroup
		half    = make(chan struct{})
		once    sync.Once
	)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for n := 0; n < perWriter; {
				k := min(1+rng.IntN(3), perWriter-n)
				events := make([]*eventlog.Event, k)
				for i := range events {
					events[i] = event(b.org.ID, &b.org.Conv, eventlog.MessageReceived)
				}
				err := b.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					if err := eventlog.Append(ctx, tx, events...); err != nil {
						return err
					}
					// Holding the transaction open is what is under test:
					// later commits wait behind it at the horizon.
					time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
					return nil
				})
				if !assertNoError(t, err) {
					return
				}
				b.hub.Notify()
				mu.Lock()
				for _, e := range events {
					written[e.ID] = true
				}
				if len(written) >= total/2 {
					once.Do(func() { close(half) })
				}
				mu.Unlock()
				n += k
			}
		})
	}
	<-half
	joined, err := b.hub.Subscribe(ctx, f, &eventlog.Position{})
	require.NoError(t, err)
	wg.Wait()
	require.Len(t, written, total)

	for name, ch := range map[string]<-chan *eventlog.Event{"from start": fromStart, "live": live, "joined": joined} {
		got := receiveOrExplain(t, name, ch, total, written)
		requireOrdered(t, got)
		for _, e := range got {
			require.True(t, written[e.ID], "%s: unknown event %d", name, e.ID)
		}
		expectNothing(t, ch, 50*time.Millisecond)
	}
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}

// listenerPIDs returns the backends listening in this test's database.
func listenerPIDs(t *testing.T, db *database.DB) map[int]bool {
	t.Helper()
	rows, err := db.Bun.QueryContext(t.Context(), `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
	require.NoError(t, err)
	defer rows.Close()
	pids := map[int]bool{}
	for rows.Next() {
		var pid int
		require.NoError(t, rows.Scan(&pid))
		pids[pid] = true
	}
	require.NoError(t, rows.Err())
	return pids
}

// A subscriber disconnects; writers commit out of order and the LISTEN
// connections are killed meanwhile; a subscriber resuming from the last
// cursor receives every missed event once, in order, then live ones. The
// hub polls only once a minute, so delivery rests on notifications and on
// the listener's reconnection.
func TestResumeAfterDisconnect(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	org := newOrg(t, db)
	hub := startHub(t, db, realtime.Config{PollInterval: time.Minute})
	other := startHub(t, db, realtime.Config{PollInterval: time.Minute}) // another process's writer
	ctx := t.Context()
	f := realtime.Filter{OrgID: org.ID}

	subCtx, cancel := context.WithCancel(ctx)
	first, err := hub.Subscribe(subCtx, f, nil)
	require.NoError(t, err)
	// A live subscriber that stays connected throughout.
	steady, err := hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	var before []*eventlog.Event
	for range 5 {
		e := event(org.ID, &org.Conv, eventlog.MessageReceived)
		write(t, db, hub, e)
		before = append(before, e)
	}
	got := receive(t, first, 5)
	require.Equal(t, ids(before), ids(got))
	cursor := got[4].Cursor()
	cancel()
	expectClosed(t, first)

	oldPIDs := listenerPIDs(t, db)
	require.Len(t, oldPIDs, 2)
	_, err = db.Bun.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
	require.NoError(t, err)

	// Writers: one opens first (lowest txid) and commits last.
	slow, err := db.Bun.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer slow.Rollback() //nolint:errcheck
	require.NoError(t, eventlog.Append(ctx, slow, event(org.ID, &org.Conv2, eventlog.NoteAdded)))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				err := db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					return eventlog.Append(ctx, tx, event(org.ID, &org.Conv, eventlog.MessageSent))
				})
				if !assertNoError(t, err) {
					return
				}
				other.Notify()
			}
		})
	}
	wg.Wait()
	require.NoError(t, slow.Commit())
	other.Notify()
	const missed = 1 + 4*5

	// Both listeners come back on new connections.
	require.Eventually(t, func() bool {
		pids := listenerPIDs(t, db)
		for pid := range pids {
			if oldPIDs[pid] {
				return false
			}
		}
		return len(pids) == 2
	}, waitTimeout, 20*time.Millisecond)

	after, err := eventlog.ParseCursor(cursor)
	require.NoError(t, err)
	resumed, err := hub.Subscribe(ctx, f, &after)
	require.NoError(t, err)
	gotMissed := receive(t, resumed, missed)
	requireOrdered(t, gotMissed)
	require.True(t, after.Less(pos(gotMissed[0])))
	var want []int64
	rows, err := db.Bun.QueryContext(ctx, `SELECT id FROM events WHERE organization_id = ? AND (txid, id) > (?::text::xid8, ?)
		ORDER BY txid, id`, org.ID, after.TxID, after.ID)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		want = append(want, id)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, want, ids(gotMissed))

	// The steady subscriber saw the same, without polling.
	gotSteady := receive(t, steady, 5+missed)
	require.Equal(t, ids(before), ids(gotSteady[:5]))
	require.Equal(t, want, ids(gotSteady[5:]))

	// Live events afterwards, written and notified by the other process,
	// arrive through the re-established LISTEN.
	var later []*eventlog.Event
	for range 3 {
		e := event(org.ID, nil, eventlog.Escalated)
		write(t, db, other, e)
		later = append(later, e)
	}
	require.Equal(t, ids(later), ids(receive(t, resumed, 3)))
	require.Equal(t, ids(later), ids(receive(t, steady, 3)))
	expectNothing(t, resumed, 50*time.Millisecond)
}

// Two hubs are two processes: an event notified through one reaches the
// other's subscribers by LISTEN/NOTIFY; the receiver polls once a minute.
func TestNotifyReachesOtherProcess(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	org := newOrg(t, db)
	hubA := startHub(t, db, realtime.Config{PollInterval: time.Minute})
	hubB := startHub(t, db, realtime.Config{PollInterval: time.Minute})
	ctx := t.Context()
	f := realtime.Filter{OrgID: org.ID}
	subA, err := hubA.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	subB, err := hubB.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	for i := range 3 {
		from, toSub := hubA, subB
		if i%2 == 1 {
			from, toSub = hubB, subA
		}
		e := event(org.ID, &org.Conv, eventlog.MessageReceived)
		start := time.Now()
		write(t, db, from, e)
		require.Equal(t, []int64{e.ID}, ids(receive(t, toSub, 1)))
		require.Less(t, time.Since(start), 10*time.Second)
		t.Logf("round %d delivered across processes in %v", i, time.Since(start))
		// The writer's own subscriber gets it too.
		other := subA
		if i%2 == 1 {
			other = subB
		}
		require.Equal(t, []int64{e.ID}, ids(receive(t, other, 1)))
	}
}

// Each filter lets through exactly its events, live and when resuming.
func TestFilters(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	orgA, orgB := newOrg(t, db), newOrg(t, db)
	hub := startHub(t, db, realtime.Config{})
	ctx := t.Context()

	const fence eventlog.Type = "FENCE"
	type named struct {
		name string
		e    *eventlog.Event
	}
	private := func(e *eventlog.Event) *eventlog.Event { e.Private = true; return e }
	all := []named{
		{"a-org", event(orgA.ID, nil, eventlog.Escalated)},
		{"a-conv", event(orgA.ID, &orgA.Conv, eventlog.MessageReceived)},
		{"a-conv-private", private(event(orgA.ID, &orgA.Conv, eventlog.NoteAdded))},
		{"a-conv2", event(orgA.ID, &orgA.Conv2, eventlog.MessageSent)},
		{"a-staff", event(orgA.ID, &orgA.StaffConv, eventlog.MessageReceived)},
		{"a-staff-private", private(event(orgA.ID, &orgA.StaffConv, eventlog.NoteAdded))},
		{"b-org", event(orgB.ID, nil, eventlog.Escalated)},
		{"b-conv", event(orgB.ID, &orgB.Conv, eventlog.MessageReceived)},
		{"b-staff", event(orgB.ID, &orgB.StaffConv, eventlog.MessageReceived)},
	}
	// Every filter matches a fence event, written after the others: once a
	// subscriber has its fence it has seen all it will.
	fences := []*eventlog.Event{
		event(orgA.ID, nil, fence), event(orgA.ID, &orgA.Conv, fence), event(orgB.ID, nil, fence),
	}
	cases := []struct {
		name string
		f    realtime.Filter
		want []string
	}{
		{"org A", realtime.Filter{OrgID: orgA.ID},
			[]string{"a-org", "a-conv", "a-conv-private", "a-conv2", "a-staff", "a-staff-private"}},
		{"org B", realtime.Filter{OrgID: orgB.ID}, []string{"b-org", "b-conv", "b-staff"}},
		{"conversation", realtime.Filter{OrgID: orgA.ID, ConversationID: &orgA.Conv},
			[]string{"a-conv", "a-conv-private"}},
		{"visitor", realtime.Filter{OrgID: orgA.ID, ConversationID: &orgA.Conv, ExcludePrivate: true},
			[]string{"a-conv"}},
		{"other org's conversation", realtime.Filter{OrgID: orgB.ID, ConversationID: &orgA.Conv}, nil},
		{"exclude private", realtime.Filter{OrgID: orgA.ID, ExcludePrivate: true},
			[]string{"a-org", "a-conv", "a-conv2", "a-staff"}},
		{"inbox", realtime.Filter{OrgID: orgA.ID, ExcludeStaff: true},
			[]string{"a-org", "a-conv", "a-conv-private", "a-conv2"}},
		{"inbox without private", realtime.Filter{OrgID: orgA.ID, ExcludeStaff: true, ExcludePrivate: true},
			[]string{"a-org", "a-conv", "a-conv2"}},
	}
	lives := make([]<-chan *eventlog.Event, len(cases))
	for i, tc := range cases {
		ch, err := hub.Subscribe(ctx, tc.f, nil)
		require.NoError(t, err)
		lives[i] = ch
	}
	names := map[int64]string{}
	for _, n := range all {
		write(t, db, hub, n.e)
		names[n.e.ID] = n.name
	}
	write(t, db, hub, fences...)

	collect := func(ch <-chan *eventlog.Event, f realtime.Filter) []string {
		t.Helper()
		var got []string
		var last *eventlog.Event
		for {
			e := receive(t, ch, 1)[0]
			if last != nil {
				require.True(t, pos(last).Less(pos(e)))
			}
			last = e
			require.True(t, f.Match(e))
			if e.Type == fence {
				return got
			}
			got = append(got, names[e.ID])
		}
	}
	for i, tc := range cases {
		if tc.f.OrgID == orgB.ID && tc.f.ConversationID != nil {
			// Matches no fence: check the store and no live delivery.
			got, err := realtime.ReadAfter(ctx, db.Bun, tc.f, eventlog.Position{}, 100)
			require.NoError(t, err)
			require.Empty(t, got)
			expectNothing(t, lives[i], 100*time.Millisecond)
			continue
		}
		require.Equal(t, tc.want, collect(lives[i], tc.f), "%s live", tc.name)
		resumed, err := hub.Subscribe(ctx, tc.f, &eventlog.Position{})
		require.NoError(t, err)
		require.Equal(t, tc.want, collect(resumed, tc.f), "%s resumed", tc.name)
		page, err := realtime.ReadAfter(ctx, db.Bun, tc.f, eventlog.Position{}, 100)
		require.NoError(t, err)
		var fromStore []string
		for _, e := range page {
			require.True(t, tc.f.Match(e), "%s: ReadAfter and Match disagree", tc.name)
			if e.Type != fence {
				fromStore = append(fromStore, names[e.ID])
			}
		}
		require.Equal(t, tc.want, fromStore, "%s store", tc.name)
	}
}

// A subscriber that does not read neither blocks the dispatcher nor
// delays others, and later still gets every event once, in order.
func TestSlowSubscriber(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{SubscriberBuffer: 64})
	ctx := t.Context()
	f := realtime.Filter{OrgID: b.org.ID}
	slow, err := b.hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	fast, err := b.hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)

	const writers, txs, perTx = 4, 50, 10
	const total = writers * txs * perTx
	start := time.Now()
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range txs {
				events := make([]*eventlog.Event, perTx)
				for i := range events {
					events[i] = event(b.org.ID, &b.org.Conv, eventlog.MessageReceived)
				}
				err := b.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					return eventlog.Append(ctx, tx, events...)
				})
				if !assertNoError(t, err) {
					return
				}
				b.hub.Notify()
			}
		})
	}
	got := receive(t, fast, total)
	t.Logf("fast subscriber got %d events in %v", total, time.Since(start))
	wg.Wait()
	requireOrdered(t, got)
	require.Eventually(t, func() bool { return b.hub.TailForTest() == pos(got[total-1]) },
		waitTimeout, 10*time.Millisecond, "the dispatcher reached the end of the log")

	// A subscriber that joins now is served at once too.
	late, err := b.hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	e := event(b.org.ID, nil, eventlog.Escalated)
	write(t, b.db, b.hub, e)
	require.Equal(t, []int64{e.ID}, ids(receive(t, late, 1)))
	require.Equal(t, []int64{e.ID}, ids(receive(t, fast, 1)))

	gotSlow := receive(t, slow, total+1)
	require.Equal(t, append(ids(got), e.ID), ids(gotSlow))
	expectNothing(t, slow, 50*time.Millisecond)

	// Resuming from the start pages through the whole log.
	replay, err := b.hub.Subscribe(ctx, f, &eventlog.Position{})
	require.NoError(t, err)
	require.Equal(t, ids(gotSlow), ids(receive(t, replay, total+1)))
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	org := newOrg(t, db)
	ctx := t.Context()
	f := realtime.Filter{OrgID: org.ID}
	hub := realtime.New(db, realtime.Config{}, testLogger(t))
	t.Cleanup(hub.Stop)
	old := event(org.ID, nil, eventlog.Escalated)
	write(t, db, nil, old)
	// Wait until the event is below the horizon, which open transactions
	// of parallel tests may hold back: until then it is "live".
	require.Eventually(t, func() bool {
		got, err := realtime.ReadAfter(ctx, db.Bun, f, eventlog.Position{}, 1)
		return err == nil && len(got) == 1
	}, waitTimeout, 5*time.Millisecond)

	_, err := hub.Subscribe(ctx, f, nil)
	require.ErrorIs(t, err, realtime.ErrNotStarted)
	require.NoError(t, hub.Start(ctx))
	require.Error(t, hub.Start(ctx))
	_, err = hub.Subscribe(ctx, realtime.Filter{}, nil)
	require.ErrorIs(t, err, realtime.ErrNoOrganization)

	// The hub starts at the end of the log: live subscribers do not get
	// older events, resuming ones do.
	live, err := hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	expectNothing(t, live, 100*time.Millisecond)
	fromStart, err := hub.Subscribe(ctx, f, &eventlog.Position{})
	require.NoError(t, err)
	require.Equal(t, []int64{old.ID}, ids(receive(t, fromStart, 1)))

	subCtx, cancel := context.WithCancel(ctx)
	cancelled, err := hub.Subscribe(subCtx, f, nil)
	require.NoError(t, err)
	cancel()
	expectClosed(t, cancelled)

	open, err := hub.Subscribe(ctx, f, nil)
	require.NoError(t, err)
	// Not reading: Stop must not wait for the consumer. The dispatcher
	// offers an event to every subscriber before it moves the tail past it,
	// so once the tail is there the event waits in open's buffer.
	pending := event(org.ID, nil, eventlog.Escalated)
	write(t, db, hub, pending)
	require.Eventually(t, func() bool { return !hub.TailForTest().Less(pos(pending)) }, waitTimeout, time.Millisecond)
	hub.Stop()
	hub.Stop()
	expectClosed(t, open)
	expectClosed(t, live)
	expectClosed(t, fromStart)
	_, err = hub.Subscribe(ctx, f, nil)
	require.ErrorIs(t, err, realtime.ErrClosed)
	require.ErrorIs(t, hub.Start(ctx), realtime.ErrClosed)
	hub.Notify() // harmless after Stop
}

// Notify coalesces: a burst of calls sends a handful of notifications,
// not one each.
func TestNotifyCoalesces(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	hub := startHub(t, db, realtime.Config{Channel: "coalesce_test"})
	ctx := t.Context()
	conn, err := db.Pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `LISTEN coalesce_test`)
	require.NoError(t, err)

	for range 1000 {
		hub.Notify()
	}
	received := 0
	for {
		wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err := conn.Conn().WaitForNotification(wctx)
		cancel()
		if err != nil {
			break
		}
		received++
	}
	_, err = conn.Exec(ctx, `UNLISTEN *`)
	require.NoError(t, err)
	t.Logf("1000 Notify calls sent %d notifications", received)
	require.GreaterOrEqual(t, received, 1)
	require.LessOrEqual(t, received, 10)
}

// Commits in quick succession, each followed by Notify, share the
// dispatcher's reads: with Coalesce at 100ms, fifty commits cost a handful
// of reads, and every event still arrives, in order.
func TestReadsCoalesce(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{PollInterval: time.Minute, Coalesce: 100 * time.Millisecond})
	live, err := b.hub.Subscribe(t.Context(), realtime.Filter{OrgID: b.org.ID}, nil)
	require.NoError(t, err)
	before := b.hub.ReadsForTest()
	start := time.Now()
	var want []int64
	for range 50 {
		e := event(b.org.ID, &b.org.Conv, eventlog.MessageReceived)
		write(t, b.db, b.hub, e)
		want = append(want, e.ID)
	}
	require.Equal(t, want, ids(receive(t, live, 50)))
	reads := b.hub.ReadsForTest() - before
	// At most one read per Coalesce period, plus the first.
	limit := int64(time.Since(start)/(100*time.Millisecond)) + 2
	require.LessOrEqual(t, reads, limit, "reads for 50 commits")
	require.Less(t, reads, int64(50))
}

// receiveOrExplain is receive for TestConcurrentWritersRandomized: on a
// timeout it names the subscriber and the events it never got, with their
// positions, to find the rare run where one falls short.
func receiveOrExplain(t *testing.T, name string, ch <-chan *eventlog.Event, n int, written map[int64]bool) []*eventlog.Event {
	t.Helper()
	got, ok := collect(t, ch, n)
	if ok {
		return got
	}
	seen := make(map[int64]bool, len(got))
	for _, e := range got {
		seen[e.ID] = true
	}
	var missing []int64
	for id := range written {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	slices.Sort(missing)
	last := "none"
	if len(got) > 0 {
		last = got[len(got)-1].Cursor()
	}
	require.FailNow(t, "timed out", "%s received %d of %d events; last %s; missing ids %v", name, len(got), n, last, missing)
	return nil
}

// WaitSubscribers is the signal that a subscription is registered: it
// blocks until the organisation has that many, counting only its own, and
// a write after it reaches the subscription.
func TestWaitSubscribers(t *testing.T) {
	t.Parallel()
	b := setup(t, realtime.Config{})
	other := newOrg(t, b.db)
	short, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, b.hub.WaitSubscribers(short, b.org.ID, 1), context.DeadlineExceeded, "no subscription yet")

	waited := make(chan error, 1)
	go func() { waited <- b.hub.WaitSubscribers(t.Context(), b.org.ID, 2) }()
	_, err := b.hub.Subscribe(t.Context(), realtime.Filter{OrgID: other.ID}, nil)
	require.NoError(t, err)
	first, err := b.hub.Subscribe(t.Context(), realtime.Filter{OrgID: b.org.ID}, nil)
	require.NoError(t, err)
	select {
	case err := <-waited:
		t.Fatalf("returned with one subscription of the organisation: %v", err)
	default:
	}
	second, err := b.hub.Subscribe(t.Context(), realtime.Filter{OrgID: b.org.ID}, nil)
	require.NoError(t, err)
	require.NoError(t, <-waited)

	e := event(b.org.ID, nil, eventlog.Escalated)
	write(t, b.db, b.hub, e)
	require.Equal(t, []int64{e.ID}, ids(receive(t, first, 1)))
	require.Equal(t, []int64{e.ID}, ids(receive(t, second, 1)))
}
