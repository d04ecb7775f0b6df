package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"frontdesk/internal/app"
	"frontdesk/internal/clock"
	"frontdesk/internal/config"
)

// benchSecret signs the tokens of the servers loadgen runs.
const benchSecret = "loadgen-bench-secret-0123456789-abcdef"

// statsPath is served by loadgen's own servers (never by Frontdesk itself):
// query counts and, with ?gc=1 after a forced GC, the heap.
const statsPath = "/loadgen/stats"

// readyPrefix starts the line a `serve` child prints once it listens.
const readyPrefix = "LOADGEN_READY "

// target is a running Frontdesk and what a client needs to load it.
type target struct {
	URL        string `json:"url"`    // http://127.0.0.1:PORT/graphql
	WSURL      string `json:"ws_url"` // ws://127.0.0.1:PORT/graphql
	AgentToken string `json:"agent_token"`
	AdminToken string `json:"admin_token"`
	PublicKey  string `json:"public_key"`
	// StatsURL is loadgen's stats endpoint; empty for a foreign server.
	StatsURL string `json:"stats_url"`
	PID      int    `json:"pid"`
}

func logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// checkLoopbackURL refuses anything but 127.0.0.1 / localhost / ::1.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad url %q: %w", raw, err)
	}
	h := u.Hostname()
	if h == "localhost" {
		return nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("loadgen only targets 127.0.0.1, not %q", h)
}

// queryCounter is a bun query hook that counts every statement, and those
// run on behalf of an HTTP request (whose context carries a reqQueries).
type queryCounter struct {
	total atomic.Int64

	// traceLeft is how many more requests have their statements printed
	// to traceOut.
	traceLeft atomic.Int64
	traceOut  io.Writer
	// traceAll, while set, prints every statement (HTTP or not, River's
	// excepted as River does not use bun) to traceOut.
	traceAll atomic.Bool
	traceT0  atomic.Int64
	// requestLog, while set, is given each HTTP request's statements in
	// full, in order, when the request ends.
	requestLog atomic.Pointer[func(stmts []string)]

	mu       sync.Mutex
	requests int64
	queries  int64
	maxPer   int64
}

type reqQueriesKey struct{}

// reqQueries counts (and when traced, keeps) one request's statements.
type reqQueries struct {
	n     atomic.Int64
	trace bool
	began time.Time
	mu    sync.Mutex
	stmts []string
	// keep collects the statements in full into all.
	keep bool
	all  []string
}

// BeforeQuery implements bun.QueryHook.
func (c *queryCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	c.total.Add(1)
	if c.traceAll.Load() {
		q := strings.Join(strings.Fields(e.Query), " ")
		if len(q) > 300 {
			q = q[:300] + "..."
		}
		fmt.Fprintf(c.traceOut, "  +%s %s\n", time.Duration(time.Now().UnixNano()-c.traceT0.Load()).Round(time.Microsecond), q)
	}
	if rq, ok := ctx.Value(reqQueriesKey{}).(*reqQueries); ok {
		rq.n.Add(1)
		if rq.keep {
			rq.mu.Lock()
			rq.all = append(rq.all, e.Query)
			rq.mu.Unlock()
		}
		if rq.trace {
			q := strings.Join(strings.Fields(e.Query), " ")
			if len(q) > 300 {
				q = q[:300] + "..."
			}
			rq.mu.Lock()
			rq.stmts = append(rq.stmts, fmt.Sprintf("+%s %s", time.Since(rq.began).Round(time.Microsecond), q))
			rq.mu.Unlock()
		}
	}
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// counts is a snapshot of a queryCounter.
type counts struct {
	Total    int64 `json:"queries_total"`
	Requests int64 `json:"http_requests"`
	Queries  int64 `json:"http_queries"`
	MaxPer   int64 `json:"http_max_queries"`
}

func (c *queryCounter) snapshot() counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return counts{Total: c.total.Load(), Requests: c.requests, Queries: c.queries, MaxPer: c.maxPer}
}

// resetMax starts a new window for the per-request maximum.
func (c *queryCounter) resetMax() {
	c.mu.Lock()
	c.maxPer = 0
	c.mu.Unlock()
}

// middleware attributes queries to plain HTTP GraphQL requests and serves
// the stats endpoint.
func (c *queryCounter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == statsPath {
			serveStats(w, r, c)
			return
		}
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		log := c.requestLog.Load()
		rq := &reqQueries{keep: log != nil}
		if c.traceLeft.Load() > 0 && c.traceLeft.Add(-1) >= 0 {
			rq.trace = true
			rq.began = time.Now()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reqQueriesKey{}, rq)))
		if log != nil {
			rq.mu.Lock()
			(*log)(rq.all)
			rq.mu.Unlock()
		}
		q := rq.n.Load()
		if rq.trace {
			rq.mu.Lock()
			fmt.Fprintf(c.traceOut, "request with %d statements (%s):\n  %s\n", q, time.Since(rq.began).Round(time.Microsecond), strings.Join(rq.stmts, "\n  "))
			rq.mu.Unlock()
		}
		c.mu.Lock()
		c.requests++
		c.queries += q
		c.maxPer = max(c.maxPer, q)
		c.mu.Unlock()
	})
}

// procStats is what the stats endpoint reports about the server process.
type procStats struct {
	counts
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heap_inuse"`
	HeapSys    uint64 `json:"heap_sys"`
	StackInuse uint64 `json:"stack_inuse"`
	Sys        uint64 `json:"sys"`
	RSSKB      int64  `json:"rss_kb"`
}

func serveStats(w http.ResponseWriter, r *http.Request, c *queryCounter) {
	if host, _, _ := net.SplitHostPort(r.RemoteAddr); !net.ParseIP(host).IsLoopback() {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("gc") == "1" {
		runtime.GC()
		debug.FreeOSMemory()
	}
	// ?heap=FILE writes a heap profile there (inuse_space after the GC).
	if path := r.URL.Query().Get("heap"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			_ = f.Close()
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rss, _ := readRSSKB(os.Getpid())
	s := procStats{counts: c.snapshot(), Goroutines: runtime.NumGoroutine(), HeapInuse: m.HeapInuse, HeapSys: m.HeapSys,
		StackInuse: m.StackInuse, Sys: m.Sys, RSSKB: rss}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// readRSSKB reads VmRSS of a process, in KiB.
func readRSSKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", rest, err)
			}
			return kb, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// server is a Frontdesk app that loadgen runs in this process.
type server struct {
	App     *app.App
	Queries *queryCounter
	Target  target
	stop    func()
}

// serverOptions configures startServer.
type serverOptions struct {
	DatabaseURL string
	Addr        string
	Log         *slog.Logger
	// Configure, when set, adjusts the configuration before the app is
	// built: a local Graph API server, eager processing off.
	Configure func(*config.Config)
	// NoWorkers leaves River's workers stopped (the realtime hub still
	// runs): jobs are inserted with their messages and nothing works them.
	NoWorkers bool
}

// startServer runs the Frontdesk app in-process on a loopback listener, as
// server.go would, with a high rate limit and a query counter, and mints
// tokens for the seeded users.
func startServer(ctx context.Context, o serverOptions) (*server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	cfg := config.Default()
	cfg.DatabaseURL = o.DatabaseURL
	cfg.EmbeddedPostgres = false
	cfg.JWTSecret = benchSecret
	cfg.DataDir = os.TempDir()
	cfg.Addr = o.Addr
	cfg.RateLimit, cfg.RateBurst = 1e6, 1_000_000
	cfg.WSMaxPerUser = 1_000_000 // fanout and wsmem open thousands of sockets as one user
	cfg.ShutdownTimeout = 5 * time.Second
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkLoopbackURL("http://" + o.Addr); err != nil {
		return nil, err
	}
	a, err := app.Connect(ctx, cfg, o.Log)
	if err != nil {
		return nil, err
	}
	qc := &queryCounter{}
	a.DB.Bun.AddQueryHook(qc)
	if err := a.Build(ctx, clock.System{}); err != nil {
		a.Close()
		return nil, err
	}
	a.Handler = qc.middleware(a.Handler)
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		a.Close()
		return nil, err
	}
	start := a.Start
	if o.NoWorkers {
		start = a.Hub.Start
	}
	if err := start(ctx); err != nil {
		ln.Close()
		a.Close()
		return nil, err
	}
	serveCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Serve(serveCtx, ln) }()
	var once sync.Once
	s := &server{App: a, Queries: qc, stop: func() {
		once.Do(func() {
			cancel()
			<-done
			a.Close()
		})
	}}
	base := "http://" + ln.Addr().String()
	s.Target = target{URL: base + "/graphql", WSURL: "ws://" + ln.Addr().String() + "/graphql", PublicKey: benchPublicKey,
		StatsURL: base + statsPath, PID: os.Getpid()}
	if s.Target.AgentToken, _, err = a.Organizations.TokenFor(ctx, benchEmail("agent1")); err != nil {
		s.stop()
		return nil, fmt.Errorf("mint agent token (is the database seeded?): %w", err)
	}
	if s.Target.AdminToken, _, err = a.Organizations.TokenFor(ctx, benchEmail("admin")); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// Stop shuts the server down gracefully and closes the database.
func (s *server) Stop() { s.stop() }

// dbFlags are the flags of commands that may run their own server.
type dbFlags struct {
	DatabaseURL string
	Seed        seedOptions
	LogLevel    string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	d.registerURLAndLog(fs, DefaultDatabaseURL)
	d.Seed.flags(fs)
}

func (d *dbFlags) registerURLAndLog(fs *flag.FlagSet, defaultURL string) {
	fs.StringVar(&d.DatabaseURL, "database-url", defaultURL, "benchmark database (created and seeded when missing)")
	fs.StringVar(&d.LogLevel, "log-level", "warn", "server log level: debug, info, warn, error")
}

// ownDatabase registers the flags of a benchmark that grows its own
// database (defaultURL), whose seed is only the bench organisation (users,
// channels): the run makes its own conversations.
func ownDatabase(fs *flag.FlagSet, defaultURL string) *dbFlags {
	d := &dbFlags{Seed: seedOptions{Conversations: 10, Messages: 2}}
	d.registerURLAndLog(fs, defaultURL)
	return d
}

func (d *dbFlags) logger(w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(d.LogLevel)); err != nil {
		l = slog.LevelWarn
	}
	return logger(w, l)
}

// prepare seeds the database if needed.
func (d *dbFlags) prepare(ctx context.Context, stderr io.Writer) error {
	created, took, err := seed(ctx, d.DatabaseURL, d.Seed, d.logger(stderr))
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if created {
		fmt.Fprintf(stderr, "loadgen: seeded %d conversations in %s\n", d.Seed.Conversations, took.Round(time.Millisecond))
	}
	return nil
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dbFlags
	d.register(fs)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	memRate := fs.Int("memprofilerate", 0, "runtime.MemProfileRate for heap profiles (1 records every allocation); 0 keeps the default")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *memRate > 0 {
		runtime.MemProfileRate = *memRate
	}
	if err := d.prepare(ctx, stderr); err != nil {
		return err
	}
	s, err := startServer(ctx, serverOptions{DatabaseURL: d.DatabaseURL, Addr: *addr, Log: d.logger(stderr)})
	if err != nil {
		return err
	}
	defer s.Stop()
	b, _ := json.Marshal(s.Target)
	fmt.Fprintf(stdout, "Frontdesk (loadgen) is running.\n  GraphQL:   %s\n  WebSocket: %s\n  Web chat public key: %s\n  Agent token:\n%s\n  Admin token:\n%s\n%s%s\n",
		s.Target.URL, s.Target.WSURL, s.Target.PublicKey, s.Target.AgentToken, s.Target.AdminToken, readyPrefix, b)
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	return nil
}

// childCommand builds the command that runs loadgen with args; tests
// replace it to run the test binary instead.
var childCommand = func(ctx context.Context, args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.CommandContext(ctx, exe, args...), nil
}

// child is a `loadgen serve` process.
type child struct {
	cmd    *exec.Cmd
	Target target
	waited chan struct{}
}

// spawnServe starts `loadgen serve` as a child process and waits (at most
// a minute) for its ready line. The child dies with this process.
func spawnServe(ctx context.Context, d dbFlags, stderr io.Writer, extra ...string) (*child, error) {
	args := append([]string{"serve", "-database-url", d.DatabaseURL, "-log-level", d.LogLevel,
		"-conversations", fmt.Sprint(d.Seed.Conversations), "-messages", fmt.Sprint(d.Seed.Messages)}, extra...)
	cmd, err := childCommand(context.WithoutCancel(ctx), args...)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start serve child: %w", err)
	}
	c := &child{cmd: cmd, waited: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found {
				if rest, ok := strings.CutPrefix(line, readyPrefix); ok {
					found = true
					ready <- json.Unmarshal([]byte(rest), &c.Target)
				}
			}
		}
		if !found {
			ready <- errors.New("serve child exited before it was ready")
		}
	}()
	go func() { _ = cmd.Wait(); close(c.waited) }()
	select {
	case err = <-ready:
	case <-time.After(time.Minute):
		err = errors.New("serve child not ready within a minute")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.Target.PID = cmd.Process.Pid
	return c, nil
}

// Stop asks the child to shut down and kills it if it takes too long.
func (c *child) Stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.waited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.waited
	}
}

// fetchStats reads a loadgen server's stats endpoint.
func fetchStats(ctx context.Context, statsURL string, gc bool) (*procStats, error) {
	u := statsURL
	if gc {
		u += "?gc=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("stats: %s", res.Status)
	}
	var s procStats
	return &s, json.NewDecoder(res.Body).Decode(&s)
}

// targetFlags let a command aim at an already running server.
type targetFlags struct {
	URL, Token, PublicKey string
}

func (t *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.URL, "url", "", "GraphQL URL of a running server (http:// or ws://, 127.0.0.1); empty runs one")
	fs.StringVar(&t.Token, "token", "", "team member (agent) token for -url")
	fs.StringVar(&t.PublicKey, "public-key", benchPublicKey, "web chat public key for -url")
}

// external returns the target named by the flags.
func (t *targetFlags) external() (target, error) {
	if err := checkLoopbackURL(t.URL); err != nil {
		return target{}, err
	}
	if t.Token == "" {
		return target{}, errors.New("-url needs -token")
	}
	u := t.URL
	var h, w string
	switch {
	case strings.HasPrefix(u, "ws"):
		w, h = u, "http"+strings.TrimPrefix(u, "ws")
	default:
		h, w = u, "ws"+strings.TrimPrefix(u, "http")
	}
	return target{URL: h, WSURL: w, AgentToken: t.Token, AdminToken: t.Token, PublicKey: t.PublicKey}, nil
}

// cpuTime returns the user+system CPU time a process has used, from
// /proc/<pid>/stat (clock ticks of 10 ms).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may contain spaces; fields resume after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	var utime, stime int64
	if _, err := fmt.Sscan(f[11], &utime); err != nil {
		return 0, err
	}
	if _, err := fmt.Sscan(f[12], &stime); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// backendCPU sums the CPU time of the PostgreSQL backends connected to the
// database of dbURL (the server's pool), for a before/after difference.
func backendCPU(ctx context.Context, dbURL string) (map[int]time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	out := make(map[int]time.Duration, len(pids))
	for _, p := range pids {
		if d, err := cpuTime(int(p)); err == nil {
			out[int(p)] = d
		}
	}
	return out, nil
}

// cpuDelta is the CPU the backends used between two backendCPU calls
// (a backend that appeared in between counts from zero).
func cpuDelta(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, a := range after {
		d += a - before[pid]
	}
	return d
}
