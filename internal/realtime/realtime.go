// Package realtime delivers the event log live to GraphQL subscriptions:
// resumable from a cursor, gap-free, and correct with any number of
// replicas.
//
// The log is the only source of truth; nothing is published in memory that
// was not read from it. After a service commits a transaction that appended
// events it calls Hub.Notify, which wakes this process's dispatcher at once
// and sends one NOTIFY (outside the writer's transaction) so that the other
// processes wake too. Every process keeps one LISTEN connection and also
// polls on an interval, so a writer that crashes between commit and notify
// delays delivery by at most Config.PollInterval.
//
// One dispatcher per process follows the whole log from a tail position
// with gap-free reads (see ReadAfter) and fans each event out in memory to
// the subscribers whose Filter matches. Subscribers never block the
// dispatcher: each has a bounded buffer, and one that falls behind stops
// receiving from the dispatcher and reads from the database from its own
// last position until it has caught up again. It loses nothing and is
// never disconnected for being slow: catching up costs one page of memory
// however far behind it is. A subscription that resumes from a cursor
// starts the same way, with a catch-up read.
//
// Latency has one caveat: the horizon is the oldest transaction running
// anywhere in the PostgreSQL cluster (every database), so a long
// transaction that holds a transaction id, even an unrelated one, holds
// back the events committed after it began until it ends. The dispatcher
// notices such held-back events and re-reads every few milliseconds (up to
// every 100ms) until they are released, without waiting for a notification.
package realtime

import (
	"errors"
	"time"
)

// Defaults for Config's zero fields.
const (
	DefaultPollInterval     = time.Second
	DefaultChannel          = "frontdesk_events"
	DefaultSubscriberBuffer = 256
	DefaultCoalesce         = 2 * time.Millisecond
)

// pageSize is how many events one read returns, for the dispatcher and for
// catching-up subscribers alike.
const pageSize = 500

// Config tunes a Hub. The zero value uses the defaults.
type Config struct {
	// PollInterval is how often the dispatcher reads the log without being
	// woken, which bounds the delay after a lost notification.
	PollInterval time.Duration
	// Channel is the LISTEN/NOTIFY channel shared by every process.
	Channel string
	// SubscriberBuffer is how many live events may wait for one subscriber
	// before it switches to reading from the database.
	SubscriberBuffer int
	// Coalesce is the least time between the starts of two reads of the
	// dispatcher, and of two notifications this process sends: the commits
	// within it share one. Under load every commit would otherwise cost a
	// NOTIFY in every writer and a read in every process; it adds at most
	// this much to an event's delay, and nothing when commits come further
	// apart. Negative turns it off.
	Coalesce time.Duration
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Channel == "" {
		c.Channel = DefaultChannel
	}
	if c.SubscriberBuffer <= 0 {
		c.SubscriberBuffer = DefaultSubscriberBuffer
	}
	if c.Coalesce == 0 {
		c.Coalesce = DefaultCoalesce
	}
	return c
}

// Errors returned by Hub.
var (
	// ErrClosed is returned by Subscribe after Stop.
	ErrClosed = errors.New("realtime: hub stopped")
	// ErrNotStarted is returned by Subscribe before Start.
	ErrNotStarted = errors.New("realtime: hub not started")
)
