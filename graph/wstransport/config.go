package wstransport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/coder/websocket"
)

// Defaults for the zero-valued fields of a [Config].
const (
	DefaultInitTimeout        = 10 * time.Second
	DefaultKeepAlive          = 12 * time.Second
	DefaultRevalidateInterval = 15 * time.Second
	DefaultRevalidateGrace    = time.Minute
	DefaultMaxOperations      = 100
	DefaultReadLimit          = 64 << 10
	DefaultSendQueue          = 256
	DefaultWriteTimeout       = 10 * time.Second
)

// InitFunc authenticates a connection from the payload of its connection_init
// message. It returns the context that every operation of the connection runs
// in (typically ctx with the principal attached).
//
// A returned error closes the socket with 4403 "Forbidden", or with the code
// and reason of a [Refusal] (see [Refuse]); its text is logged, never sent
// to the client. If the returned context has a deadline (for
// instance the expiry of the token, set with [context.WithDeadline]) or is
// cancelled later, the socket is closed with 4403 "Forbidden" at that moment.
type InitFunc func(ctx context.Context, payload map[string]any) (context.Context, error)

// RevalidateFunc is called periodically after connection_ack with the context
// returned by the [InitFunc]. Use it to notice revoked sessions, users that
// lost access and changed roles.
//
// An error closes the socket with 4403 "Forbidden", unless it is marked
// [Temporary] (the check could not be made, say the database is down): then
// the check is retried every second or so, and only when it has not
// succeeded for the RevalidateGrace is the socket closed, with 1013 "Try
// again later", so that an outage does not sign every client out. changed
// reports that the identity behind the session changed (a new role): every
// running operation is then re-checked with the [AuthorizeFunc].
type RevalidateFunc func(ctx context.Context) (changed bool, err error)

// AuthorizeFunc re-checks one running operation after its session changed;
// ctx is the operation's context. An error ends the operation with an error
// message carrying it, through the executor's error presenter.
type AuthorizeFunc func(ctx context.Context) error

// OperationFunc derives the context one operation runs in from the session's
// context (for instance a snapshot of the session's identity, fixed for the
// operation's life). An error refuses the operation with an error message
// carrying it (for instance a rate limit).
type OperationFunc func(session context.Context) (context.Context, error)

// Config configures a [Transport]. Zero fields take the documented defaults.
type Config struct {
	// AllowedOrigins lists the host patterns (path.Match syntax, matched
	// case-insensitively against the Origin host, or against scheme://host if
	// the pattern contains "://") that may open a socket from another origin.
	// Empty allows same-origin requests only; "*" allows any origin.
	AllowedOrigins []string

	// InsecureSkipOriginCheck disables the origin check. Development only: it
	// exposes the API to cross-site websocket hijacking.
	InsecureSkipOriginCheck bool

	// InitTimeout is how long a client has to send connection_init after the
	// socket opens before it is closed with 4408. Default 10s.
	InitTimeout time.Duration

	// InitFunc authenticates the connection. Nil accepts every connection.
	InitFunc InitFunc

	// Revalidate, if set, is called every RevalidateInterval after the
	// connection is acknowledged.
	Revalidate RevalidateFunc

	// RevalidateInterval is the period of Revalidate. Default 15s.
	RevalidateInterval time.Duration

	// RevalidateGrace is how long Revalidate may keep failing with
	// [Temporary] errors before the socket is closed with 1013. Default 1m.
	RevalidateGrace time.Duration

	// Authorize re-checks running operations after Revalidate reports a
	// change. Nil lets them run on.
	Authorize AuthorizeFunc

	// Operation, if set, derives each operation's context from the
	// session's; nil runs operations in the session's context.
	Operation OperationFunc

	// KeepAlive is the period of the server's ping messages. Default 12s;
	// negative disables them.
	KeepAlive time.Duration

	// MaxOperations is the number of operations a connection may run at once;
	// a subscribe beyond it gets an error message for its id. Default 100.
	MaxOperations int

	// ReadLimit is the largest message, in bytes, accepted from a client; a
	// larger one closes the socket with 1009. Default 64 KiB.
	ReadLimit int64

	// SendQueue is the number of outgoing messages a connection may have
	// waiting for the network; when a client reads too slowly and the queue
	// overflows, the socket is closed with 1008 "slow consumer". Default 256.
	SendQueue int

	// WriteTimeout bounds the write of one message to the network; when it
	// expires the connection is dropped. Default 10s.
	WriteTimeout time.Duration

	// Logger receives connection-level events. Nil discards them.
	Logger *slog.Logger
}

// Validate reports settings that can never work, so that a misconfigured
// server fails at start-up rather than on the first websocket.
func (c Config) Validate() error {
	var errs []error
	for _, p := range c.AllowedOrigins {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("AllowedOrigins: bad pattern %q: %w", p, err))
		}
	}
	if c.InitTimeout < 0 {
		errs = append(errs, errors.New("InitTimeout must not be negative"))
	}
	if c.RevalidateInterval < 0 || c.RevalidateGrace < 0 {
		errs = append(errs, errors.New("RevalidateInterval and RevalidateGrace must not be negative"))
	}
	if c.MaxOperations < 0 {
		errs = append(errs, errors.New("MaxOperations must not be negative"))
	}
	if c.ReadLimit < 0 {
		errs = append(errs, errors.New("ReadLimit must not be negative"))
	}
	if c.SendQueue < 0 {
		errs = append(errs, errors.New("SendQueue must not be negative"))
	}
	if c.WriteTimeout < 0 {
		errs = append(errs, errors.New("WriteTimeout must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wstransport config: %w", err)
	}
	return nil
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.InitTimeout == 0 {
		c.InitTimeout = DefaultInitTimeout
	}
	if c.RevalidateInterval == 0 {
		c.RevalidateInterval = DefaultRevalidateInterval
	}
	if c.RevalidateGrace == 0 {
		c.RevalidateGrace = DefaultRevalidateGrace
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.MaxOperations == 0 {
		c.MaxOperations = DefaultMaxOperations
	}
	if c.ReadLimit == 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.SendQueue == 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// temporary marks an error of a check that could not be made.
type temporary struct{ err error }

func (t temporary) Error() string { return t.err.Error() }
func (t temporary) Unwrap() error { return t.err }

// Temporary marks err, returned by a [RevalidateFunc], as a failure to make
// the check rather than a verdict: the socket stays open while the check is
// retried (see [RevalidateFunc]).
func Temporary(err error) error { return temporary{err} }

func isTemporary(err error) bool {
	var t temporary
	return errors.As(err, &t)
}

// Refusal is an [InitFunc] error that closes the socket with its own code
// and reason instead of 4403 "Forbidden".
type Refusal struct {
	Code   websocket.StatusCode
	Reason string
}

func (r *Refusal) Error() string { return fmt.Sprintf("refused with %d: %s", int(r.Code), r.Reason) }

// Refuse returns a [Refusal].
func Refuse(code websocket.StatusCode, reason string) error {
	return &Refusal{Code: code, Reason: reason}
}
