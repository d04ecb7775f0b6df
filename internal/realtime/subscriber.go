package realtime

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"frontdesk/internal/eventlog"
)

// Subscribe returns a channel of the events that match f, in log order,
// each once.
//
// With after nil the subscription is live only: it starts at this
// process's current tail. With after set it first delivers every matching
// event after that position (read from the database, a page at a time) and
// then continues live, with no gap and no duplicate at the hand-over.
//
// The channel closes when ctx ends or the hub stops. A consumer that reads
// slowly falls back to reading from the database on its own and is never
// dropped for it. Events may be shared between subscribers: do not modify
// them.
func (h *Hub) Subscribe(ctx context.Context, f Filter, after *eventlog.Position) (<-chan *eventlog.Event, error) {
	if f.OrgID == uuid.Nil {
		return nil, ErrNoOrganization
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &subscriber{
		hub:    h,
		filter: f,
		limit:  h.cfg.SubscriberBuffer,
		out:    make(chan *eventlog.Event),
		signal: make(chan struct{}, 1),
		cancel: cancel,
	}
	// Registering first means every event the dispatcher publishes from
	// now on is buffered for s, while it catches up on the older ones.
	tail, err := h.register(s)
	if err != nil {
		cancel()
		return nil, err
	}
	start, catchUp := tail, false
	if after != nil {
		start, catchUp = *after, true
	}
	go s.run(ctx, start, catchUp, tail)
	return s.out, nil
}

// subscriber is one subscription. The dispatcher offers it events; its own
// goroutine (run) delivers them, or reads from the database instead while
// it is behind.
type subscriber struct {
	hub    *Hub
	filter Filter
	limit  int
	out    chan *eventlog.Event
	// signal holds at most one pending "look at the buffer".
	signal chan struct{}
	cancel context.CancelFunc

	mu sync.Mutex
	// buf holds live events not yet delivered, at most limit of them, in
	// order and without holes since the subscriber was (re)armed.
	buf []*eventlog.Event
	// lagging is set when buf overflowed: the dispatcher stops offering
	// until run has caught up from the database and re-armed.
	lagging bool
}

// offer queues a live event; called by the dispatcher with the hub locked,
// so it never blocks.
func (s *subscriber) offer(e *eventlog.Event) {
	s.mu.Lock()
	if s.lagging {
		s.mu.Unlock()
		return
	}
	if len(s.buf) < s.limit {
		s.buf = append(s.buf, e)
	} else {
		s.lagging = true
	}
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// take swaps the buffer out for spare.
func (s *subscriber) take(spare []*eventlog.Event) ([]*eventlog.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.buf
	s.buf = spare[:0]
	return batch, s.lagging
}

// rearm makes the dispatcher offer events again, and returns the hub's
// tail at that moment: every event the dispatcher skipped is at or before
// it (a catch-up reads through it), every later one is offered. The hub's
// lock is taken first, as the dispatcher does, so no batch is published in
// between.
func (s *subscriber) rearm() eventlog.Position {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.buf)
	s.buf = s.buf[:0]
	s.lagging = false
	return s.hub.tail
}

// run delivers events until ctx ends. last is the position of the last
// event delivered (or the starting point); nothing at or before it is sent.
// With catchUp, the events after last through target (the hub's tail when
// s was registered) are read from the database first; the later ones are
// in the buffer.
func (s *subscriber) run(ctx context.Context, last eventlog.Position, catchUp bool, target eventlog.Position) {
	defer s.hub.wg.Done()
	defer close(s.out)
	defer s.hub.unregister(s)
	defer s.cancel()
	var spare []*eventlog.Event
	for {
		if catchUp {
			if !s.catchUp(ctx, &last, target) {
				return
			}
			catchUp = false
		}
		// The buffer handed back becomes the next spare, so the two slices
		// never share an array while the dispatcher appends to one.
		batch, lagging := s.take(spare)
		spare = batch
		if len(batch) == 0 && !lagging {
			select {
			case <-ctx.Done():
				return
			case <-s.signal:
			}
			continue
		}
		for _, e := range batch {
			// Events up to last were already read while catching up.
			if !s.send(ctx, e, &last) {
				return
			}
		}
		clear(batch)
		if lagging {
			target = s.rearm()
			catchUp = true
		}
	}
}

// catchUp reads matching events after last through target from the
// database, a page at a time, until a page comes back short: every event
// the dispatcher published up to target has then been sent, and the
// later ones are in the buffer.
func (s *subscriber) catchUp(ctx context.Context, last *eventlog.Position, target eventlog.Position) bool {
	backoff := errorMinDelay
	for last.Less(target) {
		page, err := readThrough(ctx, s.hub.db.Bun, s.filter, *last, target, pageSize)
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			s.hub.log.WarnContext(ctx, "realtime catch-up read failed", slog.Any("error", err),
				slog.Duration("retry_in", backoff))
			select {
			case <-ctx.Done():
				return false
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, errorMaxDelay)
			continue
		}
		backoff = errorMinDelay
		for _, e := range page {
			if !s.send(ctx, e, last) {
				return false
			}
		}
		if len(page) < pageSize {
			return true
		}
	}
	return true
}

// send delivers e unless it is not after last, and advances last.
func (s *subscriber) send(ctx context.Context, e *eventlog.Event, last *eventlog.Position) bool {
	p := eventlog.Position{TxID: e.TxID, ID: e.ID}
	if !last.Less(p) {
		return true
	}
	select {
	case s.out <- e:
		*last = p
		return true
	case <-ctx.Done():
		return false
	}
}
