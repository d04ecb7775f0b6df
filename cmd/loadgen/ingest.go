package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"frontdesk/internal/config"
	"frontdesk/jobs"
)

// DefaultIngestDatabaseURL is the ingest benchmark's own database: it
// stores tens of thousands of messages per run whose jobs nothing works,
// which must not reach the other benchmarks' data sets or their workers.
const DefaultIngestDatabaseURL = "postgres://postgres@127.0.0.1:5432/frontdesk_bench_ingest?sslmode=disable"

// ingestOptions configures the ingest benchmark.
type ingestOptions struct {
	// Duration is the length of each measured phase: saturation, pgbench
	// and the open-loop run.
	Duration time.Duration
	// Concurrency is the closed loop's requests in flight, and pgbench's
	// clients.
	Concurrency int
	// Rate is the open-loop run's rate; 0 takes half the measured
	// saturation throughput.
	Rate float64
	// RepeatShare of the messages come from RepeatSenders customers who
	// wrote before (the lookup path); the rest from new customers (the
	// insert path).
	RepeatShare   float64
	RepeatSenders int
	MaxInFlight   int
	// Pgbench is pgbench's path: "" looks for it, "none" skips the
	// comparison. PgbenchScript, when set, keeps the generated script there.
	Pgbench       string
	PgbenchScript string
	// Jobs is how the process_message job is inserted: "available" (eager
	// processing off: River's own path, with its insert notification) or
	// "scheduled" (as with eager processing on, the default: scheduled
	// ahead as the fallback, no notification; the eager run itself is not
	// started).
	Jobs       string
	CPUProfile string
	// Log receives progress lines between phases.
	Log io.Writer
	// noSettle skips the vacuum and checkpoint between phases (tests: a
	// checkpoint of a busy shared server can take seconds).
	noSettle bool
}

func (o *ingestOptions) register(fs *flag.FlagSet) {
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "length of each measured phase (saturation, pgbench, open loop)")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "webhooks in flight in the saturation phase, and pgbench's clients (-c)")
	fs.Float64Var(&o.Rate, "rate", 0, "open-loop webhooks per second; 0 takes half the measured saturation throughput")
	fs.Float64Var(&o.RepeatShare, "repeat", 0.2, "share of messages from customers who wrote before (the rest are new contacts)")
	fs.IntVar(&o.RepeatSenders, "repeat-senders", 500, "how many returning customers the repeat share is spread over")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", 1000, "open-loop requests outstanding at once; beyond it a request counts as an error")
	fs.StringVar(&o.Pgbench, "pgbench", "", `pgbench binary (empty: PATH, then /usr/lib/postgresql/*/bin); "none" skips the comparison`)
	fs.StringVar(&o.PgbenchScript, "pgbench-script", "", "keep the generated pgbench script in this file (default: a temporary file, removed)")
	fs.StringVar(&o.Jobs, "jobs", "scheduled", "how the job is inserted: scheduled (as the app does by default, with eager processing on: fallback ahead, no notification; the eager run is not started) or available (eager processing off, River's path: insert notification)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the saturation phase (client and in-process server) to this file")
}

func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := ownDatabase(fs, DefaultIngestDatabaseURL)
	var o ingestOptions
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*o.Duration+5*time.Minute)
	defer cancel()
	if err := d.prepare(ctx, stderr); err != nil {
		return err
	}
	s, err := startIngestServer(ctx, d.DatabaseURL, d.logger(stderr), o.Jobs)
	if err != nil {
		return err
	}
	defer s.Stop()
	o.Log = stderr
	r, err := runIngest(ctx, s, o)
	if err != nil {
		return err
	}
	r.print(stdout)
	return nil
}

// openWarmup is the first stretch of each open-loop run, the app's and
// pgbench's, left out of its latencies. Both follow a checkpoint (settle),
// after which the first write to every page logs the whole page, and
// pgbench connects its clients as its run starts, where a new backend's
// first statements load its caches.
const openWarmup = time.Second

// startIngestServer runs the app with its processing off: eager runs
// disabled and River's workers stopped, so a webhook's cost is its
// acceptance alone (the message and its job stored, nothing answered).
// jobs "scheduled" inserts the jobs as eager processing does.
func startIngestServer(ctx context.Context, dbURL string, log *slog.Logger, jobs string) (*server, error) {
	if jobs != "available" && jobs != "scheduled" {
		return nil, fmt.Errorf("ingest: -jobs must be available or scheduled, not %q", jobs)
	}
	s, err := startServer(ctx, serverOptions{DatabaseURL: dbURL, Log: log, NoWorkers: true,
		Configure: func(c *config.Config) { c.EagerFallback = 0 }})
	if err != nil {
		return nil, err
	}
	if jobs == "scheduled" {
		s.App.Conversations.SetEager(idleEager{after: config.Default().EagerFallback})
	}
	return s, nil
}

// idleEager is a conversation.Eager that runs nothing: the job is inserted
// as eager processing inserts it (scheduled after the fallback delay) and
// no one processes the message.
type idleEager struct{ after time.Duration }

func (idleEager) Reserve() bool                      { return true }
func (idleEager) Release()                           {}
func (e idleEager) ScheduleAt() time.Time            { return time.Now().Add(e.after) }
func (idleEager) Run(jobs.ProcessMessageArgs, int64) {}

// ingestSenders picks each message's sender: RepeatShare of them among
// the repeat senders, the others new customers.
type ingestSenders struct {
	wh     *waWebhook
	share  float64
	repeat int
	seq    atomic.Int64
}

// next returns the seq-th message of phase (a letter in its wamid).
func (p *ingestSenders) next(phase string) waText {
	seq := int(p.seq.Add(1))
	m := waText{WAMID: p.wh.wamid(phase, seq), Text: priceQuestions[seq%len(priceQuestions)], Name: customerNames[seq%len(customerNames)]}
	if p.repeat > 0 && rand.Float64() < p.share {
		m.WaID = repeatSenderWaID(rand.IntN(p.repeat))
	} else {
		m.WaID = p.wh.newSenderWaID(seq)
	}
	return m
}

// ingestTables are the tables one accepted webhook writes.
const ingestTables = "contacts, contact_identities, conversations, messages, events, river_job, channel_accounts"

// settle gives each phase the same start: dead rows vacuumed (earlier
// phases and runs leave them; autovacuum may be off on development
// servers) and a fresh checkpoint, so no phase pays for another's dirty
// pages.
func settle(ctx context.Context, s *server, o ingestOptions) error {
	if o.noSettle {
		return nil
	}
	if _, err := s.App.DB.Pool.Exec(ctx, `VACUUM (ANALYZE) `+ingestTables); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	if _, err := s.App.DB.Pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// dropIngestJobs deletes the process_message jobs that ingest runs (and
// pgbench) leave: nothing works them in this database, and they must not
// be answered should a server with workers ever open it.
func dropIngestJobs(ctx context.Context, s *server) (int64, error) {
	tag, err := s.App.DB.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'process_message' AND state IN ('available', 'scheduled')`)
	if err != nil {
		return 0, fmt.Errorf("drop ingest jobs: %w", err)
	}
	return tag.RowsAffected(), nil
}

// runIngest measures signed WhatsApp webhook ingest on s (which must run
// without processing: startIngestServer): the closed-loop saturation
// throughput, pgbench running one transaction of the same statements on
// the same database, and the latency of an open-loop run at half the
// saturation throughput.
func runIngest(ctx context.Context, s *server, o ingestOptions) (*result, error) {
	if o.Duration <= 0 || o.Concurrency < 1 || o.RepeatShare < 0 || o.RepeatShare > 1 || o.Rate < 0 {
		return nil, errors.New("ingest: -duration and -concurrency must be positive, -repeat within [0, 1], -rate not negative")
	}
	if s.App.Eager != nil {
		return nil, errors.New("ingest: the server must run with eager processing off")
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "ingest: "+format+"\n", args...)
		}
	}
	pgbench, err := findPgbench(o.Pgbench)
	if err != nil {
		return nil, err
	}
	accountID, url, err := connectWhatsApp(ctx, s)
	if err != nil {
		return nil, err
	}
	var orgID string
	if err := s.App.DB.Pool.QueryRow(ctx, `SELECT organization_id::text FROM channel_accounts WHERE id = $1`, accountID).Scan(&orgID); err != nil {
		return nil, fmt.Errorf("ingest: read account: %w", err)
	}
	if _, err := dropIngestJobs(ctx, s); err != nil {
		return nil, err
	}
	defer func() { _, _ = dropIngestJobs(context.WithoutCancel(ctx), s) }()
	wh := newWAWebhook(url)
	senders := &ingestSenders{wh: wh, share: o.RepeatShare, repeat: o.RepeatSenders}
	client := newHTTPClient(30 * time.Second)
	setupStart := time.Now()

	// Warm-up: every repeat sender writes once (creating them on the
	// first run), a few at a time; this also warms connections and caches.
	{
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		next := atomic.Int64{}
		for range min(o.Concurrency, max(1, o.RepeatSenders)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= o.RepeatSenders || ctx.Err() != nil {
						return
					}
					m := waText{WaID: repeatSenderWaID(i), Name: customerNames[i%len(customerNames)], WAMID: wh.wamid("W", i), Text: priceQuestions[i%len(priceQuestions)]}
					if err := wh.post(ctx, client, m); err != nil {
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return nil, fmt.Errorf("ingest warm-up: %w", firstErr)
		}
	}
	setupTook := time.Since(setupStart)

	r := &result{Bench: "ingest"}
	r.add("concurrency", o.Concurrency, "(closed loop in flight; pgbench -c)")
	r.add("phase_duration_s", o.Duration.Seconds(), "s")
	if o.Jobs == "" {
		o.Jobs = "scheduled"
	}
	r.add("jobs", o.Jobs, "(how process_message jobs are inserted; nothing works them)")
	r.add("repeat_share", o.RepeatShare, fmt.Sprintf("(of messages from %d returning customers; the rest new contacts)", o.RepeatSenders))

	// a. Saturation: closed loop.
	if err := settle(ctx, s, o); err != nil {
		return nil, err
	}
	logf("saturation: %d webhooks in flight for %s", o.Concurrency, o.Duration)
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
	waits := startWaitSampler(ctx, s.App.Config.DatabaseURL)
	cpuBefore, _ := cpuTime(os.Getpid())
	pgBefore, pgErr := backendCPU(ctx, s.App.Config.DatabaseURL)
	sat := closedLoop(ctx, o.Concurrency, o.Duration, func(ctx context.Context) error {
		return wh.post(ctx, client, senders.next("S"))
	})
	cpuAfter, _ := cpuTime(os.Getpid())
	pgAfter, _ := backendCPU(ctx, s.App.Config.DatabaseURL)
	satWaits := waits.stop()
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	satRate := float64(sat.ok) / sat.elapsed.Seconds()
	satLat := summarize(sat.latencies)
	r.add("saturation_msgs_per_s", round(satRate, 1), "msg/s (accepted webhooks / elapsed, closed loop)")
	r.add("saturation_accepted", sat.ok, "")
	r.add("saturation_errors", sat.errs, "")
	r.add("saturation_p50_ms", ms(satLat.P50), "ms (closed loop: queueing included)")
	r.add("saturation_p99_ms", ms(satLat.P99), "ms")
	if secs := sat.elapsed.Seconds(); secs > 0 {
		r.add("saturation_loadgen_cpu_pct", round(100*float64(cpuAfter-cpuBefore)/float64(sat.elapsed), 0), "% of one core (client + in-process server)")
		if pgErr == nil {
			pg := cpuDelta(pgBefore, pgAfter)
			r.add("saturation_postgres_cpu_pct", round(100*float64(pg)/float64(sat.elapsed), 0), "% of one core (backends of this database)")
			if sat.ok > 0 {
				r.add("saturation_cpu_ms_per_msg", round(float64(cpuAfter-cpuBefore+pg)/float64(time.Millisecond)/float64(sat.ok), 3), "ms (loadgen process, client included, and PostgreSQL, per accepted webhook)")
			}
		}
	}
	r.add("saturation_db_waits", satWaits, "(share of busy backends' samples, by wait event)")
	if sat.lastErr != nil {
		r.add("saturation_last_error", sat.lastErr.Error(), "")
	}
	logf("saturation: %.1f msg/s", satRate)

	// b. pgbench: one transaction of the same statements.
	var tps float64
	var script string
	if pgbench != "" {
		if err := settle(ctx, s, o); err != nil {
			return nil, err
		}
		share := notifyShare(s.App.Config.JobFetchCooldown, satRate)
		script = ingestScript(ingestScriptParams{OrgID: orgID, AccountID: accountID, RepeatShare: o.RepeatShare,
			RepeatSenders: o.RepeatSenders, Scheduled: o.Jobs == "scheduled",
			NotifyShare: share})
		if o.Jobs == "available" {
			r.add("pgbench_notify_share", round(share, 3), fmt.Sprintf("(of transactions send River's insert notification: at most one per %s per process, at the measured rate)", s.App.Config.JobFetchCooldown))
		}
		logf("pgbench: -c %d for %s", o.Concurrency, o.Duration)
		waits := startWaitSampler(ctx, s.App.Config.DatabaseURL)
		pb, err := runPgbench(ctx, pgbench, s.App.Config.DatabaseURL, script, o.PgbenchScript, pgbenchRun{Clients: o.Concurrency, Duration: o.Duration})
		pbWaits := waits.stop()
		if err != nil {
			return nil, err
		}
		tps = pb.TPS
		r.add("pgbench_tps", round(pb.TPS, 1), "tps (same statements, one transaction each, -M simple)")
		r.add("pgbench_latency_avg_ms", round(pb.LatencyAvgMS, 3), "ms")
		r.add("pgbench_failed", pb.Failed, "transactions")
		r.add("pgbench_db_waits", pbWaits, "(share of busy backends' samples, by wait event)")
		r.add("pgbench_command", pb.Command, "")
		if o.PgbenchScript != "" {
			r.add("pgbench_script", o.PgbenchScript, "")
		}
		if tps > 0 {
			r.add("ratio_ours_to_pgbench", round(satRate/tps, 3), "(goal >= 0.6)")
		}
		logf("pgbench: %.1f tps", tps)
	}

	// c. Open loop at half the saturation throughput.
	rate := o.Rate
	if rate == 0 {
		rate = satRate / 2
	}
	if rate < 1 {
		return nil, fmt.Errorf("ingest: open-loop rate %.2f/s is below one (saturation %.1f/s)", rate, satRate)
	}
	if err := settle(ctx, s, o); err != nil {
		return nil, err
	}
	logf("open loop: %.1f/s for %s", rate, o.Duration)
	openLoop(ctx, rate, openWarmup, max(1, o.MaxInFlight), func(ctx context.Context, _ int) error {
		return wh.post(ctx, client, senders.next("P"))
	})
	openWaits := startWaitSampler(ctx, s.App.Config.DatabaseURL)
	samples, start := openLoop(ctx, rate, o.Duration, max(1, o.MaxInFlight), func(ctx context.Context, _ int) error {
		return wh.post(ctx, client, senders.next("O"))
	})
	openWaitsSeen := openWaits.stop()
	var lat []time.Duration
	var openErrs int
	var lastOpenErr error
	var lastDone time.Time
	for _, x := range samples {
		if x.err != nil {
			openErrs++
			lastOpenErr = x.err
			continue
		}
		lat = append(lat, x.latency)
		if x.done.After(lastDone) {
			lastDone = x.done
		}
	}
	ol := summarize(lat)
	r.add("open_rate", round(rate, 1), "msg/s (target)")
	if span := lastDone.Sub(start); span > 0 {
		r.add("open_achieved_rate", round(float64(len(lat))/span.Seconds(), 1), "msg/s")
	}
	r.add("open_accepted", len(lat), "")
	r.add("open_errors", openErrs, "")
	r.addLatency("open_", ol)
	r.add("open_db_waits", openWaitsSeen, "(share of busy backends' samples, by wait event)")
	if lastOpenErr != nil {
		r.add("open_last_error", lastOpenErr.Error(), "")
	}

	// d. pgbench open loop at the same rate: the same statements' p99
	// with no app in between, this machine's own bound on the goal.
	if pgbench != "" {
		if err := settle(ctx, s, o); err != nil {
			return nil, err
		}
		logf("pgbench open loop: %.1f/s for %s", rate, o.Duration)
		pb, err := runPgbench(ctx, pgbench, s.App.Config.DatabaseURL, script, "",
			pgbenchRun{Clients: o.Concurrency, Duration: o.Duration + openWarmup, Rate: rate, Skip: openWarmup})
		if err != nil {
			return nil, err
		}
		pl := summarize(pb.Latencies)
		r.add("pgbench_open_achieved_rate", round(float64(pl.N)/o.Duration.Seconds(), 1), "tps (same statements, -R at the open-loop rate)")
		r.addLatency("pgbench_open_", pl)
	}
	r.add("setup_s", round(setupTook.Seconds(), 2), "s (connect, warm-up)")

	var stored int
	if err := s.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'process_message' AND state IN ('available', 'scheduled')`).Scan(&stored); err != nil {
		return nil, fmt.Errorf("ingest: count jobs: %w", err)
	}
	r.add("jobs_stored", stored, "(process_message jobs this run stored, pgbench's included; none worked; deleted now)")
	if tps > 0 {
		r.check("ingest >= 0.6x pgbench", satRate >= 0.6*tps)
	}
	r.check("open-loop p99 <= 20ms at half the throughput", ol.N > 0 && ol.P99 <= 20*time.Millisecond)
	r.check("every webhook accepted", sat.errs == 0 && openErrs == 0)
	return r, nil
}

// closedResult is what a closed loop measured.
type closedResult struct {
	ok, errs  int
	lastErr   error
	elapsed   time.Duration
	latencies []time.Duration
}

// closedLoop runs n workers, each calling fn again as soon as it returns,
// for d, and measures each call. elapsed runs to the last call's end.
func closedLoop(ctx context.Context, n int, d time.Duration, fn func(ctx context.Context) error) closedResult {
	var mu sync.Mutex
	var res closedResult
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			ok, errs := 0, 0
			var lastErr error
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				err := fn(ctx)
				if err != nil {
					errs++
					lastErr = err
					continue
				}
				ok++
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.ok += ok
			res.errs += errs
			if lastErr != nil {
				res.lastErr = lastErr
			}
			res.latencies = append(res.latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// waitSampler samples what this database's busy backends (running a
// statement or inside a transaction) wait on, every 10 ms, to show where a
// phase's time goes: a lock, the WAL flush, CPU, or the client.
type waitSampler struct {
	cancel context.CancelFunc
	done   chan struct{}
	counts map[string]int
	total  int
}

func startWaitSampler(ctx context.Context, dbURL string) *waitSampler {
	ctx, cancel := context.WithCancel(ctx)
	w := &waitSampler{cancel: cancel, done: make(chan struct{}), counts: map[string]int{}}
	go func() {
		defer close(w.done)
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return
		}
		defer conn.Close(context.WithoutCancel(ctx))
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// A backend idle in a transaction waits for its client's next
			// statement: the application's round trip.
			// A lock wait names the statement that waits.
			rows, err := conn.Query(ctx, `SELECT CASE WHEN state <> 'active' THEN 'idle in transaction (client)'
				WHEN wait_event_type = 'Lock' THEN 'Lock:' || wait_event || ' [' || left(regexp_replace(query, '\s+', ' ', 'g'), 40) || '...]'
				ELSE coalesce(wait_event_type || ':' || wait_event, 'CPU') END FROM pg_stat_activity
				WHERE datname = current_database() AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()`)
			if err != nil {
				return
			}
			for rows.Next() {
				var ev string
				if rows.Scan(&ev) == nil {
					w.counts[ev]++
					w.total++
				}
			}
			rows.Close()
		}
	}()
	return w
}

// stop ends the sampling and returns the five commonest waits with their
// share of all samples, e.g. "CPU 41%, Lock:transactionid 30%, ...".
func (w *waitSampler) stop() string {
	w.cancel()
	<-w.done
	if w.total == 0 {
		return "no samples"
	}
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range w.counts {
		all = append(all, kv{k, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n || (all[i].n == all[j].n && all[i].k < all[j].k) })
	var parts []string
	for i, x := range all {
		if i == 5 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.0f%%", x.k, 100*float64(x.n)/float64(w.total)))
	}
	return strings.Join(parts, ", ")
}
