// Package apptest runs a complete Frontdesk server (real PostgreSQL, real
// River, real hub) on its own database for one test, and drives it through
// GraphQL over HTTP and WebSocket like a frontend would.
//
// A test that fixes the time uses StartAt: River's workers and its
// scheduler do not run there (they go by the wall clock, and would run a
// timer the fixed clock set in the past at once), so jobs scheduled from
// the test's clock wait in river_job until the test works them (WorkJob);
// the jobs River would run as soon as they are inserted (the message
// path) are worked by WaitProcessed and WorkAvailable.
package apptest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/app"
	"frontdesk/internal/clock"
	"frontdesk/internal/config"
	"frontdesk/internal/dbtest"
	"frontdesk/jobs"
	"frontdesk/jobs/worker"
)

// Secret is the HS256 secret every test server signs with.
const Secret = "apptest-secret-apptest-secret-0123456789"

// Server is a running Frontdesk for one test.
type Server struct {
	T      testing.TB
	App    *app.App
	HTTP   *httptest.Server
	URL    string // .../graphql
	Config config.Config
	// workers work one job each, by kind, on a server started with
	// StartAt; nil when River's own workers run.
	workers map[string]workFunc
}

// Option changes the configuration before the server starts.
type Option func(*config.Config)

// Start runs a server on a fresh database; it stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return StartOn(t, dbtest.NewURL(t), opts...)
}

// StartOn runs a server on an existing database (several servers may share one).
func StartOn(t testing.TB, databaseURL string, opts ...Option) *Server {
	t.Helper()
	return start(t, databaseURL, clock.System{}, false, opts)
}

// StartAt runs a server on a fresh database whose pipeline and workers'
// checks read clk, the test's clock. River's workers and scheduler do not
// run: the test works the jobs scheduled from clk itself (WorkJob), at the
// time it sets clk to, and WaitProcessed works the inbound messages.
func StartAt(t testing.TB, clk clock.Clock, opts ...Option) *Server {
	t.Helper()
	return start(t, dbtest.NewURL(t), clk, true, opts)
}

func start(t testing.TB, databaseURL string, clk clock.Clock, manual bool, opts []Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.DatabaseURL = withPoolSize(t, databaseURL)
	cfg.EmbeddedPostgres = false
	cfg.JWTSecret = Secret
	cfg.DataDir = t.TempDir()
	cfg.RateLimit, cfg.RateBurst = 10_000, 10_000
	cfg.PasswordCost = 4 // the race detector makes real bcrypt costs take seconds
	// Tests never reach the real platforms: unless a test points them at
	// its own fake, their APIs answer 503 (retryable, so nothing fails for
	// good because of it).
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"ok":false,"error_code":503,"description":"no platform in tests"}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	cfg.MetaGraphURL, cfg.TelegramAPIURL = unavailable.URL, unavailable.URL
	for _, o := range opts {
		o(&cfg)
	}
	require.NoError(t, cfg.Validate())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Connect(ctx, cfg, log)
	require.NoError(t, err)
	require.NoError(t, a.Build(ctx, clk))
	if manual {
		require.NoError(t, a.StartHub(ctx))
	} else {
		require.NoError(t, a.Start(ctx))
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		_ = a.Endpoint.WS.Shutdown(context.Background())
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		a.StopWork(sctx)
		cancel()
		a.Close()
	})
	s := &Server{T: t, App: a, HTTP: srv, URL: srv.URL + "/graphql", Config: cfg}
	if manual {
		s.workers = jobWorkers(t, a)
	}
	return s
}

// workFunc works one job row in tx.
type workFunc func(ctx context.Context, tx *sql.Tx, row *rivertype.JobRow) (*rivertest.WorkResult, error)

// jobWorkers are the app's workers, each wrapped to work one job row.
func jobWorkers(t testing.TB, a *app.App) map[string]workFunc {
	w := map[string]workFunc{}
	addWorker(t, a, w, worker.NewProcessMessage(a.Pipeline))
	addWorker(t, a, w, worker.NewScenarioTimer(a.Pipeline))
	addWorker(t, a, w, worker.NewHandoffSLA(a.Conversations, a.Log))
	addWorker(t, a, w, worker.NewDeliverMessage(a.Delivery))
	addWorker(t, a, w, worker.NewAnswerCallback(a.Delivery))
	addWorker(t, a, w, worker.NewFetchMedia(a.Media))
	return w
}

// addWorker wraps w in a River test worker that works one job row.
func addWorker[T river.JobArgs](t testing.TB, a *app.App, to map[string]workFunc, w river.Worker[T]) {
	var args T
	tw := rivertest.NewWorker(t, riverdatabasesql.New(a.DB.SQL), &river.Config{}, w)
	to[args.Kind()] = func(ctx context.Context, tx *sql.Tx, row *rivertype.JobRow) (*rivertest.WorkResult, error) {
		return tw.WorkJob(ctx, t, tx, row)
	}
}

// WorkJob works job id through the app's worker for its kind, now,
// whatever its state or schedule, and returns the outcome (completed,
// snoozed, ...) with the row as it is afterwards. Only a server started
// with StartAt works jobs this way.
func (s *Server) WorkJob(id int64) *rivertest.WorkResult {
	s.T.Helper()
	require.NotNil(s.T, s.workers, "WorkJob needs a server started with StartAt; River works this one's jobs")
	ctx := context.Background()
	row, err := s.App.River.JobGet(ctx, id)
	require.NoError(s.T, err)
	work, ok := s.workers[row.Kind]
	require.True(s.T, ok, "no worker for job kind %q", row.Kind)
	tx, err := s.App.DB.SQL.BeginTx(ctx, nil)
	require.NoError(s.T, err)
	defer func() { _ = tx.Rollback() }()
	res, err := work(ctx, tx, row)
	require.NoError(s.T, err)
	require.NoError(s.T, tx.Commit())
	return res
}

// immediateKinds are the jobs River runs as soon as they are inserted:
// the message path. Timers and hand-off checks, scheduled by a clock, are
// not among them.
var immediateKinds = []string{jobs.ProcessMessageArgs{}.Kind(), jobs.DeliverMessageArgs{}.Kind(), jobs.AnswerCallbackArgs{}.Kind(), jobs.FetchMediaArgs{}.Kind()}

// WorkAvailable works, in insertion order, every job of the message path
// that River would run now, and returns how many it worked: available,
// retryable after a failure, or snoozed by an earlier run (ErrEarlierPending,
// a platform's retry-after) and due again by the wall, which is the clock
// those snoozes are set by. A job never run is left alone while it is
// scheduled: that is an eager run's fallback, and the eager run answers it.
// Timers and hand-off checks are never worked here: on a server started
// with StartAt nothing runs them but the test. On a server started with
// Start, River works them all and WorkAvailable does nothing.
func (s *Server) WorkAvailable() int {
	s.T.Helper()
	if s.workers == nil {
		return 0
	}
	rows, err := s.App.DB.SQL.Query(`SELECT id FROM river_job WHERE kind = ANY($1)
		AND (state IN ('available', 'retryable') OR (state = 'scheduled' AND attempted_at IS NOT NULL AND scheduled_at <= now()))
		ORDER BY id`, immediateKinds)
	require.NoError(s.T, err)
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(s.T, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(s.T, rows.Err())
	require.NoError(s.T, rows.Close())
	for _, id := range ids {
		s.WorkJob(id)
	}
	return len(ids)
}

// testPoolSize bounds each test server's connections: tests run side by
// side (packages and parallel tests, some with two servers), and all share
// one PostgreSQL whose max_connections is 100 by default.
const testPoolSize = 10

// withPoolSize sets pgx's pool_max_conns on databaseURL unless it is set.
func withPoolSize(t testing.TB, databaseURL string) string {
	u, err := url.Parse(databaseURL)
	require.NoError(t, err)
	q := u.Query()
	if !q.Has("pool_max_conns") {
		q.Set("pool_max_conns", strconv.Itoa(testPoolSize))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Codes lists the codes of every error.
func (r *Response) Codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	return out
}

// Decode unmarshals data into v, failing the test on errors in the response.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	require.Empty(t, r.Errors, "unexpected GraphQL errors")
	require.NoError(t, json.Unmarshal(r.Data, v))
}

// Do posts a GraphQL operation with an optional bearer token.
func (s *Server) Do(token, query string, vars map[string]any) *Response {
	s.T.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(s.T, err)
	req, err := http.NewRequest(http.MethodPost, s.URL, bytes.NewReader(body))
	require.NoError(s.T, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.T, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(s.T, err)
	out := &Response{Status: res.StatusCode}
	require.NoError(s.T, json.Unmarshal(raw, out), "body: %s", raw)
	return out
}

// MustDo is Do that fails the test on GraphQL errors and decodes data into v.
func (s *Server) MustDo(token, query string, vars map[string]any, v any) {
	s.T.Helper()
	r := s.Do(token, query, vars)
	require.Empty(s.T, r.Errors, "query %s", query)
	if v != nil {
		require.NoError(s.T, json.Unmarshal(r.Data, v))
	}
}

// Org is a signed-up organisation with its owner's token.
type Org struct {
	ID         string
	OwnerID    string
	OwnerToken string
	PublicKey  string
}

var orgSeq = func() *atomic.Int64 { var n atomic.Int64; n.Store(time.Now().UnixNano()); return &n }()

// SignUp creates an organisation and returns its owner's token and web chat key.
func (s *Server) SignUp(name string) *Org {
	s.T.Helper()
	seq := orgSeq.Add(1)
	var out struct {
		SignUp struct {
			Token        string
			User         struct{ ID string }
			Organization struct{ ID string }
		}
	}
	s.MustDo("", `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id role } organization { id } } }`,
		map[string]any{"i": map[string]any{"organizationName": name, "name": name + " Owner", "email": fmt.Sprintf("owner%d@%s.test", seq, strings.ToLower(strings.ReplaceAll(name, " ", ""))), "password": "password-123"}}, &out)
	var ch struct{ ChannelAccounts []struct{ PublicKey *string } }
	s.MustDo(out.SignUp.Token, `{ channelAccounts { publicKey } }`, nil, &ch)
	require.Len(s.T, ch.ChannelAccounts, 1)
	return &Org{ID: out.SignUp.Organization.ID, OwnerID: out.SignUp.User.ID, OwnerToken: out.SignUp.Token, PublicKey: *ch.ChannelAccounts[0].PublicKey}
}

// Invite adds a user with role to org and returns their id and token.
func (s *Server) Invite(org *Org, role string) (id, token string) {
	s.T.Helper()
	email := fmt.Sprintf("u%d@%s.test", orgSeq.Add(1), strings.ToLower(role))
	var out struct{ InviteUser struct{ ID string } }
	s.MustDo(org.OwnerToken, `mutation($i: InviteUserInput!) { inviteUser(input: $i) { id } }`,
		map[string]any{"i": map[string]any{"email": email, "name": "User " + role, "role": role, "password": "password-123"}}, &out)
	var login struct{ Login struct{ Token string } }
	s.MustDo("", `mutation($e: String!) { login(email: $e, password: "password-123") { token } }`, map[string]any{"e": email}, &login)
	return out.InviteUser.ID, login.Login.Token
}

// Visitor is a web chat visitor with their conversation.
type Visitor struct {
	Token          string
	ConversationID string
}

// StartWebChat opens a web chat conversation on org's widget.
func (s *Server) StartWebChat(org *Org) *Visitor {
	s.T.Helper()
	var out struct {
		StartWebChat struct {
			Token        string
			Conversation struct{ ID string }
		}
	}
	s.MustDo("", `mutation($k: String!) { startWebChat(publicKey: $k, visitorName: "Visitor") { token conversation { id } } }`,
		map[string]any{"k": org.PublicKey}, &out)
	return &Visitor{Token: out.StartWebChat.Token, ConversationID: out.StartWebChat.Conversation.ID}
}

// Say sends a visitor message and returns its id.
func (s *Server) Say(v *Visitor, text string) string {
	s.T.Helper()
	var out struct{ SendVisitorMessage struct{ ID string } }
	s.MustDo(v.Token, `mutation($c: ID!, $t: String!) { sendVisitorMessage(conversationId: $c, text: $t) { id } }`,
		map[string]any{"c": v.ConversationID, "t": text}, &out)
	return out.SendVisitorMessage.ID
}

// WS is a graphql-transport-ws client connection.
type WS struct {
	t    testing.TB
	Conn *websocket.Conn
}

// Dial opens a WebSocket and, when initPayload is not nil, sends
// connection_init and waits for the ack.
func (s *Server) Dial(ctx context.Context, initPayload map[string]any) *WS {
	s.T.Helper()
	u := "ws" + strings.TrimPrefix(s.URL, "http")
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(s.T, err)
	c.SetReadLimit(1 << 20)
	ws := &WS{t: s.T, Conn: c}
	s.T.Cleanup(func() { _ = c.CloseNow() })
	if initPayload != nil {
		ws.Send(ctx, map[string]any{"type": "connection_init", "payload": initPayload})
		msg := ws.Read(ctx)
		require.Equal(s.T, "connection_ack", msg["type"], "got %v", msg)
	}
	return ws
}

// Send writes one protocol message.
func (w *WS) Send(ctx context.Context, msg map[string]any) {
	w.t.Helper()
	b, err := json.Marshal(msg)
	require.NoError(w.t, err)
	require.NoError(w.t, w.Conn.Write(ctx, websocket.MessageText, b))
}

// Read reads the next protocol message, skipping pings.
func (w *WS) Read(ctx context.Context) map[string]any {
	w.t.Helper()
	for {
		_, b, err := w.Conn.Read(ctx)
		require.NoError(w.t, err)
		var msg map[string]any
		require.NoError(w.t, json.Unmarshal(b, &msg))
		if msg["type"] == "ping" {
			w.Send(ctx, map[string]any{"type": "pong"})
			continue
		}
		return msg
	}
}

// Subscribe starts a subscription with id.
func (w *WS) Subscribe(ctx context.Context, id, query string, vars map[string]any) {
	w.t.Helper()
	w.Send(ctx, map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
}

// Next reads the next `next` payload's data for any subscription.
func (w *WS) Next(ctx context.Context) (id string, data map[string]any) {
	w.t.Helper()
	msg := w.Read(ctx)
	require.Equal(w.t, "next", msg["type"], "got %v", msg)
	payload, _ := msg["payload"].(map[string]any)
	require.Empty(w.t, payload["errors"], "subscription errors: %v", payload["errors"])
	data, _ = payload["data"].(map[string]any)
	id, _ = msg["id"].(string)
	return id, data
}

// CloseStatus reads until the server closes and returns the close code.
func (w *WS) CloseStatus(ctx context.Context) websocket.StatusCode {
	for {
		_, _, err := w.Conn.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// WaitProcessed waits until the pipeline has finished every inbound message
// so far (no process_message job is left to run). The process that
// accepted a message answers it at once (eager) while its job waits as the
// fallback; on a server started with StartAt, WaitProcessed works the jobs
// handed back to River itself (WorkAvailable). It polls the job table with
// a deadline: the condition is in the database, with nothing to signal it.
func (s *Server) WaitProcessed() {
	s.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.WorkAvailable()
		var pending int
		err := s.App.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'process_message' AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&pending)
		require.NoError(s.T, err)
		if pending == 0 {
			var failed int
			require.NoError(s.T, s.App.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'process_message' AND state = 'discarded'`).Scan(&failed))
			require.Zero(s.T, failed, "a process_message job was discarded")
			return
		}
		require.True(s.T, time.Now().Before(deadline), "%d messages still being processed", pending)
		time.Sleep(10 * time.Millisecond)
	}
}

// NewWS wraps a connection the test dialled itself (with its own headers,
// say) in the harness's protocol helpers.
func NewWS(t testing.TB, c *websocket.Conn) *WS { return &WS{t: t, Conn: c} }
