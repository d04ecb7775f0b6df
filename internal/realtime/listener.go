package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnection back-off of the LISTEN connection.
const (
	listenMinBackoff = 100 * time.Millisecond
	listenMaxBackoff = 10 * time.Second
)

// connectListener opens a dedicated connection (outside the pool, which
// must not lose a connection to a session-long LISTEN) and listens on the
// channel.
func (h *Hub) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, h.db.Pool.Config().ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("connect listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{h.cfg.Channel}.Sanitize()); err != nil {
		closeConn(ctx, conn)
		return nil, fmt.Errorf("listen on %q: %w", h.cfg.Channel, err)
	}
	return conn, nil
}

// listen waits for notifications on conn and wakes the dispatcher for
// each. When the connection drops it reconnects with back-off and then
// wakes the dispatcher, since notifications sent while it was away are
// lost; reads go by position, so one wake-up catches everything up.
func (h *Hub) listen(ctx context.Context, conn *pgx.Conn) {
	defer h.wg.Done()
	backoff := listenMinBackoff
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	defer wait.Stop()
	for {
		if conn != nil {
			err := h.waitForNotifications(ctx, conn)
			closeConn(ctx, conn)
			conn = nil
			if ctx.Err() != nil {
				return
			}
			h.log.WarnContext(ctx, "realtime listener lost its connection", slog.Any("error", err))
		}
		wait.Reset(backoff)
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		var err error
		conn, err = h.connectListener(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = min(2*backoff, listenMaxBackoff)
			h.log.WarnContext(ctx, "realtime listener cannot reconnect", slog.Any("error", err),
				slog.Duration("retry_in", backoff))
			continue
		}
		backoff = listenMinBackoff
		h.log.InfoContext(ctx, "realtime listener reconnected", slog.Int("backend_pid", int(conn.PgConn().PID())))
		h.wakeDispatcher()
	}
}

// waitForNotifications wakes the dispatcher for every notification but
// this hub's own, and returns when conn fails or ctx ends.
func (h *Hub) waitForNotifications(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload != h.id {
			h.wakeDispatcher()
		}
	}
}

// closeConn closes conn without waiting long for a server that is gone.
func closeConn(ctx context.Context, conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}
