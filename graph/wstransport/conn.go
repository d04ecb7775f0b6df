package wstransport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
)

// conn is one graphql-transport-ws connection.
//
// One goroutine (serve) reads and handles client messages in order, so the
// protocol state (init received, acknowledged) needs no lock. One goroutine
// (writeLoop) writes every outgoing message from a bounded queue. Operations,
// timers and the close handshake run in goroutines counted by wg, which serve
// waits for before it returns.
type conn struct {
	cfg    Config
	ws     *websocket.Conn
	exec   graphql.GraphExecutor
	header http.Header
	log    *slog.Logger
	cancel context.CancelFunc // ends the connection's lifetime context

	sendq chan []byte
	wg    sync.WaitGroup

	mu      sync.Mutex
	closing bool                  // set once, when the socket starts closing
	ops     map[string]*operation // running operations by client id
}

// operation is one running subscribe.
type operation struct {
	id     string
	cancel context.CancelFunc
}

func newConn(cfg Config, ws *websocket.Conn, exec graphql.GraphExecutor, r *http.Request, cancel context.CancelFunc) *conn {
	return &conn{
		cfg:    cfg,
		ws:     ws,
		exec:   exec,
		header: r.Header,
		log:    cfg.Logger.With("remote_addr", r.RemoteAddr),
		cancel: cancel,
		sendq:  make(chan []byte, cfg.SendQueue),
		ops:    make(map[string]*operation),
	}
}

// serve runs the connection until it closes; ctx is its lifetime and is
// cancelled through c.cancel. On return every goroutine of the connection has
// exited.
func (c *conn) serve(ctx context.Context) {
	c.wg.Add(1)
	go c.writeLoop(ctx)

	initTimer := time.AfterFunc(c.cfg.InitTimeout, func() {
		c.close(CloseInitTimeout, "Connection initialisation timeout")
	})
	var stopWatch func() bool // stops watching the session context
	defer func() {
		initTimer.Stop()
		if stopWatch != nil {
			stopWatch()
		}
		c.abort()
		c.wg.Wait()
	}()

	var (
		initReceived bool
		session      context.Context // nil until connection_ack
	)
	for {
		// Reads must not use ctx: coder/websocket drops the connection
		// without a close frame when a read's context ends.
		_, data, err := c.ws.Read(context.Background())
		start := graphql.Now()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.isClosing() {
			return // let the close handshake drain the socket
		}
		m, err := parseMessage(data)
		if err != nil {
			var pe *protocolError
			reason := "Invalid message received"
			if errors.As(err, &pe) {
				reason = pe.Reason
			}
			c.close(CloseBadRequest, reason)
			return
		}

		switch m.Type {
		case typeConnectionInit:
			if initReceived {
				c.close(CloseTooManyInitRequest, "Too many initialisation requests")
				return
			}
			initReceived = true
			if !initTimer.Stop() {
				return // the timeout fired first and is closing the socket
			}
			session, stopWatch = c.init(ctx, m.Payload)
			if session == nil {
				return
			}
		case typePing:
			c.send(message{Type: typePong, Payload: m.Payload})
		case typePong:
			// The answer to our keep-alive ping; nothing to do.
		case typeSubscribe:
			if session == nil {
				c.close(CloseUnauthorized, "Unauthorized")
				return
			}
			if !c.subscribe(session, m, start) {
				return
			}
		case typeComplete:
			c.stopOperation(m.ID)
		}
	}
}

// init handles connection_init: it runs the InitFunc, acknowledges, and starts
// the keep-alive and revalidation timers. It returns the context operations
// run in, or nil if the connection is being closed, and a function that stops
// watching the session for expiry.
func (c *conn) init(ctx context.Context, payload json.RawMessage) (context.Context, func() bool) {
	var p map[string]any
	if len(payload) > 0 && !bytes.Equal(payload, []byte("null")) {
		if err := json.Unmarshal(payload, &p); err != nil {
			c.close(CloseBadRequest, "Invalid connection_init payload")
			return nil, nil
		}
	}

	session := ctx
	var stopWatch func() bool
	if c.cfg.InitFunc != nil {
		s, err := c.cfg.InitFunc(ctx, p)
		if err == nil && s == nil {
			err = errors.New("InitFunc returned a nil context")
		}
		if err == nil && s.Err() != nil {
			err = context.Cause(s)
		}
		if err != nil {
			c.log.InfoContext(ctx, "websocket connection_init rejected", "error", err)
			c.close(CloseForbidden, "Forbidden")
			return nil, nil
		}
		// The session ending (token expiry, revocation) closes the socket
		// with 4403. Operations must not see that cancellation themselves,
		// or they would complete normally before the close code is sent.
		stopWatch = context.AfterFunc(s, func() {
			if ctx.Err() == nil {
				c.log.InfoContext(ctx, "websocket session ended", "error", context.Cause(s))
				c.close(CloseForbidden, "Forbidden")
			}
		})
		session = s
	}

	opsCtx, cancelOps := context.WithCancel(context.WithoutCancel(session))
	context.AfterFunc(ctx, cancelOps)

	c.send(message{Type: typeConnectionAck})

	if c.cfg.KeepAlive > 0 {
		c.wg.Add(1)
		go c.every(ctx, c.cfg.KeepAlive, func() bool {
			c.send(message{Type: typePing})
			return true
		})
	}
	if c.cfg.Revalidate != nil {
		c.wg.Add(1)
		go c.every(ctx, c.cfg.RevalidateInterval, func() bool {
			if err := c.cfg.Revalidate(opsCtx); err != nil {
				if ctx.Err() == nil {
					c.log.InfoContext(ctx, "websocket session revalidation failed", "error", err)
					c.close(CloseForbidden, "Forbidden")
				}
				return false
			}
			return true
		})
	}
	return opsCtx, stopWatch
}

// every calls f every period until ctx ends or f returns false.
func (c *conn) every(ctx context.Context, period time.Duration, f func() bool) {
	defer c.wg.Done()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !f() {
				return
			}
		}
	}
}

// writeLoop is the only writer of data messages.
func (c *conn) writeLoop(ctx context.Context) {
	defer c.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-c.sendq:
			// Not ctx: the close handshake must not be cut short by
			// the write of a message that was already queued.
			wctx, cancel := context.WithTimeout(context.Background(), c.cfg.WriteTimeout)
			err := c.ws.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				if !c.isClosing() {
					c.log.InfoContext(ctx, "websocket write failed", "error", err)
				}
				c.abort()
				return
			}
		}
	}
}

// send queues a connection-level message.
func (c *conn) send(m message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(m)
}

// enqueueLocked queues m unless the socket is closing; a full queue means
// the client does not keep up, and closes the socket.
func (c *conn) enqueueLocked(m message) {
	if c.closing {
		return
	}
	b, err := encode(m)
	if err != nil {
		c.log.Error("websocket message dropped", "error", err, "operation_id", m.ID)
		return
	}
	select {
	case c.sendq <- b:
	default:
		c.log.Warn("websocket client reads too slowly, closing", "send_queue", cap(c.sendq))
		c.closeLocked(CloseSlowConsumer, "slow consumer")
	}
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// close starts the close handshake with code and reason, once; later calls
// are ignored. Running operations are cancelled and no further message is
// sent.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

func (c *conn) closeLocked(code websocket.StatusCode, reason string) {
	if c.closing {
		return
	}
	c.closing = true
	c.cancelAllLocked()
	c.log.Debug("websocket closing", "close_code", int(code), "close_reason", reason)

	// The handshake waits up to seconds for the peer; don't hold up the
	// caller (a timer, Shutdown, the reader) meanwhile.
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := c.ws.Close(code, reason); err != nil {
			c.log.Debug("websocket close handshake", "error", err)
		}
	}()
}

// abort drops the connection without a handshake unless one is under way.
func (c *conn) abort() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.cancelAllLocked()
	c.mu.Unlock()
	_ = c.ws.CloseNow()
}

func (c *conn) cancelAllLocked() {
	c.cancel()
	for id, op := range c.ops {
		op.cancel()
		delete(c.ops, id)
	}
}

// readFailed logs why reading stopped, unless the peer closed normally.
func (c *conn) readFailed(err error) {
	if c.isClosing() {
		return
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		c.log.Debug("websocket closed by client", "error", err)
	default:
		c.log.Info("websocket read failed", "error", err)
	}
}
