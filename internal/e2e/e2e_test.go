package e2e_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/dbtest"
	"frontdesk/internal/pgembed"
)

// TestServeOnFreshDatabase: `go run .` on a database that does not exist
// creates and migrates it, seeds the demo organisation, serves, and prints
// a working admin token; the token, migrate and seed commands work against
// it, and migrate and seed are idempotent.
func TestServeOnFreshDatabase(t *testing.T) {
	t.Parallel()
	name, url := newDatabase(t)
	require.False(t, databaseExists(t, name))
	env := baseSettings(t, url)

	srv := startServer(t, "server", env)
	t.Logf("ready in %v", srv.waitReady(30*time.Second).Round(time.Millisecond))
	require.True(t, databaseExists(t, name), "serve should have created the database")
	require.Contains(t, srv.stdout.String(), "Frontdesk is running.")
	require.Contains(t, srv.stdout.String(), "http://"+srv.addr+"/graphql")

	var admin me
	srv.query(srv.token(), `{ me { email role } }`, nil, &admin)
	require.Equal(t, "admin@demo.frontdesk.test", admin.Me.Email)
	require.Equal(t, "ADMIN", admin.Me.Role)

	agentToken := strings.TrimSpace(mustRun(t, env, "token", "-email", "agent@demo.frontdesk.test"))
	require.NotEmpty(t, agentToken)
	require.NotContains(t, agentToken, "\n", "token prints one line")
	var agent me
	srv.query(agentToken, `{ me { email role } }`, nil, &agent)
	require.Equal(t, "agent@demo.frontdesk.test", agent.Me.Email)
	require.Equal(t, "AGENT", agent.Me.Role)

	db := connect(t, url)
	migrated := func() (int, int) {
		return count(t, db, `SELECT count(*) FROM bun_migrations`), count(t, db, `SELECT count(*) FROM river_migration`)
	}
	bunBefore, riverBefore := migrated()
	require.Positive(t, bunBefore)
	require.Positive(t, riverBefore)
	for range 2 {
		require.Contains(t, mustRun(t, env, "migrate"), "migrations applied")
		bunAfter, riverAfter := migrated()
		require.Equal(t, bunBefore, bunAfter, "migrate re-applied a Frontdesk migration")
		require.Equal(t, riverBefore, riverAfter, "migrate re-applied a River migration")
	}
	for range 2 {
		// The server seeded already, so neither run creates anything.
		require.Contains(t, mustRun(t, env, "seed"), "demo organisation ready (created now: false)")
	}
	require.Equal(t, 1, count(t, db, `SELECT count(*) FROM organizations WHERE slug = 'demo'`))
	require.Equal(t, 5, count(t, db, `SELECT count(*) FROM users u JOIN organizations o ON o.id = u.organization_id WHERE o.slug = 'demo'`))

	// A token for someone who does not exist is an error, not an empty line.
	r := runCommand(t, env, "token", "-email", "nobody@demo.frontdesk.test")
	require.NotZero(t, r.code)
	require.Empty(t, strings.TrimSpace(r.stdout))
}

// TestCommandLine checks the commands that never reach the database:
// help, an unknown command, and production's refusal to start without a
// signing key.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	// Nothing listens here: none of these may need a database.
	unreachable := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/frontdesk?sslmode=disable", freePort(t))
	for _, tc := range []struct {
		name       string
		args       []string
		env        settings
		wantCode   bool // non-zero exit
		wantStdout []string
		wantStderr []string
	}{
		{name: "--help", args: []string{"--help"}, wantStdout: []string{"Usage:", "frontdesk migrate", "frontdesk token -email"}},
		{name: "help", args: []string{"help"}, wantStdout: []string{"Usage:"}},
		{name: "serve --help", args: []string{"serve", "--help"}, wantStdout: []string{"Usage:"}},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: true, wantStderr: []string{`unknown command "frobnicate"`, "Usage:"}},
		{
			name: "production without secret", env: settings{"FRONTDESK_ENV": "production", "DATABASE_URL": unreachable},
			wantCode: true, wantStderr: []string{"FRONTDESK_JWT_SECRET"},
		},
		{
			name: "short secret", env: settings{"FRONTDESK_JWT_SECRET": "too-short", "DATABASE_URL": unreachable},
			wantCode: true, wantStderr: []string{"FRONTDESK_JWT_SECRET", "32 bytes"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := tc.env
			if env == nil {
				env = settings{}
			}
			env = env.with("FRONTDESK_DATA_DIR", t.TempDir(), "FRONTDESK_EMBEDDED_POSTGRES", "false")
			r := runCommand(t, env, tc.args...)
			msg := fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			if tc.wantCode {
				require.NotZero(t, r.code, msg)
			} else {
				require.Zero(t, r.code, msg)
			}
			for _, s := range tc.wantStdout {
				require.Contains(t, r.stdout, s, msg)
			}
			for _, s := range tc.wantStderr {
				require.Contains(t, r.stderr, s, msg)
			}
		})
	}
}

// TestPrivateClusterWhenPostgresUnreachable: in development, with
// PostgreSQL installed but not answering at DATABASE_URL, the server starts
// a private cluster under FRONTDESK_DATA_DIR/pg, serves the demo, and stops
// the cluster when it shuts down. The machine's shared server is left
// alone: "stopped" is simulated with a port where nothing listens.
func TestPrivateClusterWhenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	if _, err := pgembed.FindBinaries(); err != nil {
		t.Skipf("PostgreSQL server binaries not installed: %v", err)
	}
	// Under /tmp with 0755, not t.TempDir() (0700): as root the cluster
	// runs as the OS user postgres, which must reach its data directory.
	dataDir, err := os.MkdirTemp("/tmp", "fde2e-pg-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dataDir, 0o755))
	pgDir := filepath.Join(dataDir, "pg")
	t.Cleanup(func() {
		// Safety net if the server did not stop its cluster: fast shutdown.
		if pid, _, err := readPostmaster(pgDir); err == nil {
			t.Logf("private cluster (pid %d) still running; stopping it", pid)
			_ = syscall.Kill(pid, syscall.SIGINT)
			// PostgreSQL removes its pid file as it exits: poll, at most 10 s.
			for i := 0; i < 100 && fileExists(filepath.Join(pgDir, "postmaster.pid")); i++ {
				time.Sleep(100 * time.Millisecond)
			}
		}
		_ = os.RemoveAll(dataDir)
	})

	deadPort := freePort(t)
	env := settings{
		"DATABASE_URL":                fmt.Sprintf("postgres://postgres@127.0.0.1:%d/frontdesk?sslmode=disable", deadPort),
		"FRONTDESK_EMBEDDED_POSTGRES": "true",
		"FRONTDESK_DATA_DIR":          dataDir,
		"FRONTDESK_JWT_SECRET":        jwtSecret,
		"FRONTDESK_LOG_LEVEL":         "warn",
		"FRONTDESK_SHUTDOWN_TIMEOUT":  shutdownTimeout.String(),
	}
	srv := startServer(t, "server", env)
	t.Logf("ready on a private cluster in %v (initdb included)", srv.waitReady(50*time.Second).Round(time.Millisecond))
	require.Contains(t, srv.stderr.String(), "starting a private cluster")

	var admin me
	srv.query(srv.token(), `{ me { email role } }`, nil, &admin)
	require.Equal(t, "admin@demo.frontdesk.test", admin.Me.Email)
	require.Equal(t, "ADMIN", admin.Me.Role)

	pid, port, err := readPostmaster(pgDir)
	require.NoError(t, err, "private cluster should be running in %s", pgDir)
	require.NotEqual(t, deadPort, port, "the private cluster picks its own port")
	require.True(t, listening(port), "private cluster should accept connections on %d", port)
	t.Logf("private cluster: pid %d, port %d", pid, port)

	srv.stop()
	require.False(t, t.Failed(), "server did not shut down gracefully")
	require.False(t, fileExists(filepath.Join(pgDir, "postmaster.pid")), "postmaster.pid left behind: the cluster was not stopped")
	require.False(t, listening(port), "port %d still accepts connections after shutdown", port)
}

// TestTwoReplicasShareInboxEvents: with two server processes on one
// database, a visitor message sent through A reaches an inboxEvents
// subscriber on B (LISTEN/NOTIFY and the shared event log, not in-process
// pub/sub), and a token printed by A is accepted by B.
func TestTwoReplicasShareInboxEvents(t *testing.T) {
	t.Parallel()
	_, url := newDatabase(t)
	env := baseSettings(t, url)
	a := startServer(t, "A", env)
	b := startServer(t, "B", env.with("FRONTDESK_DATA_DIR", t.TempDir()))
	a.waitReady(30 * time.Second)
	b.waitReady(30 * time.Second)

	ws := dialWS(t, b, a.token())
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { inboxEvents { type message { text } } }`,
	}})
	// nextMessage waits for the next MESSAGE_RECEIVED event whose text
	// match accepts, and returns that text.
	nextMessage := func(match func(string) bool, limit time.Duration) (string, bool) {
		deadline := time.Now().Add(limit)
		for {
			msg, ok := ws.poll(time.Until(deadline))
			if !ok {
				return "", false
			}
			require.Equal(t, "next", msg["type"], "got %v", msg)
			payload, _ := msg["payload"].(map[string]any)
			require.Empty(t, payload["errors"], "got %v", msg)
			data, _ := payload["data"].(map[string]any)
			ev, _ := data["inboxEvents"].(map[string]any)
			m, _ := ev["message"].(map[string]any)
			text, _ := m["text"].(string)
			if ev["type"] == "MESSAGE_RECEIVED" && match(text) {
				return text, true
			}
		}
	}

	var chat struct {
		StartWebChat struct {
			Token        string
			Conversation struct{ ID string }
		}
	}
	a.query("", `mutation { startWebChat(publicKey: "wc_demo_public_key", visitorName: "E2E") { token conversation { id } } }`, nil, &chat)
	say := func(text string) {
		a.query(chat.StartWebChat.Token, `mutation($c: ID!, $t: String!) { sendVisitorMessage(conversationId: $c, text: $t) { id } }`,
			map[string]any{"c": chat.StartWebChat.Conversation.ID, "t": text}, nil)
	}

	// graphql-transport-ws does not acknowledge a subscribe, so a first
	// message proves B's subscription is live; it may take a retry.
	// Delivery waits for every transaction open in the whole PostgreSQL
	// cluster when the event committed (see package realtime), so a long
	// transaction in another test's database delays it; say which.
	begin := time.Now()
	sent := map[string]time.Time{}
	for i := 1; ; i++ {
		text := fmt.Sprintf("hello %d", i)
		sent[text] = time.Now()
		say(text)
		if got, ok := nextMessage(func(s string) bool { return strings.HasPrefix(s, "hello ") }, time.Second); ok {
			t.Logf("subscription live: %q reached B %v after it was sent (%d sent)", got, time.Since(sent[got]).Round(time.Microsecond), i)
			break
		}
		if held := longTransactions(t); len(held) > 0 && i%5 == 1 {
			t.Logf("events may be held back by transactions open elsewhere in the cluster:\n%s", strings.Join(held, "\n"))
		}
		require.Less(t, time.Since(begin), 30*time.Second, "no visitor message sent through A reached B's subscriber")
	}

	var latencies []time.Duration
	for i := range 10 {
		text := fmt.Sprintf("how much is it? #%d", i)
		at := time.Now()
		say(text)
		_, ok := nextMessage(func(s string) bool { return s == text }, 10*time.Second)
		require.True(t, ok, "message %q sent through A never reached B", text)
		latencies = append(latencies, time.Since(at))
	}
	slices.Sort(latencies)
	t.Logf("A mutation sent -> B subscriber received, %d messages: min %v, median %v, max %v",
		len(latencies), latencies[0].Round(time.Microsecond), latencies[len(latencies)/2].Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond))

	// Graceful shutdown with a live subscription: B closes the socket
	// and still exits 0 well within its budget.
	b.stop()
	t.Logf("B closed the live WebSocket with status %v", ws.closed(5*time.Second))
}

// TestReplicasStartTogetherOnMissingDatabase: four processes started at
// once on a database that does not exist yet all become ready within 30 s,
// and the shared setup (create, migrate, seed) happens exactly once.
func TestReplicasStartTogetherOnMissingDatabase(t *testing.T) {
	t.Parallel()
	name, url := newDatabase(t)
	require.False(t, databaseExists(t, name))
	env := baseSettings(t, url)

	const n = 4
	servers := make([]*server, n)
	for i := range servers {
		servers[i] = startServer(t, fmt.Sprintf("replica-%d", i), env.with("FRONTDESK_DATA_DIR", t.TempDir()))
	}
	took := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { took[i], errs[i] = s.readyWithin(30 * time.Second) })
	}
	wg.Wait()
	for i := range servers {
		require.NoError(t, errs[i])
		t.Logf("%s ready in %v", servers[i].name, took[i].Round(time.Millisecond))
	}

	db := connect(t, url)
	dupes := func(query string) []string {
		rows, err := db.Query(context.Background(), query)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			vals, err := rows.Values()
			require.NoError(t, err)
			out = append(out, fmt.Sprint(vals...))
		}
		require.NoError(t, rows.Err())
		return out
	}
	require.Empty(t, dupes(`SELECT name, count(*) FROM bun_migrations GROUP BY name HAVING count(*) > 1`))
	require.Empty(t, dupes(`SELECT line, version, count(*) FROM river_migration GROUP BY line, version HAVING count(*) > 1`))
	require.Positive(t, count(t, db, `SELECT count(*) FROM bun_migrations`))
	require.Positive(t, count(t, db, `SELECT count(*) FROM river_migration`))
	require.Equal(t, 1, count(t, db, `SELECT count(*) FROM organizations WHERE slug = 'demo'`))
	require.Equal(t, 5, count(t, db, `SELECT count(*) FROM users u JOIN organizations o ON o.id = u.organization_id WHERE o.slug = 'demo'`))

	// Every replica's token works on its neighbour.
	for i, s := range servers {
		var who me
		servers[(i+1)%n].query(s.token(), `{ me { email role } }`, nil, &who)
		require.Equal(t, "admin@demo.frontdesk.test", who.Me.Email)
	}
}

// longTransactions describes the transactions on the shared server that
// have held a transaction id for over a second.
func longTransactions(t *testing.T) []string {
	t.Helper()
	conn := connect(t, dbtest.BaseURL())
	rows, err := conn.Query(context.Background(), `SELECT coalesce(datname, ''), pid, (now() - xact_start)::text, state, left(query, 60)
		FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND now() - xact_start > interval '1 second' ORDER BY xact_start`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var db, age, state, query string
		var pid int
		require.NoError(t, rows.Scan(&db, &pid, &age, &state, &query))
		out = append(out, fmt.Sprintf("  %s pid %d open %s (%s): %s", db, pid, age, state, query))
	}
	require.NoError(t, rows.Err())
	return out
}

// readPostmaster reads the pid and port of the server running in dataDir.
func readPostmaster(dataDir string) (pid, port int, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, 0, err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, 0, fmt.Errorf("postmaster.pid: %d lines", len(lines))
	}
	if pid, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil {
		return 0, 0, fmt.Errorf("postmaster.pid pid: %w", err)
	}
	if port, err = strconv.Atoi(strings.TrimSpace(lines[3])); err != nil {
		return 0, 0, fmt.Errorf("postmaster.pid port: %w", err)
	}
	return pid, port, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// listening reports whether something accepts TCP connections on port.
func listening(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
