// Package eager processes an accepted inbound message in the process that
// accepted it, right after its transaction commits, instead of waiting for
// River to pick its job up.
//
// The message's River job is still inserted in the same transaction as the
// message, so nothing is lost: it is only scheduled FallbackAfter into the
// future. When the eager run succeeds the job is deleted (in batches); when
// it fails, or the process dies first, River runs the job as usual. The
// pipeline is idempotent per message, so the job running as well (a crash
// between the reply's commit and the delete, or a run slower than
// FallbackAfter) answers nothing twice.
//
// The replies of a turn go the same way (Runner.Deliver, called by the
// pipeline after the turn commits): sent in order from the committing
// goroutine, their delivery jobs scheduled FallbackAfter ahead and deleted
// once sent, handed to River at once from the first one that does not go
// out.
//
// Why: River announces a job with a NOTIFY inside the inserting
// transaction, and PostgreSQL serialises every committing transaction that
// notified on one cluster-wide lock held through the commit's WAL flush. At
// 100 messages a second on a small machine that lock, plus River's fetch
// and completion round trips, cost more than the pipeline itself.
package eager

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"frontdesk/internal/conversation"
	"frontdesk/jobs"
)

// Defaults for Config's zero fields.
const (
	DefaultFallbackAfter = 10 * time.Second
	DefaultSlots         = 64
	DefaultQueue         = 256
	DefaultRetryEvery    = 20 * time.Millisecond
	DefaultWaitEarlier   = 2 * time.Second
	DefaultRunTimeout    = 30 * time.Second
	deleteBatch          = 200
	deleteEvery          = 25 * time.Millisecond
)

// Processor runs the pipeline for one message (pipeline.Processor).
type Processor interface {
	Process(ctx context.Context, args jobs.ProcessMessageArgs) error
}

// Jobs is the part of the River client the runner needs.
type Jobs interface {
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobDeleteMany(ctx context.Context, params *river.JobDeleteManyParams) (*river.JobDeleteManyResult, error)
}

// Config tunes a Runner; zero fields take the defaults.
type Config struct {
	// FallbackAfter is how far in the future the job is scheduled: how
	// long River waits before running a message whose eager run never
	// finished. It bounds the delay after a crash.
	FallbackAfter time.Duration
	// Slots caps eager runs in flight. Queue more accepted messages may
	// wait for one; a message accepted while the queue is full too goes to
	// River straight away. Why wait rather than hand over: River's path
	// (its fetch, its completion, the insert notification) costs more per
	// message than the eager one, so handing over at the first burst
	// makes an overloaded process slower still.
	Slots, Queue int
	// RetryEvery and WaitEarlier: a message whose conversation still has an
	// earlier message in flight is retried every RetryEvery, for up to
	// WaitEarlier, before River takes it over.
	RetryEvery, WaitEarlier time.Duration
	// RunTimeout bounds one eager run.
	RunTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.FallbackAfter <= 0 {
		c.FallbackAfter = DefaultFallbackAfter
	}
	if c.Slots <= 0 {
		c.Slots = DefaultSlots
	}
	if c.Queue < 0 {
		c.Queue = 0
	} else if c.Queue == 0 {
		c.Queue = DefaultQueue
	}
	if c.RetryEvery <= 0 {
		c.RetryEvery = DefaultRetryEvery
	}
	if c.WaitEarlier <= 0 {
		c.WaitEarlier = DefaultWaitEarlier
	}
	if c.RunTimeout <= 0 {
		c.RunTimeout = DefaultRunTimeout
	}
	return c
}

// Stats counts what the runner did.
type Stats struct {
	// Done were answered by the eager run.
	Done int64
	// HandedOver were given to River after a failed or too-long eager run.
	HandedOver int64
	// Full counts messages that found every slot and the queue taken and
	// went to River.
	Full int64
}

// Runner runs eager processing. Make one with New, and Stop it on shutdown.
type Runner struct {
	cfg  Config
	proc Processor
	jobs Jobs
	log  *slog.Logger

	// admitted holds a token for each message reserved and not finished
	// (running or queued); slots one for each running.
	admitted chan struct{}
	slots    chan struct{}
	deletes  chan int64
	ctx      context.Context
	cancel   context.CancelFunc
	deleter  sync.WaitGroup

	// mu orders Run's Add against Stop's Wait.
	mu      sync.Mutex
	stopped bool
	runs    sync.WaitGroup

	done, handedOver, full atomic.Int64
	observe                atomic.Pointer[func(time.Duration)]
	// deliver sends one outbound message (SetDeliver).
	deliver DeliverFunc
}

// DeliverFunc sends one stored outbound message to its platform
// (delivery.Service.Deliver). It must be safe to run while River runs the
// same message's job: the outbox's claim makes one of them wait.
type DeliverFunc func(ctx context.Context, args jobs.DeliverMessageArgs) error

// New starts a Runner.
func New(proc Processor, jobs Jobs, cfg Config, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{cfg: cfg, proc: proc, jobs: jobs, log: log,
		admitted: make(chan struct{}, cfg.Slots+cfg.Queue), slots: make(chan struct{}, cfg.Slots), deletes: make(chan int64, 4*deleteBatch),
		ctx: ctx, cancel: cancel}
	r.deleter.Add(1)
	go r.deleteLoop()
	return r
}

// Reserve takes a place (a slot, or one in the queue for a slot) for a
// message about to be accepted, or reports that none is free (or the
// runner stopped): the message's job must then be made available to River
// at once. A reserved place must be given to Run after the commit, or to
// Release if the transaction failed.
func (r *Runner) Reserve() bool {
	r.mu.Lock()
	stopped := r.stopped
	r.mu.Unlock()
	if stopped {
		return false
	}
	select {
	case r.admitted <- struct{}{}:
		return true
	default:
		r.full.Add(1)
		return false
	}
}

// Release frees a reserved place whose message was not accepted.
func (r *Runner) Release() { <-r.admitted }

// SetDeliver makes Deliver send through f; call it before any work starts.
func (r *Runner) SetDeliver(f DeliverFunc) { r.deliver = f }

// Deliver sends a committed turn's replies in order, right away, from the
// goroutine that committed them: the customer reads them in the order the
// bot wrote them, without waiting for River to fetch each job. A delivered
// reply's job (scheduled at ScheduleAt, as the fallback) is deleted. On the
// first reply that does not go out (an error, a platform asking to wait,
// another run's claim), that reply's job and the later ones are handed to
// River at once: its retries, back-off and ordering take over.
func (r *Runner) Deliver(ctx context.Context, queued []jobs.QueuedDelivery) {
	for i, q := range queued {
		var err error
		if r.deliver == nil {
			err = errors.New("no deliverer set")
		} else {
			err = r.deliver(ctx, q.Args)
		}
		if err != nil {
			if r.ctx.Err() != nil {
				return // shutting down: River runs them when they are due
			}
			r.log.Info("eager delivery left to River", slog.String("message_id", q.Args.MessageID.String()), slog.Any("reason", err))
			for _, rest := range queued[i:] {
				r.retryNow(rest.JobID)
			}
			return
		}
		select {
		case r.deletes <- q.JobID:
		case <-r.ctx.Done():
			return
		}
	}
}

// ScheduleAt is when River should run the job of a message with a
// reserved slot, should the eager run not finish.
func (r *Runner) ScheduleAt() time.Time { return time.Now().Add(r.cfg.FallbackAfter) }

// Run processes the committed message with job jobID in the background,
// using the place reserved for it: once a slot is free.
func (r *Runner) Run(args jobs.ProcessMessageArgs, jobID int64) {
	committed := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		<-r.admitted // River runs it when its time comes
		return
	}
	r.runs.Add(1)
	go func() {
		defer r.runs.Done()
		defer func() { <-r.admitted }()
		select {
		case r.slots <- struct{}{}:
		case <-r.ctx.Done():
			return // stopping: River runs it when its time comes
		}
		defer func() { <-r.slots }()
		r.run(args, jobID, committed)
	}()
}

func (r *Runner) run(args jobs.ProcessMessageArgs, jobID int64, committed time.Time) {
	deadline := committed.Add(r.cfg.WaitEarlier)
	for {
		ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RunTimeout)
		err := r.proc.Process(ctx, args)
		cancel()
		switch {
		case err == nil:
			r.done.Add(1)
			if f := r.observe.Load(); f != nil {
				(*f)(time.Since(committed))
			}
			select {
			case r.deletes <- jobID:
			case <-r.ctx.Done():
				// Shutting down: River will find the message answered.
			}
			return
		case errors.Is(err, conversation.ErrEarlierPending) && time.Now().Add(r.cfg.RetryEvery).Before(deadline):
			select {
			case <-time.After(r.cfg.RetryEvery):
				continue
			case <-r.ctx.Done():
				return // River runs it when its time comes
			}
		}
		if r.ctx.Err() != nil {
			return
		}
		if !errors.Is(err, conversation.ErrEarlierPending) {
			r.log.Warn("eager processing failed; River retries it",
				slog.String("message_id", args.MessageID.String()), slog.Any("error", err))
		}
		r.handOver(jobID)
		return
	}
}

// handOver makes the job available to River now, so its retries and
// back-off take over without waiting for FallbackAfter.
func (r *Runner) handOver(jobID int64) {
	r.handedOver.Add(1)
	r.retryNow(jobID)
}

// retryNow makes a scheduled job available to River now.
func (r *Runner) retryNow(jobID int64) {
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	if _, err := r.jobs.JobRetry(ctx, jobID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		r.log.Warn("hand message job to River", slog.Int64("job_id", jobID), slog.Any("error", err))
	}
}

// deleteLoop deletes the jobs of eagerly answered messages in batches. A
// job River already runs is skipped by River and completes on its own.
func (r *Runner) deleteLoop() {
	defer r.deleter.Done()
	batch := make([]int64, 0, deleteBatch)
	tick := time.NewTicker(deleteEvery)
	defer tick.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := r.jobs.JobDeleteMany(ctx, river.NewJobDeleteManyParams().IDs(batch...).First(len(batch))); err != nil {
			// Harmless: each job runs when scheduled and finds its message
			// answered.
			r.log.Warn("delete answered message jobs", slog.Int("jobs", len(batch)), slog.Any("error", err))
		}
		batch = batch[:0]
	}
	for {
		select {
		case id := <-r.deletes:
			batch = append(batch, id)
			if len(batch) == cap(batch) {
				flush()
			}
		case <-tick.C:
			flush()
		case <-r.ctx.Done():
			for {
				select {
				case id := <-r.deletes:
					batch = append(batch, id)
				default:
					flush()
					return
				}
			}
		}
	}
}

// Observe makes f hear, for every eager run that answered its message,
// how long it took from the message's commit to the reply's (benchmarks
// use it); nil stops it.
func (r *Runner) Observe(f func(time.Duration)) {
	if f == nil {
		r.observe.Store(nil)
		return
	}
	r.observe.Store(&f)
}

// Stats returns the counters so far.
func (r *Runner) Stats() Stats {
	return Stats{Done: r.done.Load(), HandedOver: r.handedOver.Load(), Full: r.full.Load()}
}

// Stop refuses new work and waits for the runs in flight until ctx ends,
// then cancels them: their jobs stay scheduled and River runs them.
func (r *Runner) Stop(ctx context.Context) {
	r.mu.Lock()
	already := r.stopped
	r.stopped = true
	r.mu.Unlock()
	if already {
		return
	}
	finished := make(chan struct{})
	go func() { r.runs.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
	}
	r.cancel()
	r.runs.Wait()
	r.deleter.Wait()
}
