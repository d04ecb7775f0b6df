package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"frontdesk/internal/apptest"
	"frontdesk/internal/auth"
	"frontdesk/internal/database"
	"frontdesk/internal/dbtest"
	"frontdesk/internal/organization"
	"frontdesk/jobs"
)

// testEnv is the environment one command runs with.
type testEnv map[string]string

func (e testEnv) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// newEnv is a development environment on a fresh database of its own,
// listening on a free port.
func newEnv(t *testing.T) testEnv {
	return testEnv{
		"DATABASE_URL":                dbtest.NewURL(t),
		"FRONTDESK_ADDR":              "127.0.0.1:0",
		"FRONTDESK_DATA_DIR":          t.TempDir(),
		"FRONTDESK_EMBEDDED_POSTGRES": "false",
		"FRONTDESK_PASSWORD_COST":     "4",
		"FRONTDESK_LOG_LEVEL":         "info",
	}
}

// production is e switched to production, with the secrets production requires.
func (e testEnv) production() testEnv {
	p := testEnv{}
	for k, v := range e {
		p[k] = v
	}
	p["FRONTDESK_ENV"] = "production"
	p["FRONTDESK_JWT_SECRET"] = apptest.Secret
	p["FRONTDESK_SECRET_KEY"] = strings.Repeat("ab", 32)
	return p
}

// runCmd runs one command to completion and returns its output.
func runCmd(t *testing.T, env testEnv, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, env.lookup, &out, &errOut)
	return out.String(), errOut.String(), err
}

// watchBuffer is an io.Writer safe for concurrent use that signals once
// its content contains want.
type watchBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func newWatchBuffer(want string) *watchBuffer {
	return &watchBuffer{want: want, seen: make(chan struct{})}
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.want != "" && strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// serveUntilRunning runs `serve` until it has printed its banner, then
// stops it and returns what it wrote.
func serveUntilRunning(t *testing.T, env testEnv) (stdout, stderr string) {
	t.Helper()
	out := newWatchBuffer("Frontdesk is running.")
	errOut := newWatchBuffer("")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env.lookup, out, errOut) }()
	select {
	case <-out.seen:
	case err := <-done:
		t.Fatalf("serve ended before it was running: %v\nstderr: %s", err, errOut.String())
	}
	cancel()
	require.NoError(t, <-done)
	return out.String(), errOut.String()
}

// demoOrgID is the demo organisation's id in the database at url, or uuid.Nil.
func demoOrgID(t *testing.T, url string) uuid.UUID {
	t.Helper()
	db := openDB(t, url)
	var ids []uuid.UUID
	require.NoError(t, db.Bun.NewSelect().Model((*organization.Organization)(nil)).Column("id").
		Where("slug = ?", organization.DemoSlug).Scan(context.Background(), &ids))
	if len(ids) == 0 {
		return uuid.Nil
	}
	return ids[0]
}

func openDB(t *testing.T, url string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url, 2)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

// Development still seeds the demo organisation and prints its admin token.
func TestDevelopmentServeSeedsDemo(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	out, _ := serveUntilRunning(t, env)
	require.Contains(t, out, "Demo admin token")
	require.Contains(t, out, organization.DemoPublicKey)
	require.NotEqual(t, uuid.Nil, demoOrgID(t, env["DATABASE_URL"]))
}

// Production on a fresh database creates no demo organisation and prints
// no token.
func TestProductionServeDoesNotSeed(t *testing.T) {
	t.Parallel()
	env := newEnv(t).production()
	out, logs := serveUntilRunning(t, env)
	require.Contains(t, out, "/graphql")
	require.NotContains(t, out, "token")
	require.NotContains(t, out, "eyJ", "a JWT was printed")
	require.NotContains(t, out, organization.DemoPublicKey)
	require.NotContains(t, logs, "eyJ", "a JWT was logged")
	require.Equal(t, uuid.Nil, demoOrgID(t, env["DATABASE_URL"]), "production created the demo organisation")
}

// A production start on a database that holds the demo organisation warns,
// naming it and the command that removes it.
func TestProductionServeWarnsAboutDemo(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	_, _, err := runCmd(t, env, "seed")
	require.NoError(t, err)
	out, logs := serveUntilRunning(t, env.production())
	require.NotContains(t, out, "eyJ", "a JWT was printed")
	var warning string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, "demo") {
			warning = line
		}
	}
	require.NotEmpty(t, warning, "no warning about the demo organisation in:\n%s", logs)
	require.Contains(t, warning, `"slug":"demo"`)
	require.Contains(t, warning, "frontdesk unseed -production")
}

// seed refuses in production unless told -production.
func TestProductionSeedNeedsFlag(t *testing.T) {
	t.Parallel()
	env := newEnv(t).production()
	_, _, err := runCmd(t, env, "seed")
	require.ErrorContains(t, err, "-production")
	require.Equal(t, uuid.Nil, demoOrgID(t, env["DATABASE_URL"]))

	out, _, err := runCmd(t, env, "seed", "-production")
	require.NoError(t, err)
	require.Contains(t, out, "demo organisation ready")
	require.NotEqual(t, uuid.Nil, demoOrgID(t, env["DATABASE_URL"]))
}

// unseed deletes the demo organisation with everything that belongs to it
// (conversations, messages, events, leads, River jobs...) and nothing of
// any other organisation; in production only when told -production.
func TestUnseedRemovesDemo(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	url := env["DATABASE_URL"]
	ctx := context.Background()

	// A development server gives the demo organisation and another one
	// some history: a lead conversation each, and a River job scheduled
	// for tomorrow.
	s := apptest.StartOn(t, url)
	_, err := s.App.SeedDemo(ctx)
	require.NoError(t, err)
	demo := demoOrgID(t, url)
	other := s.SignUp("Other")
	s.Say(s.StartWebChat(&apptest.Org{PublicKey: organization.DemoPublicKey}), "How much is targeting?")
	s.Say(s.StartWebChat(other), "How much is targeting?")
	s.WaitProcessed()
	otherID := uuid.MustParse(other.ID)
	for _, org := range []uuid.UUID{demo, otherID} {
		_, err := s.App.River.Insert(ctx, jobs.HandoffSLAArgs{OrganizationID: org, ConversationID: uuid.New(), HandedOffAt: time.Now()},
			&river.InsertOpts{ScheduledAt: time.Now().Add(24 * time.Hour)})
		require.NoError(t, err)
	}
	db := openDB(t, url)
	counts := func(org uuid.UUID) map[string]int {
		t.Helper()
		var tables []string
		require.NoError(t, db.Bun.NewSelect().Table("information_schema.columns").Column("table_name").
			Where("table_schema = 'public' AND column_name = 'organization_id'").Order("table_name").Scan(ctx, &tables))
		require.NotEmpty(t, tables)
		out := map[string]int{}
		for _, table := range tables {
			var n int
			require.NoError(t, db.Bun.QueryRowContext(ctx, "SELECT count(*) FROM ? WHERE organization_id = ?", bun.Ident(table), org).Scan(&n))
			out[table] = n
		}
		var n int
		require.NoError(t, db.Bun.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE args->>'organization_id' = ?", org.String()).Scan(&n))
		out["river_job"] = n
		require.NoError(t, db.Bun.QueryRowContext(ctx, "SELECT count(*) FROM organizations WHERE id = ?", org).Scan(&n))
		out["organizations"] = n
		return out
	}
	before := counts(demo)
	for _, table := range []string{"organizations", "users", "channel_accounts", "contacts", "conversations", "messages", "events", "leads", "lead_settings", "river_job"} {
		require.Positive(t, before[table], "the demo organisation has no rows in %s to remove", table)
	}
	otherBefore := counts(otherID)

	prod := env.production()
	_, _, err = runCmd(t, prod, "unseed")
	require.ErrorContains(t, err, "-production")
	require.Equal(t, before, counts(demo), "unseed without -production changed the database")

	out, _, err := runCmd(t, prod, "unseed", "-production")
	require.NoError(t, err)
	require.Contains(t, out, "removed")
	for table, n := range counts(demo) {
		require.Zero(t, n, "%s still holds %d rows of the demo organisation", table, n)
	}
	require.Equal(t, otherBefore, counts(otherID), "unseed touched another organisation")

	out, _, err = runCmd(t, env, "unseed")
	require.NoError(t, err)
	require.Contains(t, out, "no demo organisation")
}

// token names the problem when the e-mail is unknown or its user
// deactivated, instead of printing an SQL error.
func TestTokenUnknownUser(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	_, _, err := runCmd(t, env, "seed")
	require.NoError(t, err)

	out, _, err := runCmd(t, env, "token", "-email", "Admin@Demo.Frontdesk.Test")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(out, "eyJ"), "no token printed: %q", out)

	_, _, err = runCmd(t, env, "token", "-email", "nobody@example.test")
	require.EqualError(t, err, `no user with e-mail "nobody@example.test"`)

	agent := organization.DemoEmail(auth.RoleAgent)
	_, err = openDB(t, env["DATABASE_URL"]).Bun.NewUpdate().Table("users").Set("active = false").Where("email = ?", agent).Exec(context.Background())
	require.NoError(t, err)
	_, _, err = runCmd(t, env, "token", "-email", agent)
	require.EqualError(t, err, `user "`+agent+`" is deactivated`)
}
