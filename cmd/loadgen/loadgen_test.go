package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/dbtest"
)

// childEnv makes the test binary behave as loadgen, so that spawnServe can
// start it as a `serve` child.
const childEnv = "LOADGEN_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	childCommand = func(ctx context.Context, args ...string) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, os.Args[0], args...)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		return cmd, nil
	}
	os.Exit(m.Run())
}

// testBundle is a small seeded database and an in-process server on it.
type testBundle struct {
	db     dbFlags
	server *server
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	d := dbFlags{DatabaseURL: dbtest.NewURL(t), Seed: seedOptions{Conversations: 60, Messages: 4}, LogLevel: "error"}
	log := logger(io.Discard, 0)
	created, _, err := seed(t.Context(), d.DatabaseURL, d.Seed, log)
	require.NoError(t, err)
	require.True(t, created)
	created, _, err = seed(t.Context(), d.DatabaseURL, d.Seed, log)
	require.NoError(t, err)
	require.False(t, created, "seeding twice must be a no-op")
	s, err := startServer(t.Context(), serverOptions{DatabaseURL: d.DatabaseURL, Log: log})
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return &testBundle{db: d, server: s}
}

// TestBenchmarksRun runs every benchmark briefly at a low rate, so the
// command keeps working; it checks correctness, not speed.
func TestBenchmarksRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	q, err := runQuery(ctx, b.server.Target, queryOptions{Rate: 40, Duration: time.Second, First: 50, MaxInFlight: 100, Timeout: 5 * time.Second}, b.server.Queries)
	require.NoError(t, err)
	q.print(io.Discard)
	require.Equal(t, 0, q.get("errors"), "last error: %v", q.get("last_error"))
	require.Equal(t, 40, q.get("ok"))
	require.NotNil(t, q.get("queries_per_request"))

	f, err := runFanout(ctx, b.server.Target, fanoutOptions{N: 20, Events: 3, Interval: 100 * time.Millisecond,
		Settle: 200 * time.Millisecond, Drain: 5 * time.Second, DialConcurrency: 10})
	require.NoError(t, err)
	require.Equal(t, 60, f.get("delivered"))
	require.Equal(t, 0, f.get("missing"))
	require.EqualValues(t, 0, f.get("duplicates"))

	j, err := runJobPickup(ctx, b.server, jobOptions{Rate: 20, Duration: time.Second, Workers: 5})
	require.NoError(t, err)
	require.Equal(t, 20, j.get("started"))

	p, err := runPipeline(ctx, b.server, pipelineOptions{Rate: 20, Duration: time.Second, Conversations: 20, MaxInFlight: 100, Drain: 10 * time.Second})
	require.NoError(t, err)
	p.print(io.Discard)
	require.Equal(t, 20, p.get("sent"), "last error: %v", p.get("last_send_error"))
	require.Equal(t, 20, p.get("replies"))
	require.EqualValues(t, 20, p.get("eager_answered"), "every message answered by the eager run")
	require.Equal(t, 0, p.get("handed_off"))

	c, err := spawnServe(ctx, b.db, io.Discard)
	require.NoError(t, err)
	defer c.Stop()
	m, err := runWSMem(ctx, c.Target, wsmemOptions{N: 20, Settle: 200 * time.Millisecond, Warm: 2, DialConcurrency: 10})
	require.NoError(t, err)
	require.NotNil(t, m.get("rss_per_socket_kb"))
}
