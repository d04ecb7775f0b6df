// Package clock is the time Frontdesk's business decisions are made at:
// when a scenario timer is due, whether an organisation is open, what
// "tomorrow" means in a customer's message. The pipeline and the workers'
// checks read it instead of time.Now, and it is handed to them when they
// are built, so a test can fix it.
//
// Wall time still measures durations (timeouts, back-off, metrics) and
// River schedules jobs by it: a test that fixes the clock must not also
// let River work the jobs scheduled from it, or River runs them by the
// wall and the test by its clock (apptest.StartAt works jobs explicitly).
//
// Every read that decides something for an organisation knows which
// organisation it is for, so a later per-organisation clock (a sandbox's
// own "now") can be looked up there without changing the readers.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	// Now is the current time by this clock.
	Now() time.Time
}

// System is the machine's clock: production's.
type System struct{}

// Now is time.Now.
func (System) Now() time.Time { return time.Now() }

// Manual is a clock that only moves when told to (tests). Safe for
// concurrent use.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a clock stopped at now.
func NewManual(now time.Time) *Manual { return &Manual{now: now} }

// Now is the time the clock was last set to.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to now (backwards too).
func (m *Manual) Set(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = now
}

// Advance moves the clock on by d and returns the new time.
func (m *Manual) Advance(d time.Duration) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
	return m.now
}
