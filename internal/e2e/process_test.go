package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/database"
	"frontdesk/internal/dbtest"
)

// binary is the frontdesk executable TestMain builds for this run.
var binary string

// jwtSecret is shared by every process of a test, so a token printed by
// one process works on the others.
const jwtSecret = "e2e-secret-e2e-secret-e2e-secret-0123456789"

// shutdownTimeout is the servers' graceful shutdown budget
// (FRONTDESK_SHUTDOWN_TIMEOUT); exitWait is how long a test waits after
// SIGTERM before calling the shutdown a failure.
const (
	shutdownTimeout = 10 * time.Second
	exitWait        = shutdownTimeout + 10*time.Second
)

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "frontdesk-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binary = filepath.Join(dir, "frontdesk")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build frontdesk: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot is the directory of the frontdesk module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the frontdesk module")
	}
	return filepath.Dir(gomod), nil
}

// settings are the environment variables a test process gets on top of
// the runner's own (minus any FRONTDESK_* and DATABASE_URL it has).
type settings map[string]string

// baseSettings points a process at databaseURL on the shared server, with
// the shared secret, quiet logs and no private-cluster fallback (so a
// broken shared server fails the test instead of being papered over).
func baseSettings(t *testing.T, databaseURL string) settings {
	return settings{
		"DATABASE_URL":                databaseURL,
		"FRONTDESK_JWT_SECRET":        jwtSecret,
		"FRONTDESK_DATA_DIR":          t.TempDir(),
		"FRONTDESK_LOG_LEVEL":         "warn",
		"FRONTDESK_EMBEDDED_POSTGRES": "false",
		"FRONTDESK_SHUTDOWN_TIMEOUT":  shutdownTimeout.String(),
		// The demo seed hashes five passwords; the default cost makes that
		// take seconds, most of a process's start-up.
		"FRONTDESK_PASSWORD_COST": "4",
	}
}

func (s settings) with(kv ...string) settings {
	out := maps.Clone(s)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// environ is the runner's environment without Frontdesk's variables, plus s.
func (s settings) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "FRONTDESK_") || k == "DATABASE_URL" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range s {
		env = append(env, k+"="+v)
	}
	return env
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one `frontdesk` (serve) process.
type server struct {
	t       *testing.T
	name    string
	addr    string
	cmd     *exec.Cmd
	started time.Time
	stdout  lockedBuffer
	stderr  lockedBuffer

	exited  chan struct{}
	waitErr error // valid once exited is closed

	mu      sync.Mutex
	stopped bool
}

// startServer runs the binary with no arguments (as `go run .` does) on a
// free port. The test's cleanup sends SIGTERM and fails the test unless
// the process exits 0 within exitWait; the output is logged on failure.
func startServer(t *testing.T, name string, s settings) *server {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	p := &server{t: t, name: name, addr: addr, exited: make(chan struct{})}
	p.cmd = exec.Command(binary)
	p.cmd.Env = s.with("FRONTDESK_ADDR", addr).environ()
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.started = time.Now()
	require.NoError(t, p.cmd.Start(), "start %s", name)
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.stop)
	return p
}

// stop sends SIGTERM and checks for a graceful exit (status 0). It runs at
// most once; the test may call it early to look at what shutdown did.
func (p *server) stop() {
	t := p.t
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	{
		select {
		case <-p.exited:
			t.Errorf("%s exited before the test stopped it: %v", p.name, p.waitErr)
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			begin := time.Now()
			select {
			case <-p.exited:
				if p.waitErr != nil {
					t.Errorf("%s: after SIGTERM: %v (want exit status 0)", p.name, p.waitErr)
				} else {
					t.Logf("%s: graceful shutdown in %v", p.name, time.Since(begin).Round(time.Millisecond))
				}
			case <-time.After(exitWait):
				_ = p.cmd.Process.Kill()
				<-p.exited
				t.Errorf("%s: still running %v after SIGTERM; killed", p.name, exitWait)
			}
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", p.name, p.stdout.String(), p.name, p.stderr.String())
		}
	}
}

// kill ends the process with SIGKILL, as a crash would: no shutdown code
// runs, its connections drop and PostgreSQL rolls back its open
// transactions. The cleanup's graceful-stop check is skipped for it; its
// output is still logged if the test fails.
func (p *server) kill() {
	t := p.t
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	select {
	case <-p.exited:
		t.Errorf("%s exited before the test killed it: %v", p.name, p.waitErr)
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s (killed) stdout:\n%s\n%s stderr:\n%s", p.name, p.stdout.String(), p.name, p.stderr.String())
		}
	})
}

// waitReady polls /readyz until it answers 200 and returns how long that
// took since the process started.
func (p *server) waitReady(limit time.Duration) time.Duration {
	p.t.Helper()
	d, err := p.readyWithin(limit)
	require.NoError(p.t, err)
	return d
}

// readyWithin is waitReady for use off the test goroutine: it reports
// failure as an error.
func (p *server) readyWithin(limit time.Duration) (time.Duration, error) {
	deadline := p.started.Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%s exited before it was ready: %v", p.name, p.waitErr)
		default:
		}
		res, err := client.Get("http://" + p.addr + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(p.started), nil
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		time.Sleep(25 * time.Millisecond) // another process: /readyz is its signal, polled with a deadline
	}
	return 0, fmt.Errorf("%s: /readyz not 200 within %v (last: %s)", p.name, limit, last)
}

// token returns the demo admin token the process printed at start-up: the
// line after "Demo admin token".
func (p *server) token() string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		lines := strings.Split(p.stdout.String(), "\n")
		for i, l := range lines {
			// The token line is complete once a newline follows it.
			if strings.Contains(l, "Demo admin token") && i+2 < len(lines) {
				if tok := strings.TrimSpace(lines[i+1]); tok != "" {
					return tok
				}
			}
		}
		time.Sleep(20 * time.Millisecond) // the child's output, polled with a deadline
	}
	p.t.Fatalf("%s printed no demo admin token; stdout:\n%s", p.name, p.stdout.String())
	return ""
}

// gqlResponse is a GraphQL response over HTTP.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// query posts a GraphQL operation to the process, fails the test on any
// error, and decodes data into out (when not nil).
func (p *server) query(token, query string, vars map[string]any, out any) {
	p.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(p.t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+p.addr+"/graphql", bytes.NewReader(body))
	require.NoError(p.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(p.t, err, "%s: POST /graphql", p.name)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(p.t, err)
	require.Equal(p.t, http.StatusOK, res.StatusCode, "%s: %s", p.name, raw)
	var r gqlResponse
	require.NoError(p.t, json.Unmarshal(raw, &r), "%s: %s", p.name, raw)
	require.Empty(p.t, r.Errors, "%s: %s", p.name, raw)
	if out != nil {
		require.NoError(p.t, json.Unmarshal(r.Data, out))
	}
}

// me is the signed-in user as `{ me { email role } }` returns it.
type me struct {
	Me struct {
		Email string
		Role  string
	}
}

// result is how a one-shot command ended.
type result struct {
	stdout, stderr string
	code           int
}

// runCommand runs the binary with args to completion (30 s at most).
func runCommand(t *testing.T, s settings, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = s.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("frontdesk %s: %v", strings.Join(args, " "), err)
	}
	require.NoError(t, ctx.Err(), "frontdesk %s timed out", strings.Join(args, " "))
	return r
}

// mustRun runs a command that must exit 0 and returns its stdout.
func mustRun(t *testing.T, s settings, args ...string) string {
	t.Helper()
	r := runCommand(t, s, args...)
	require.Zero(t, r.code, "frontdesk %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r.stdout
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newDatabase names a database on the shared server that does not exist
// yet (the processes create it) and drops it when the test ends, after the
// processes have stopped (cleanups run last-registered first).
func newDatabase(t *testing.T) (name, url string) {
	t.Helper()
	name = fmt.Sprintf("fde2e_%d_%s", os.Getpid(), strings.ToLower(rand.Text()[:10]))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbtest.BaseURL())
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	url, err := database.WithDatabase(dbtest.BaseURL(), name)
	require.NoError(t, err)
	return name, url
}

// databaseExists reports whether the shared server has a database name.
func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	conn := connect(t, dbtest.BaseURL())
	var ok bool
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok))
	return ok
}

// connect opens a connection for the test's own checks.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// count runs a query returning one integer.
func count(t *testing.T, conn *pgx.Conn, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), query, args...).Scan(&n), query)
	return n
}

// wsClient is a graphql-transport-ws connection whose messages a
// goroutine reads into a channel, so the test can wait with a timeout
// (cancelling a coder/websocket Read would close the connection).
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan map[string]any
	// readErr is why reading stopped; valid once msgs is closed.
	readErr error
}

// dialWS connects to p's /graphql WebSocket and authenticates with token.
func dialWS(t *testing.T, p *server, token string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+p.addr+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err, "dial %s", p.name)
	t.Cleanup(func() { _ = conn.CloseNow() })
	require.Equal(t, "graphql-transport-ws", conn.Subprotocol())
	c := &wsClient{t: t, conn: conn, msgs: make(chan map[string]any, 64)}
	go c.readLoop()
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}})
	msg := c.next(10 * time.Second)
	require.Equal(t, "connection_ack", msg["type"], "got %v", msg)
	return c
}

func (c *wsClient) readLoop() {
	defer close(c.msgs)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.readErr = err
			return
		}
		var msg map[string]any
		if json.Unmarshal(b, &msg) != nil {
			continue
		}
		if msg["type"] == "ping" {
			// Writes may run concurrently with the test's own.
			_ = c.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
			continue
		}
		c.msgs <- msg
	}
}

func (c *wsClient) send(msg map[string]any) {
	c.t.Helper()
	b, err := json.Marshal(msg)
	require.NoError(c.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(c.t, c.conn.Write(ctx, websocket.MessageText, b))
}

// closed waits up to limit for the server to end the connection and
// returns its close status (-1 if it dropped without a close frame).
func (c *wsClient) closed(limit time.Duration) websocket.StatusCode {
	c.t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return websocket.CloseStatus(c.readErr)
			}
		case <-deadline:
			c.t.Fatalf("WebSocket still open %v later", limit)
		}
	}
}

// next returns the next message, failing the test after limit or when the
// connection closes.
func (c *wsClient) next(limit time.Duration) map[string]any {
	c.t.Helper()
	msg, ok := c.poll(limit)
	require.True(c.t, ok, "no WebSocket message within %v", limit)
	return msg
}

// poll returns the next message, or false after limit; it fails the test
// when the connection closes.
func (c *wsClient) poll(limit time.Duration) (map[string]any, bool) {
	c.t.Helper()
	select {
	case msg, ok := <-c.msgs:
		require.True(c.t, ok, "WebSocket closed")
		return msg, true
	case <-time.After(limit):
		return nil, false
	}
}
