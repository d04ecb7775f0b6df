package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/config"
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

// seededURL is a fresh database with the bench organisation.
func seededURL(t *testing.T) string {
	t.Helper()
	url := dbtest.NewURL(t)
	_, _, err := seed(t.Context(), url, seedOptions{Conversations: 2, Messages: 2}, logger(io.Discard, 0))
	require.NoError(t, err)
	return url
}

// ingestServer starts the ingest benchmark's server on a seeded database,
// with a minute for the test.
func ingestServer(t *testing.T) (context.Context, *server) {
	t.Helper()
	url := seededURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	s, err := startIngestServer(ctx, url, logger(io.Discard, 0), "available")
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return ctx, s
}

// TestIngestRuns runs the ingest benchmark briefly: signed webhooks are
// accepted closed-loop and open-loop with nothing processing them, and
// pgbench (when installed) runs the generated script on the same schema.
func TestIngestRuns(t *testing.T) {
	t.Parallel()
	ctx, s := ingestServer(t)
	pgbench, err := findPgbench("")
	if err != nil {
		t.Logf("no pgbench, the comparison is skipped: %v", err)
		pgbench = "none"
	}
	r, err := runIngest(ctx, s, ingestOptions{Duration: 500 * time.Millisecond, Concurrency: 4, Rate: 20, RepeatShare: 0.3, RepeatSenders: 5,
		MaxInFlight: 100, Pgbench: pgbench, Jobs: "available", noSettle: true})
	require.NoError(t, err)
	r.print(io.Discard)
	require.Equal(t, 0, r.get("saturation_errors"), "last error: %v", r.get("saturation_last_error"))
	require.Positive(t, r.get("saturation_accepted"))
	require.Equal(t, 0, r.get("open_errors"), "last error: %v", r.get("open_last_error"))
	require.Equal(t, 10, r.get("open_accepted"))
	var stored, events, unworked int
	require.NoError(t, s.App.DB.Pool.QueryRow(ctx, `SELECT count(*),
		count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id AND e.type = 'MESSAGE_RECEIVED')),
		count(*) FILTER (WHERE m.processed_at IS NULL)
		FROM messages m WHERE m.direction = 'IN' AND m.external_id LIKE 'wamid.%'`).Scan(&stored, &events, &unworked))
	require.Equal(t, stored, events, "every stored message has its event")
	require.Equal(t, stored, unworked, "nothing processed the messages")
	if pgbench != "none" {
		require.Positive(t, r.get("pgbench_tps"))
		require.Equal(t, 0, r.get("pgbench_failed"))
		var fromPgbench int
		require.NoError(t, s.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			JOIN events e ON e.message_id = m.id AND e.type = 'MESSAGE_RECEIVED'
			WHERE m.external_id LIKE 'wamid.HBgLcGdiZW5jaA%' AND c.channel_account_id IS NOT NULL`).Scan(&fromPgbench))
		require.Positive(t, fromPgbench, "pgbench's transactions store messages as the webhook does")
		require.Positive(t, r.get("pgbench_open_achieved_rate"), "pgbench ran open loop at the same rate")
		require.Positive(t, r.get("pgbench_open_p99_ms"))
	}
	var jobs int
	require.NoError(t, s.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'process_message'`).Scan(&jobs))
	require.Zero(t, jobs, "the unworked jobs are removed after the run")
}

func TestParseCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"8", []int{8}, true},
		{"4, 8,16", []int{4, 8, 16}, true},
		{"", nil, false},
		{"4,,8", nil, false},
		{"0", nil, false},
		{"-2", nil, false},
		{"eight", nil, false},
	} {
		got, err := parseCounts(tc.in)
		if !tc.ok {
			require.Error(t, err, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestPgbenchLatencies(t *testing.T) {
	t.Parallel()
	// Two threads' logs: client, transaction, latency µs, script, end
	// epoch s, end µs, schedule lag µs.
	logs := [][]byte{
		[]byte("0 1 250000 0 1700000000 100000 240000\n0 2 5000 0 1700000001 200000 10\n"),
		[]byte("1 1 7000 0 1700000001 50000 3\n1 2 9000 0 1700000002 0 0\n"),
	}
	for _, tc := range []struct {
		skip time.Duration
		want []time.Duration
	}{
		{0, []time.Duration{250 * time.Millisecond, 5 * time.Millisecond, 7 * time.Millisecond, 9 * time.Millisecond}},
		// Ended within a second of the first (at .1 s): the first and
		// the one at 1.05 s are left out.
		{time.Second, []time.Duration{5 * time.Millisecond, 9 * time.Millisecond}},
		{time.Hour, []time.Duration{}},
	} {
		got, err := pgbenchLatencies(logs, tc.skip)
		require.NoError(t, err)
		slices.Sort(got)
		slices.Sort(tc.want)
		require.Equal(t, tc.want, got, "skip %s", tc.skip)
	}
	_, err := pgbenchLatencies([][]byte{[]byte("0 1 x 0 1700000000 0\n")}, 0)
	require.ErrorContains(t, err, "pgbench log line")
}

// TestE2ERuns runs the end-to-end benchmark briefly: every customer's
// price question is answered at the fake Graph API.
func TestE2ERuns(t *testing.T) {
	t.Parallel()
	url := seededURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	graph := newFakeGraph()
	t.Cleanup(graph.Close)
	s, err := startServer(ctx, serverOptions{DatabaseURL: url, Log: logger(io.Discard, 0),
		Configure: func(c *config.Config) { c.MetaGraphURL = graph.URL }})
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	r, err := runE2E(ctx, s, graph, e2eOptions{Rate: 20, Duration: time.Second, Drain: 10 * time.Second, MaxInFlight: 100, Warmup: 1, noVacuum: true})
	require.NoError(t, err)
	r.print(io.Discard)
	require.Equal(t, 20, r.get("accepted"), "last error: %v", r.get("last_webhook_error"))
	require.Equal(t, 0, r.get("customers_missing_reply"))
	require.Equal(t, 0, r.get("handed_off"))
	require.EqualValues(t, 0, r.get("graph_rejected"), "last: %v", r.get("last_graph_reject"))
	require.GreaterOrEqual(t, r.get("replies_total"), 20)
	require.Contains(t, r.get("sample_turn"), "30", "a price question is answered with the price list")

	// The floor phase: pgbench's customers must leave the rows the app's
	// left, or its throughput is not the app's floor.
	pgbench, err := findPgbench("")
	if err != nil {
		t.Logf("no pgbench, the floor is not checked: %v", err)
		return
	}
	s.Stop()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(context.WithoutCancel(ctx))
	var appConv string
	require.NoError(t, conn.QueryRow(ctx, `SELECT conversation_id::text FROM messages WHERE direction = 'OUT' AND external_id NOT LIKE $1 || '%' ORDER BY id DESC LIMIT 1`, floorWAMIDPrefix).Scan(&appConv))
	app := customerRows(t, conn, appConv)
	require.Contains(t, app, "messages OUT/BOT/SENT 2", "the app's customer was answered with two replies")
	for _, writesOnly := range []bool{false, true} {
		f, err := runFloor(ctx, pgbench, url, []int{1, 2}, time.Second, writesOnly)
		require.NoError(t, err)
		require.Len(t, f.runs, 2)
		for _, run := range f.runs {
			require.Positive(t, run.pgbench.TPS, "-c %d", run.clients)
			require.Zero(t, run.pgbench.Failed, "-c %d", run.clients)
		}
		var floorConv string
		require.NoError(t, conn.QueryRow(ctx, `SELECT conversation_id::text FROM messages WHERE direction = 'OUT' AND external_id LIKE $1 || '%' ORDER BY id DESC LIMIT 1`, floorWAMIDPrefix).Scan(&floorConv))
		require.Equal(t, app, customerRows(t, conn, floorConv), "one floor script run (writes only: %t) must write what one answered customer writes", writesOnly)
		var waiting int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('scheduled', 'retryable', 'available')`).Scan(&waiting))
		require.Zero(t, waiting, "no job of the floor's is left to fire")
	}
	require.NotContains(t, floorScript(floorScriptParams{OrgID: "o", AccountID: "a", WritesOnly: true}), "\nSELECT ", "writes only: no SELECT left")
}

// customerRows summarises what one customer's conversation holds: rows
// counted by table and by the columns a customer's path sets.
func customerRows(t *testing.T, conn *pgx.Conn, conversationID string) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `
		SELECT 'messages ' || direction || '/' || author || '/' || delivery_status || ' ' || count(*) FILTER (WHERE external_id IS NOT NULL AND (direction = 'OUT') = (processed_at IS NULL))
			FROM messages WHERE conversation_id = $1 GROUP BY direction, author, delivery_status
		UNION ALL SELECT 'events ' || type || '/' || private || ' ' || count(*) FROM events WHERE conversation_id = $1 GROUP BY type, private
		UNION ALL SELECT 'lead ' || status || '/' || channel FROM leads WHERE conversation_id = $1
		UNION ALL SELECT 'run ' || scenario || '/' || state || '/' || version || '/' || (outcome IS NULL) FROM scenario_runs WHERE conversation_id = $1
		UNION ALL SELECT 'delivery ' || (d.claimed_at IS NULL) || '/' || d.attempts || '/' || cardinality(d.platform_ids) || '/' || (d.error_reason IS NULL)
			FROM message_deliveries d JOIN messages m ON m.id = d.message_id WHERE m.conversation_id = $1
		UNION ALL SELECT 'contact ' || count(*) FROM contact_identities ci JOIN conversations c ON c.contact_id = ci.contact_id WHERE c.id = $1
		ORDER BY 1`, conversationID)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return got
}

// TestIngestScriptMatchesApp keeps the pgbench script honest: the bun
// statements one webhook makes (a new customer's, then a returning one's)
// must be the script's, in order, once values are taken out. River's own
// statements are not bun's and are not compared.
func TestIngestScriptMatchesApp(t *testing.T) {
	t.Parallel()
	ctx, s := ingestServer(t)
	accountID, webhookURL, err := connectWhatsApp(ctx, s)
	require.NoError(t, err)
	var orgID string
	require.NoError(t, s.App.DB.Pool.QueryRow(ctx, `SELECT organization_id::text FROM channel_accounts WHERE id = $1`, accountID).Scan(&orgID))

	wh := newWAWebhook(webhookURL)
	client := newHTTPClient(10 * time.Second)
	send := func(m waText) []string {
		var got []string
		log := func(stmts []string) { got = append([]string(nil), stmts...) }
		s.Queries.requestLog.Store(&log)
		defer s.Queries.requestLog.Store(nil)
		require.NoError(t, wh.post(ctx, client, m))
		return got
	}
	sender := repeatSenderWaID(0)
	asNew := send(waText{WaID: sender, Name: "Анна", WAMID: wh.wamid("T", 1), Text: "Сколько стоит таргет?"})
	asRepeat := send(waText{WaID: sender, Name: "Анна", WAMID: wh.wamid("T", 2), Text: "How much is targeting?"})

	script := ingestScript(ingestScriptParams{OrgID: orgID, AccountID: accountID, RepeatShare: 0.5, RepeatSenders: 1, NotifyShare: 1})
	wantNew, wantRepeat := scriptPaths(t, script)
	require.Equal(t, wantNew, inTransaction(normalizeAll(asNew)), "a new customer's statements differ from the pgbench script's")
	require.Equal(t, wantRepeat, inTransaction(normalizeAll(asRepeat)), "a returning customer's statements differ from the pgbench script's")
}

// inTransaction keeps the message's transaction, dropping what the handler
// runs around it at most once a second, which the script leaves out: the
// account's read before it (cached) and its last inbound time after it.
func inTransaction(stmts []string) []string {
	if i := slices.Index(stmts, "BEGIN"); i >= 0 {
		stmts = stmts[i:]
	}
	if i := slices.Index(stmts, "COMMIT"); i >= 0 {
		stmts = stmts[:i+1]
	}
	return stmts
}

// scriptPaths splits an ingest script into the statements of its new
// customer and returning customer paths, normalised, River's left out.
func scriptPaths(t *testing.T, script string) (newPath, repeatPath []string) {
	t.Helper()
	branch := "" // "", "repeat" or "new"
	for line := range strings.SplitSeq(script, "\n") {
		switch {
		case strings.HasPrefix(line, `\if :r`):
			branch = "repeat"
			continue
		case line == `\else`:
			branch = "new"
			continue
		case line == `\endif`:
			branch = ""
			continue
		case line == "" || strings.HasPrefix(line, "--") || strings.HasPrefix(line, `\`),
			strings.HasPrefix(line, "WITH raw_job_data") || strings.HasPrefix(line, "WITH topic_to_notify"):
			continue
		}
		n := normalizeSQL(line)
		if line == "END;" {
			n = "COMMIT"
		}
		if branch != "new" {
			repeatPath = append(repeatPath, n)
		}
		if branch != "repeat" {
			newPath = append(newPath, n)
		}
	}
	require.NotEmpty(t, newPath)
	return newPath, repeatPath
}

var (
	sqlLiteral = regexp.MustCompile(`'(?:[^']|'')*'`)
	sqlConcat  = regexp.MustCompile(`\? \|\| (?:lpad\(\?, 7, \?\)|\?)`)
)

// normalizeSQL takes the values out of a statement: string literals and
// the script's server-made ids become ?, RETURNING clauses (the script
// returns ids for \gset) and \gset go.
func normalizeSQL(q string) string {
	q = strings.ReplaceAll(q, uuidV7SQL, "?")
	if i := strings.Index(q, `\gset`); i >= 0 {
		q = q[:i]
	}
	if i := strings.Index(q, " RETURNING "); i >= 0 {
		q = q[:i]
	}
	q = sqlLiteral.ReplaceAllString(q, "?")
	for {
		r := sqlConcat.ReplaceAllString(q, "?")
		if r == q {
			break
		}
		q = r
	}
	return strings.TrimSuffix(strings.Join(strings.Fields(q), " "), ";")
}

func normalizeAll(qs []string) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = normalizeSQL(q)
	}
	return out
}
