package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"frontdesk/internal/database"
	"frontdesk/internal/eventlog"
)

// Delays of the dispatcher's unscheduled re-reads.
const (
	// heldBackMinDelay is the first re-read after finding events held back
	// behind an open transaction; it doubles up to heldBackMaxDelay while
	// nothing moves, so a long transaction costs a few reads a second.
	heldBackMinDelay = 5 * time.Millisecond
	heldBackMaxDelay = 100 * time.Millisecond
	// errorMinDelay is the first retry after a failed read; it doubles up
	// to errorMaxDelay.
	errorMinDelay = 100 * time.Millisecond
	errorMaxDelay = 5 * time.Second
	// notifyTimeout bounds one pg_notify call.
	notifyTimeout = 5 * time.Second
)

type hubState int

const (
	stateNew hubState = iota
	stateStarted
	stateStopped
)

// Hub is one process's connection to the live event log: a notifier, a
// listener, a dispatcher, and the subscribers it feeds. Make one per
// process with New, Start it, and Stop it on shutdown.
type Hub struct {
	db  *database.DB
	cfg Config
	log *slog.Logger
	// id is this hub's name in the notifications it sends, so its listener
	// can skip its own: Notify has woken the dispatcher already, and a
	// second read per commit would double the dispatcher's queries.
	id string
	// notifySQL sends one notification. It is a hint, not data, so its
	// transaction commits without waiting for the WAL flush: PostgreSQL
	// holds a cluster-wide lock from a notifying commit's start to its end,
	// and a flush under that lock stalls every other notifier. The two
	// statements go in one simple-protocol string, which runs them as one
	// implicit transaction, so SET LOCAL applies to it alone.
	notifySQL string

	// wake holds at most one pending wake-up for the dispatcher, so any
	// number of wake-ups while it reads cost one more read.
	wake chan struct{}
	// notifyReq holds at most one pending pg_notify: while one is in
	// flight, further Notify calls coalesce into a single next one.
	notifyReq chan struct{}

	// lifecycle serialises Start and Stop.
	lifecycle sync.Mutex
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	// mu guards the fields below. The dispatcher holds it while it fans a
	// batch out and moves the tail, so a subscriber that registers under
	// it sees every event after the tail it reads.
	mu    sync.Mutex
	state hubState
	tail  eventlog.Position
	subs  map[uuid.UUID]map[*subscriber]struct{}
	// registered is closed, and replaced, whenever a subscriber registers
	// (WaitSubscribers).
	registered chan struct{}

	// reads counts the dispatcher's reads of the log (tests).
	reads atomic.Int64
}

// New returns a Hub reading db; cfg's zero fields take the defaults.
func New(db *database.DB, cfg Config, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	id := uuid.NewString()
	cfg = cfg.withDefaults()
	return &Hub{
		db:         db,
		cfg:        cfg,
		log:        log,
		id:         id,
		notifySQL:  "SET LOCAL synchronous_commit = off; SELECT pg_notify(" + quoteLiteral(cfg.Channel) + ", " + quoteLiteral(id) + ")",
		wake:       make(chan struct{}, 1),
		notifyReq:  make(chan struct{}, 1),
		subs:       make(map[uuid.UUID]map[*subscriber]struct{}),
		registered: make(chan struct{}),
	}
}

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings
// is on in every supported PostgreSQL).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Start reads the current end of the log, opens the LISTEN connection and
// starts the listener, notifier and dispatcher. It returns once the tail is
// known, so a subscription made after Start sees every later event. ctx
// bounds start-up only: the hub runs until Stop.
func (h *Hub) Start(ctx context.Context) error {
	h.lifecycle.Lock()
	defer h.lifecycle.Unlock()
	h.mu.Lock()
	state := h.state
	h.mu.Unlock()
	switch state {
	case stateStarted:
		return errors.New("realtime: hub already started")
	case stateStopped:
		return ErrClosed
	}

	tail, err := readTail(ctx, h.db.Bun)
	if err != nil {
		return fmt.Errorf("start realtime hub: %w", err)
	}
	conn, err := h.connectListener(ctx)
	if err != nil {
		return fmt.Errorf("start realtime hub: %w", err)
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	h.mu.Lock()
	h.tail = tail
	h.state = stateStarted
	h.mu.Unlock()

	h.wg.Add(3)
	go h.listen(runCtx, conn)
	go h.notifier(runCtx)
	go h.dispatcher(runCtx)
	// Events committed between reading the tail and LISTEN taking effect
	// sent their notifications to nobody here.
	h.wakeDispatcher()
	h.log.DebugContext(ctx, "realtime hub started",
		slog.Uint64("tail_txid", tail.TxID), slog.Int64("tail_id", tail.ID))
	return nil
}

// Stop ends every subscription (their channels close), stops the
// background work and waits for it. A pending notification is still sent.
// Stop is idempotent; a stopped hub cannot be started again.
func (h *Hub) Stop() {
	h.lifecycle.Lock()
	defer h.lifecycle.Unlock()
	h.mu.Lock()
	if h.state == stateStopped {
		h.mu.Unlock()
		return
	}
	h.state = stateStopped
	for _, set := range h.subs {
		for s := range set {
			s.cancel()
		}
	}
	h.mu.Unlock()
	if h.cancel != nil {
		h.cancel()
	}
	h.wg.Wait()
}

// Notify tells every process, this one included, that events were
// committed. Call it after the commit of any transaction that appended
// events, never inside it: NOTIFY serialises commits. It never blocks:
// the local dispatcher is woken at once and one pg_notify is sent on a
// pooled connection; calls made while one is in flight coalesce into a
// single next one.
func (h *Hub) Notify() {
	h.wakeDispatcher()
	select {
	case h.notifyReq <- struct{}{}:
	default:
	}
}

// wakeDispatcher asks for a read without blocking.
func (h *Hub) wakeDispatcher() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// notifier sends the pg_notify calls that Notify requests, one at a time.
func (h *Hub) notifier(ctx context.Context) {
	defer h.wg.Done()
	for {
		select {
		case <-h.notifyReq:
			started := time.Now()
			h.sendNotify(ctx)
			h.pause(ctx, started)
		case <-ctx.Done():
			// Events committed just before shutdown should not wait for
			// the other processes' next poll.
			select {
			case <-h.notifyReq:
				h.sendNotify(context.WithoutCancel(ctx))
			default:
			}
			return
		}
	}
}

// sendNotify sends one notification; the other processes' polling covers
// one that fails.
func (h *Hub) sendNotify(ctx context.Context) {
	nctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	if _, err := h.db.Pool.Exec(nctx, h.notifySQL); err != nil && ctx.Err() == nil {
		h.log.WarnContext(ctx, "realtime notify failed", slog.Any("error", err))
	}
}

// dispatcher follows the log from the tail and fans events out, whenever
// it is woken, polled, or has a re-read scheduled.
func (h *Hub) dispatcher(ctx context.Context) {
	defer h.wg.Done()
	poll := time.NewTicker(h.cfg.PollInterval)
	defer poll.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	heldDelay, errDelay := heldBackMinDelay, errorMinDelay
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-poll.C:
		case <-retry.C:
		}
		started := time.Now()
		progressed, held, err := h.advance(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			h.log.WarnContext(ctx, "realtime read failed", slog.Any("error", err),
				slog.Duration("retry_in", errDelay))
			retry.Reset(errDelay)
			errDelay = min(2*errDelay, errorMaxDelay)
		case held:
			// A transaction older than committed events is still open. It
			// may never notify (it need not write events), so look again
			// soon, backing off while it stays open.
			errDelay = errorMinDelay
			if progressed {
				heldDelay = heldBackMinDelay
			}
			retry.Reset(heldDelay)
			heldDelay = min(2*heldDelay, heldBackMaxDelay)
		default:
			errDelay, heldDelay = errorMinDelay, heldBackMinDelay
			retry.Stop()
		}
		h.pause(ctx, started)
	}
}

// pause waits until Config.Coalesce after started (when the read or the
// notification began), or until ctx ends: wake-ups and Notify calls
// meanwhile fold into one. A process that commits less often than that
// waits for nothing.
func (h *Hub) pause(ctx context.Context, started time.Time) {
	wait := time.Until(started.Add(h.cfg.Coalesce))
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// advance reads every settled event after the tail, in pages, publishing
// each page; it reports whether committed events remain beyond the new
// tail, held back behind an open transaction.
func (h *Hub) advance(ctx context.Context) (progressed, held bool, err error) {
	// Only this goroutine writes tail, so reading it unlocked is safe.
	for {
		h.reads.Add(1)
		batch, held, err := follow(ctx, h.db.Pool, h.tail, pageSize)
		if err != nil {
			return progressed, false, err
		}
		if len(batch) > 0 {
			h.publish(batch)
			progressed = true
		}
		if held || len(batch) < pageSize {
			return progressed, held, nil
		}
	}
}

// publish offers each event to the matching subscribers and moves the tail
// past the batch, atomically with respect to Subscribe.
func (h *Hub) publish(batch []*eventlog.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range batch {
		for s := range h.subs[e.OrganizationID] {
			if s.filter.Match(e) {
				s.offer(e)
			}
		}
	}
	last := batch[len(batch)-1]
	h.tail = eventlog.Position{TxID: last.TxID, ID: last.ID}
}

// register adds s and returns the tail it starts from.
func (h *Hub) register(s *subscriber) (eventlog.Position, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch h.state {
	case stateNew:
		return eventlog.Position{}, ErrNotStarted
	case stateStopped:
		return eventlog.Position{}, ErrClosed
	}
	set := h.subs[s.filter.OrgID]
	if set == nil {
		set = make(map[*subscriber]struct{})
		h.subs[s.filter.OrgID] = set
	}
	set[s] = struct{}{}
	h.wg.Add(1)
	close(h.registered)
	h.registered = make(chan struct{})
	return h.tail, nil
}

// WaitSubscribers returns once this hub feeds at least n subscriptions of
// organisation org, or with ctx's error. A subscription counts from the
// moment it is registered, and from then on receives every event committed
// later: a client that must see a write waits for this (a test, instead of
// sleeping after subscribing) rather than for the first event.
func (h *Hub) WaitSubscribers(ctx context.Context, org uuid.UUID, n int) error {
	for {
		h.mu.Lock()
		have, changed := len(h.subs[org]), h.registered
		h.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d subscriptions of %s (have %d): %w", n, org, have, ctx.Err())
		}
	}
}

// unregister removes s.
func (h *Hub) unregister(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.subs[s.filter.OrgID]
	delete(set, s)
	if len(set) == 0 {
		delete(h.subs, s.filter.OrgID)
	}
}
