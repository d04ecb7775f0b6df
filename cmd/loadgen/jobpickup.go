package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
)

// pickupQueue is loadgen's own queue: the app's River client does not work
// it, so it never sees (and fails) loadgen's job kind.
const pickupQueue = "loadgen_pickup"

// pickupArgs is a no-op job that says which insert it was.
type pickupArgs struct {
	Seq int `json:"seq"`
}

// Kind implements river.JobArgs.
func (pickupArgs) Kind() string { return "loadgen_pickup" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (pickupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: pickupQueue, MaxAttempts: 1}
}

// pickupWorker records when each job starts.
type pickupWorker struct {
	river.WorkerDefaults[pickupArgs]
	startedAt []atomic.Int64
	started   atomic.Int64
}

// Work implements river.Worker.
func (w *pickupWorker) Work(_ context.Context, job *river.Job[pickupArgs]) error {
	now := time.Now().UnixNano()
	if s := job.Args.Seq; s >= 0 && s < len(w.startedAt) {
		if w.startedAt[s].CompareAndSwap(0, now) {
			w.started.Add(1)
		}
	}
	return nil
}

// jobOptions configures the job pickup benchmark.
type jobOptions struct {
	Rate     float64
	Duration time.Duration
	Workers  int
}

func cmdJobPickup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("jobpickup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		d dbFlags
		o jobOptions
	)
	d.register(fs)
	fs.Float64Var(&o.Rate, "rate", 50, "jobs inserted per second, each in its own committed transaction")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "measured duration")
	fs.IntVar(&o.Workers, "workers", 20, "MaxWorkers of loadgen's queue")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration+2*time.Minute)
	defer cancel()
	if err := d.prepare(ctx, stderr); err != nil {
		return err
	}
	s, err := startServer(ctx, serverOptions{DatabaseURL: d.DatabaseURL, Log: d.logger(stderr)})
	if err != nil {
		return err
	}
	defer s.Stop()
	r, err := runJobPickup(ctx, s, o)
	if err != nil {
		return err
	}
	r.print(stdout)
	return nil
}

// runJobPickup runs a second River client next to the app's, configured
// like it (same driver, pool and FetchCooldown) but working loadgen's
// queue, inserts no-op jobs open-loop, each with InsertTx in its own
// transaction, and measures from the commit's return to the job's start.
func runJobPickup(ctx context.Context, s *server, o jobOptions) (*result, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return nil, errors.New("jobpickup: -rate and -duration must be positive")
	}
	n := int(o.Rate * o.Duration.Seconds())
	w := &pickupWorker{startedAt: make([]atomic.Int64, n+1)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	a := s.App
	client, err := river.NewClient(riverdatabasesql.NewWithPgxListener(a.DB.SQL, a.DB.Pool), &river.Config{
		Logger:               a.Log,
		Workers:              workers,
		Queues:               map[string]river.QueueConfig{pickupQueue: {MaxWorkers: max(1, o.Workers)}},
		FetchCooldown:        a.Config.JobFetchCooldown,
		RescueStuckJobsAfter: a.Config.JobRescueAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start river: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = client.Stop(sctx)
	}()
	insert := func(ctx context.Context, seq int) (time.Time, error) {
		tx, err := a.DB.SQL.BeginTx(ctx, nil)
		if err != nil {
			return time.Time{}, err
		}
		defer tx.Rollback() //nolint:errcheck
		if _, err := client.InsertTx(ctx, tx, pickupArgs{Seq: seq}, nil); err != nil {
			return time.Time{}, fmt.Errorf("insert job: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return time.Time{}, err
		}
		return time.Now(), nil
	}
	// Let the client's producer start and one job go through before timing.
	time.Sleep(500 * time.Millisecond)
	if _, err := insert(ctx, n); err != nil {
		return nil, err
	}
	for w.startedAt[n].Load() == 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}

	committedAt := make([]atomic.Int64, n)
	samples, _ := openLoop(ctx, o.Rate, o.Duration, n, func(ctx context.Context, seq int) error {
		at, err := insert(ctx, seq)
		if err == nil {
			committedAt[seq].Store(at.UnixNano())
		}
		return err
	})
	var insertErrs int
	var lastErr error
	for _, x := range samples {
		if x.err != nil {
			insertErrs++
			lastErr = x.err
		}
	}
	want := int64(n - insertErrs)
	deadline := time.Now().Add(10 * time.Second)
	for w.started.Load()-1 < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	var lat, insertLat []time.Duration
	early := 0
	for i := range n {
		c, st := committedAt[i].Load(), w.startedAt[i].Load()
		if c == 0 || st == 0 {
			continue
		}
		d := time.Duration(st - c)
		if d < 0 {
			// The job started before InsertTx's Commit returned to us: the
			// commit was visible before its acknowledgement arrived.
			early++
			d = 0
		}
		lat = append(lat, d)
	}
	for _, x := range samples {
		if x.err == nil {
			insertLat = append(insertLat, x.latency)
		}
	}
	sum := summarize(lat)
	ins := summarize(insertLat)
	r := &result{Bench: "jobpickup"}
	r.add("target_rate", o.Rate, "jobs/s")
	r.add("fetch_cooldown_ms", ms(a.Config.JobFetchCooldown), "ms")
	r.add("jobs", n, "")
	r.add("insert_errors", insertErrs, "")
	r.add("started", len(lat), "")
	r.add("not_started", int(want)-len(lat), "")
	r.add("started_before_commit_returned", early, "")
	r.addLatency("", sum)
	r.add("insert_commit_p50_ms", ms(ins.P50), "ms (scheduled send to commit)")
	r.add("insert_commit_p99_ms", ms(ins.P99), "ms")
	if lastErr != nil {
		r.add("last_error", lastErr.Error(), "")
	}
	r.check("p99 <= 10ms", sum.N > 0 && sum.P99 <= 10*time.Millisecond)
	r.check("every job started", int(want) == len(lat) && insertErrs == 0)
	return r, nil
}
