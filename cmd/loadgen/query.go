package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"sync"
	"time"
)

// inboxQuery is the team inbox's first page.
const inboxQuery = `{ conversations(first: %d) { edges { node { id status unreadCount contact { id name } lastMessage { id text createdAt } } } pageInfo { hasNextPage endCursor } } }`

// queryOptions configures the open-loop query benchmark.
type queryOptions struct {
	Rate        float64
	Duration    time.Duration
	Warmup      time.Duration
	First       int
	MaxInFlight int
	Timeout     time.Duration
	ShowSQL     int
	CPUProfile  string
	// DatabaseURL, when loadgen runs the server, lets it read the CPU time
	// of the server's PostgreSQL backends.
	DatabaseURL string
}

func (o *queryOptions) register(fs *flag.FlagSet) {
	fs.Float64Var(&o.Rate, "rate", 300, "requests per second, sent on schedule whatever the responses")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "measured duration")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured warm-up at the same rate")
	fs.IntVar(&o.First, "first", 50, "page size")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", 5000, "requests outstanding at once; beyond it a send counts as an error")
	fs.DurationVar(&o.Timeout, "request-timeout", 10*time.Second, "per-request timeout")
	fs.IntVar(&o.ShowSQL, "show-sql", 0, "print the SQL of this many measured requests (in-process server only)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured run (client and in-process server) to this file")
}

func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		d  dbFlags
		tf targetFlags
		o  queryOptions
	)
	d.register(fs)
	tf.register(fs)
	o.register(fs)
	childServer := fs.Bool("child", false, "run the server as a child process instead of in-process (client and server then do not share a heap or GC)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Warmup+o.Duration+2*time.Minute)
	defer cancel()
	var (
		t  target
		qc *queryCounter
	)
	if tf.URL != "" {
		var err error
		if t, err = tf.external(); err != nil {
			return err
		}
	} else if *childServer {
		if err := d.prepare(ctx, stderr); err != nil {
			return err
		}
		c, err := spawnServe(ctx, d, stderr)
		if err != nil {
			return err
		}
		defer c.Stop()
		t = c.Target
	} else {
		if err := d.prepare(ctx, stderr); err != nil {
			return err
		}
		s, err := startServer(ctx, serverOptions{DatabaseURL: d.DatabaseURL, Log: d.logger(stderr)})
		if err != nil {
			return err
		}
		defer s.Stop()
		t, qc = s.Target, s.Queries
		qc.traceOut = stderr
	}
	if tf.URL == "" {
		o.DatabaseURL = d.DatabaseURL
	}
	r, err := runQuery(ctx, t, o, qc)
	if err != nil {
		return err
	}
	r.print(stdout)
	return nil
}

// newHTTPClient keeps enough idle connections for an open-loop load, so
// requests reuse connections instead of dialling.
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: 10_000, MaxIdleConnsPerHost: 10_000, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
}

// graphqlResponse is the part of a response loadgen checks.
type graphqlResponse struct {
	Data   json.RawMessage   `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// post sends one GraphQL operation and decodes the response into out
// (when not nil); GraphQL errors are returned as an error.
func post(ctx context.Context, c *http.Client, url, token, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	return postRaw(ctx, c, url, token, body, out)
}

func postRaw(ctx context.Context, c *http.Client, url, token string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", res.StatusCode, raw)
	}
	var r graphqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("graphql errors: %.300s", r.Errors[0])
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// inboxPage is the part of the inbox response that is checked.
type inboxPage struct {
	Conversations struct {
		Edges []struct {
			Node struct {
				ID string `json:"id"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"conversations"`
}

// sample is one scheduled request's outcome.
type sample struct {
	latency time.Duration
	done    time.Time
	err     error
}

// openLoop calls fn at rate per second for d, each call in its own
// goroutine at its scheduled time whatever earlier calls are doing, and
// measures each from its scheduled time (so a stalled server is charged
// for the requests it kept waiting: no coordinated omission). It returns
// the samples, in schedule order, and the schedule's start.
func openLoop(ctx context.Context, rate float64, d time.Duration, maxInFlight int, fn func(ctx context.Context, i int) error) ([]sample, time.Time) {
	n := int(rate * d.Seconds())
	samples := make([]sample, n)
	interval := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	start := time.Now().Add(5 * time.Millisecond)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			for j := i; j < n; j++ {
				samples[j] = sample{err: ctx.Err()}
			}
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			samples[i] = sample{err: errors.New("too many requests in flight"), done: time.Now()}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := fn(ctx, i)
			now := time.Now()
			samples[i] = sample{latency: now.Sub(at), done: now, err: err}
			<-sem
		}()
	}
	wg.Wait()
	return samples, start
}

// runQuery runs the inbox query open-loop and reports latency, throughput
// and, when qc is set (in-process server), SQL statements per request.
func runQuery(ctx context.Context, t target, o queryOptions, qc *queryCounter) (*result, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return nil, errors.New("query: -rate and -duration must be positive")
	}
	client := newHTTPClient(o.Timeout)
	body, _ := json.Marshal(map[string]any{"query": fmt.Sprintf(inboxQuery, o.First)})
	call := func(ctx context.Context, _ int) error {
		var page inboxPage
		if err := postRaw(ctx, client, t.URL, t.AgentToken, body, &page); err != nil {
			return err
		}
		if o.First > 0 && len(page.Conversations.Edges) == 0 {
			return errors.New("empty inbox page")
		}
		return nil
	}
	if err := call(ctx, -1); err != nil {
		return nil, fmt.Errorf("first query failed: %w", err)
	}
	if o.Warmup > 0 {
		openLoop(ctx, o.Rate, o.Warmup, o.MaxInFlight, call)
	}
	var before counts
	counted := qc != nil
	if qc != nil {
		qc.resetMax()
		before = qc.snapshot()
		qc.traceLeft.Store(int64(o.ShowSQL))
	} else if t.StatsURL != "" {
		if st, err := fetchStats(ctx, t.StatsURL, false); err == nil {
			before, counted = st.counts, true
		}
	}
	var (
		pgBefore  map[int]time.Duration
		cpuBefore time.Duration
	)
	if o.DatabaseURL != "" {
		pgBefore, _ = backendCPU(ctx, o.DatabaseURL)
	}
	if t.PID != 0 {
		cpuBefore, _ = cpuTime(t.PID)
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	samples, start := openLoop(ctx, o.Rate, o.Duration, o.MaxInFlight, call)
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	var pgCPU, serverCPU time.Duration
	if pgBefore != nil {
		if after, err := backendCPU(ctx, o.DatabaseURL); err == nil {
			pgCPU = cpuDelta(pgBefore, after)
		}
	}
	if t.PID != 0 {
		if after, err := cpuTime(t.PID); err == nil {
			serverCPU = after - cpuBefore
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var (
		lat     []time.Duration
		errs    int
		lastErr error
		last    time.Time
	)
	for _, s := range samples {
		if s.done.After(last) {
			last = s.done
		}
		if s.err != nil {
			errs++
			lastErr = s.err
			continue
		}
		lat = append(lat, s.latency)
	}
	all := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		all = append(all, s.latency)
	}
	sum := summarize(lat)
	allSum := summarize(all)
	elapsed := last.Sub(start)
	r := &result{Bench: "query"}
	r.add("target_rps", o.Rate, "req/s")
	r.add("duration_s", o.Duration.Seconds(), "s")
	r.add("requests", len(samples), "")
	r.add("ok", sum.N, "")
	r.add("errors", errs, "")
	r.add("achieved_rps", round(float64(sum.N)/elapsed.Seconds(), 1), "req/s")
	r.addLatency("", sum)
	if n := len(samples); n > 0 && t.PID != 0 {
		what := "ms (server process)"
		if t.PID == os.Getpid() {
			what = "ms (this process: server and client)"
		}
		r.add("go_cpu_ms_per_request", ms(serverCPU/time.Duration(n)), what)
	}
	if n := len(samples); n > 0 && pgCPU > 0 {
		r.add("pg_cpu_ms_per_request", ms(pgCPU/time.Duration(n)), "ms (server's PostgreSQL backends)")
	}
	if errs > 0 {
		r.add("p99_incl_errors_ms", ms(allSum.P99), "ms (failed requests at their time of failure)")
	}
	if lastErr != nil {
		r.add("last_error", lastErr.Error(), "")
	}
	var after counts
	if qc != nil {
		after = qc.snapshot()
	} else if counted {
		st, err := fetchStats(ctx, t.StatsURL, false)
		if err != nil {
			return nil, err
		}
		after = st.counts
		after.MaxPer = -1 // not windowed for a child: omitted
	}
	if counted {
		reqs := after.Requests - before.Requests
		if reqs > 0 {
			r.add("queries_per_request", round(float64(after.Queries-before.Queries)/float64(reqs), 3), "")
			if after.MaxPer >= 0 {
				r.add("max_queries_per_request", after.MaxPer, "")
			}
			r.add("all_queries_per_request", round(float64(after.Total-before.Total)/float64(reqs), 3), "(incl. background)")
		}
		r.check("<= 4 queries per request", reqs > 0 && float64(after.Queries-before.Queries)/float64(reqs) <= 4)
	}
	r.check("p99 <= 25ms", sum.N > 0 && sum.P99 <= 25*time.Millisecond)
	r.check("no errors", errs == 0)
	return r, nil
}
