package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apperror"
)

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, refused := pgconn.Connect(ctx, "postgres://127.0.0.1:1/x?connect_timeout=1")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a statement's own failure", &pgconn.PgError{Code: "23505"}, false},
		{"syntax", &pgconn.PgError{Code: "42601"}, false},
		{"no rows", sql.ErrNoRows, false},
		{"cancelled by the caller", fmt.Errorf("load: %w", context.Canceled), false},
		{"statement deadline", fmt.Errorf("load: %w", context.DeadlineExceeded), false},
		{"other", errors.New("boom"), false},
		{"admin shutdown", fmt.Errorf("load: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"bad connection", driver.ErrBadConn, true},
		{"connection done", sql.ErrConnDone, true},
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"broken mid-statement", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), true},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"already classified", apperror.Wrap(errors.New("x"), apperror.Unavailable, "down"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Unreachable(tc.err))
			got := Classify(tc.err)
			require.Equal(t, tc.want, errors.Is(got, apperror.ErrUnavailable))
			if tc.err != nil {
				require.ErrorIs(t, got, tc.err, "the driver's error stays reachable")
			}
		})
	}
	t.Run("refused connection", func(t *testing.T) {
		t.Parallel()
		_, err := pgconn.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/x?connect_timeout=2")
		var ce *pgconn.ConnectError
		require.ErrorAs(t, err, &ce)
		require.True(t, Unreachable(err))
		ae, ok := apperror.As(Classify(err))
		require.True(t, ok)
		require.Equal(t, apperror.Unavailable, ae.Code)
		require.NotContains(t, ae.Error(), "127.0.0.1", "the message shown to callers names no host")
	})
	t.Run("acquire", func(t *testing.T) {
		t.Parallel()
		require.True(t, errors.Is(classifyAcquire(context.DeadlineExceeded), apperror.ErrUnavailable), "waiting out the deadline for a connection is an outage")
		require.ErrorIs(t, classifyAcquire(context.Canceled), context.Canceled)
		require.False(t, errors.Is(classifyAcquire(context.Canceled), apperror.ErrUnavailable))
		require.NotNil(t, refused)
		require.False(t, errors.Is(classifyAcquire(refused), apperror.ErrUnavailable), "a connect the caller cancelled is not an outage")
	})
}
