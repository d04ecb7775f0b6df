package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"frontdesk/internal/apperror"
)

// unavailableMessage is what callers are told during an outage.
const unavailableMessage = "the database cannot be reached; try again later"

// Unreachable reports whether err, returned by a database call, means that
// PostgreSQL cannot be reached right now, so that the same call may well
// succeed later: no connection could be made or acquired, the connection
// broke, or the server is shutting down or starting up. It says nothing
// about the statement itself, which never ran or whose outcome is unknown.
// A cancelled context (the caller went away) is not an outage, nor is a
// statement that ran out of its deadline (context.DeadlineExceeded, which
// also passes for a net.Error).
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, apperror.ErrUnavailable) {
		return true
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true // refused, timed out, or turned away while connecting (57P03 ...)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unreachableState(pgErr.Code)
	}
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, pgconn.ErrConnClosed):
		return true // a connection that broke earlier
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true // the connection broke under the statement
	case errors.As(err, &netErr):
		return true
	}
	return false
}

// unreachableState reports whether SQLSTATE code says the server dropped
// or refused the session rather than the statement failing.
func unreachableState(code string) bool {
	switch {
	case len(code) == 5 && code[:2] == "08": // connection_exception and its subclasses
		return true
	}
	switch code {
	case "57P01", // admin_shutdown: the server stops, or pg_terminate_backend
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: starting up or in recovery
		"57P05", // idle_session_timeout
		"53300": // too_many_connections
		return true
	}
	return false
}

// Classify returns err wrapped as an UNAVAILABLE *apperror.Error when
// Unreachable(err), else err unchanged. Every statement goes through it
// (the database/sql connector in prepare.go), so every caller, the GraphQL
// error presenter and the webhook handler among them, sees an outage as
// the same error, and can still reach the driver's error beneath it.
func Classify(err error) error {
	if err == nil || errors.Is(err, apperror.ErrUnavailable) || !Unreachable(err) {
		return err
	}
	return apperror.Wrap(err, apperror.Unavailable, unavailableMessage)
}

// classifyAcquire is Classify for a failure to get a connection: whatever
// the reason (refused, or the pool's wait for a free connection ran out
// the caller's deadline), the statement never reached the database.
func classifyAcquire(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, apperror.ErrUnavailable) {
		return err
	}
	return apperror.Wrap(err, apperror.Unavailable, unavailableMessage)
}
