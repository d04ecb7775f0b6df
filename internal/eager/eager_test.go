package eager_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
	"frontdesk/internal/eager"
	"frontdesk/jobs"
)

// replies counts the bot's messages in the visitor's conversation.
func replies(t *testing.T, s *apptest.Server, v *apptest.Visitor) int {
	t.Helper()
	var n int
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`, v.ConversationID).Scan(&n))
	return n
}

// jobsOf counts the process_message jobs in the visitor's conversation's
// organisation, by state.
func jobsOf(t *testing.T, s *apptest.Server, state string) int {
	t.Helper()
	var n int
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'process_message' AND state::text = $1`, state).Scan(&n))
	return n
}

// waitFor polls cond (a state of the job table or of the runner, which
// signal nothing) until it holds, failing after within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(10 * time.Millisecond)
	}
}

// An accepted message is answered by the process that accepted it, and its
// fallback job, scheduled in the future, is deleted afterwards: River never
// runs it.
func TestAnsweredAtOnceAndFallbackJobDeleted(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Eager")
	v := s.StartWebChat(org)
	before := s.App.Eager.Stats()

	var scheduled int
	start := time.Now()
	s.Say(v, "hello")
	// The job exists and waits for its fallback time, unless it is already
	// deleted.
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'process_message'
		AND (state <> 'scheduled' OR scheduled_at < now() + interval '5 seconds')`).Scan(&scheduled))
	require.Zero(t, scheduled, "the fallback job is scheduled about FallbackAfter ahead")
	waitFor(t, 5*time.Second, "the reply", func() bool { return replies(t, s, v) > 0 })
	t.Logf("answered %s after the send", time.Since(start))
	waitFor(t, 5*time.Second, "the fallback job's deletion", func() bool { return jobsOf(t, s, "scheduled") == 0 })
	require.Zero(t, jobsOf(t, s, "completed"), "River never ran it")
	require.Equal(t, before.Done+1, s.App.Eager.Stats().Done)
}

// dropping is an Eager that reserves and schedules like the runner but
// never runs anything: the process "dies" right after the commit.
type dropping struct{ after time.Duration }

func (dropping) Reserve() bool                      { return true }
func (dropping) Release()                           {}
func (d dropping) ScheduleAt() time.Time            { return time.Now().Add(d.after) }
func (dropping) Run(jobs.ProcessMessageArgs, int64) {}

// A process that dies between the message's commit and its eager run loses
// nothing: River runs the fallback job when it is due.
func TestCrashBeforeEagerRunFallsBackToRiver(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	s.App.Conversations.SetEager(dropping{after: time.Second})
	org := s.SignUp("Crash")
	v := s.StartWebChat(org)
	s.Say(v, "hello")
	require.Zero(t, replies(t, s, v))
	// Due in 1 s; River's scheduler makes due jobs available every 5 s.
	waitFor(t, 20*time.Second, "River's fallback run", func() bool { return replies(t, s, v) > 0 })
	s.WaitProcessed()
	require.Equal(t, 1, jobsOf(t, s, "completed"), "River ran the job")
}

// failing fails the first eager attempt of every message.
type failing struct {
	eager.Processor
	calls atomic.Int64
}

func (f *failing) Process(ctx context.Context, args jobs.ProcessMessageArgs) error {
	if f.calls.Add(1) == 1 {
		return errors.New("database went away")
	}
	return f.Processor.Process(ctx, args)
}

// An eager run that fails hands the job to River at once (not after
// FallbackAfter), and River's worker answers.
func TestFailedEagerRunHandsOverToRiver(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.EagerFallback = time.Hour })
	f := &failing{Processor: s.App.Pipeline}
	r := eager.New(f, s.App.River, eager.Config{FallbackAfter: time.Hour}, nil)
	t.Cleanup(func() { r.Stop(context.Background()) })
	s.App.Conversations.SetEager(r)
	org := s.SignUp("Failing")
	v := s.StartWebChat(org)
	s.Say(v, "hello")
	waitFor(t, 10*time.Second, "River's run", func() bool { return replies(t, s, v) > 0 })
	s.WaitProcessed()
	require.Equal(t, int64(1), r.Stats().HandedOver)
	require.Equal(t, 1, jobsOf(t, s, "completed"), "River ran the job")
}

// Messages sent in a burst to one conversation are all answered by the
// eager runs: a later one waits for the earlier one in flight instead of
// falling back to River.
func TestBurstInOneConversationIsAnsweredEagerly(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Burst")
	v := s.StartWebChat(org)
	before := s.App.Eager.Stats()
	var wg sync.WaitGroup
	for _, text := range []string{"hello", "hi again", "good morning", "hello there"} {
		wg.Add(1)
		go func() { defer wg.Done(); s.Say(v, text) }()
	}
	wg.Wait()
	s.WaitProcessed()
	var unprocessed int
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND direction = 'IN' AND processed_at IS NULL`, v.ConversationID).Scan(&unprocessed))
	require.Zero(t, unprocessed)
	after := s.App.Eager.Stats()
	require.Equal(t, before.Done+4, after.Done)
	require.Equal(t, before.HandedOver, after.HandedOver)
	require.Zero(t, jobsOf(t, s, "completed"), "River ran none of them")
}

// Stop cancels nothing that can't be recovered: a run in flight at Stop
// leaves its job scheduled, and Reserve refuses new work.
func TestStopRefusesNewWork(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	r := eager.New(s.App.Pipeline, s.App.River, eager.Config{}, nil)
	r.Stop(context.Background())
	require.False(t, r.Reserve())
}

// A turn's replies are delivered in order from the committing process; a
// delivered reply's fallback job is deleted, and from the first reply that
// does not go out, the jobs are handed to River at once.
func TestTurnRepliesDeliveredInOrderThenHandedOver(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.EagerFallback = time.Hour })
	r := eager.New(s.App.Pipeline, s.App.River, eager.Config{FallbackAfter: time.Hour}, nil)
	t.Cleanup(func() { r.Stop(context.Background()) })
	var (
		mu   sync.Mutex
		sent []jobs.DeliverMessageArgs
	)
	queued := make([]jobs.QueuedDelivery, 3)
	for i := range queued {
		args := jobs.DeliverMessageArgs{OrganizationID: uuidFor(i), MessageID: uuidFor(10 + i)}
		res, err := s.App.River.Insert(t.Context(), args, &river.InsertOpts{ScheduledAt: r.ScheduleAt()})
		require.NoError(t, err)
		queued[i] = jobs.QueuedDelivery{JobID: res.Job.ID, Args: args}
	}
	r.SetDeliver(func(_ context.Context, args jobs.DeliverMessageArgs) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, args)
		if len(sent) == 2 {
			return errors.New("platform unavailable")
		}
		return nil
	})
	r.Deliver(t.Context(), queued)
	require.Equal(t, []jobs.DeliverMessageArgs{queued[0].Args, queued[1].Args}, sent, "in order, stopping at the failure")
	state := func(id int64) string {
		var st string
		err := s.App.DB.SQL.QueryRow(`SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return "deleted"
		}
		require.NoError(t, err)
		return st
	}
	waitFor(t, 5*time.Second, "the delivered reply's job deleted", func() bool { return state(queued[0].JobID) == "deleted" })
	for _, q := range queued[1:] {
		require.NotEqual(t, "scheduled", state(q.JobID), "handed to River now, not in an hour")
	}
}

// uuidFor is a fixed id per n.
func uuidFor(n int) uuid.UUID { return uuid.NewSHA1(uuid.NameSpaceOID, []byte{byte(n)}) }

// gate is a Processor whose runs wait for release, counting how many run
// at once.
type gate struct {
	release       chan struct{}
	running, most atomic.Int64
}

func (g *gate) Process(ctx context.Context, _ jobs.ProcessMessageArgs) error {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// noJobs is a River client that has nothing to retry or delete.
type noJobs struct{}

func (noJobs) JobRetry(context.Context, int64) (*rivertype.JobRow, error) { return nil, nil }
func (noJobs) JobDeleteMany(context.Context, *river.JobDeleteManyParams) (*river.JobDeleteManyResult, error) {
	return &river.JobDeleteManyResult{}, nil
}

// Beyond Slots runs in flight, up to Queue more messages wait for a slot
// instead of going to River; past that, Reserve refuses.
func TestQueueWaitsForASlot(t *testing.T) {
	t.Parallel()
	g := &gate{release: make(chan struct{})}
	r := eager.New(g, noJobs{}, eager.Config{Slots: 2, Queue: 3}, nil)
	t.Cleanup(func() { r.Stop(context.Background()) })
	for i := range 5 {
		require.True(t, r.Reserve(), "place %d", i)
	}
	require.False(t, r.Reserve(), "slots and queue taken")
	require.Equal(t, int64(1), r.Stats().Full)
	for i := range 5 {
		r.Run(jobs.ProcessMessageArgs{MessageID: uuidFor(i)}, int64(i))
	}
	waitFor(t, 5*time.Second, "two runs", func() bool { return g.running.Load() == 2 })
	close(g.release)
	waitFor(t, 5*time.Second, "all five answered", func() bool { return r.Stats().Done == 5 })
	require.Equal(t, int64(2), g.most.Load(), "never more than Slots at once")
	require.True(t, r.Reserve(), "places free again")
	r.Release()
}
