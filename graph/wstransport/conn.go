package wstransport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// conn is one graphql-transport-ws connection.
//
// An idle connection costs as few goroutines as the protocol allows: the
// reader (serve, started by Transport.Do) and one per running operation.
// Client messages are handled one at a time, in order, so the protocol
// state (init received, acknowledged) needs no lock. Outgoing
// messages wait in a queue that a writer goroutine drains; it is started
// when a message is queued and exits when the queue is empty, so a quiet
// socket has none. The init timeout, keep-alive pings, revalidation and the
// session watch are timers and context callbacks, not goroutines. Every
// goroutine of the connection is counted by wg, which serve waits for
// before it returns.
type conn struct {
	cfg        *Config // shared by every connection of the Transport
	ws         *websocket.Conn
	exec       graphql.GraphExecutor
	header     http.Header
	remoteAddr string
	cancel     context.CancelFunc // ends the connection's lifetime context

	wg sync.WaitGroup

	// Protocol state, used by one message handler at a time.
	initTimer    *time.Timer     // closes the socket if connection_init is late
	initReceived bool            // connection_init has been received
	session      context.Context // operations' context; nil until connection_ack
	stopWatch    func() bool     // stops watching the session's end; nil without InitFunc

	mu      sync.Mutex
	closing bool         // set once, when the socket starts closing
	ops     []*operation // running operations; a few, so a slice beats a map

	// Outgoing messages, oldest at queue[head]. The slice is dropped
	// whenever the writer empties it, so an idle socket holds no buffer.
	queue   [][]byte
	head    int
	writing bool // a writeLoop goroutine is draining the queue

	keepAlive  *time.Timer // sends the next ping; nil if disabled or not acknowledged
	revalidate *time.Timer // runs the next revalidation; nil likewise

	// failingSince is when revalidation started failing with temporary
	// errors; zero while it succeeds. Used by the revalidation timer only.
	failingSince time.Time
}

// operation is one running subscribe.
type operation struct {
	id     string
	ctx    context.Context // the operation's own, for re-checks
	cancel context.CancelFunc
}

func newConn(cfg *Config, ws *websocket.Conn, exec graphql.GraphExecutor, r *http.Request, cancel context.CancelFunc) *conn {
	return &conn{
		cfg:        cfg,
		ws:         ws,
		exec:       exec,
		header:     r.Header,
		remoteAddr: r.RemoteAddr,
		cancel:     cancel,
	}
}

// log returns the logger for the connection's events. The remote address
// is attached per event, not kept in a derived logger: events are rare and
// a derived logger costs every idle socket memory.
func (c *conn) log() *slog.Logger {
	return c.cfg.Logger.With("remote_addr", c.remoteAddr)
}

// serve runs the connection until it closes; ctx is its lifetime and is
// cancelled through c.cancel. On return every goroutine of the connection has
// exited.
//
// serve only reads: each message is handled on a goroutine of its own,
// which serve waits for. Handling a message goes deep (JSON decoding, the
// InitFunc, parsing and validating a query) and would grow the reader's
// stack for good, while all an idle socket's reader needs is the shallow
// read path.
func (c *conn) serve(ctx context.Context) {
	c.initTimer = time.AfterFunc(c.cfg.InitTimeout, func() {
		c.close(CloseInitTimeout, "Connection initialisation timeout")
	})
	defer func() {
		if c.initTimer != nil {
			c.initTimer.Stop()
		}
		if c.stopWatch != nil {
			c.stopWatch()
		}
		c.abort()
		c.wg.Wait()
	}()

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
		result := make(chan bool, 1)
		go c.handleOwnStack(ctx, data, start, result)
		if !<-result {
			return
		}
	}
}

// handleOwnStack is handle on a goroutine of its own; it sends handle's
// answer to result. A panic (from the InitFunc, an extension, the executor)
// closes the socket with 1011 instead of ending the process.
func (c *conn) handleOwnStack(ctx context.Context, data []byte, start time.Time, result chan<- bool) {
	ok := false
	defer func() {
		if r := recover(); r != nil {
			c.log().ErrorContext(ctx, "websocket message handler panicked", "panic", r, "stack", string(debug.Stack()))
			c.close(websocket.StatusInternalError, "Internal server error")
		}
		result <- ok
	}()
	ok = c.handle(ctx, data, start)
}

// handle handles one client message; it reports false if the connection is
// closing. Messages are handled one at a time, in order, so the protocol
// state (init received, acknowledged) needs no lock.
func (c *conn) handle(ctx context.Context, data []byte, start time.Time) bool {
	m, err := parseMessage(data)
	if err != nil {
		var pe *protocolError
		reason := "Invalid message received"
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		c.close(CloseBadRequest, reason)
		return false
	}

	switch m.Type {
	case typeConnectionInit:
		if c.initReceived {
			c.close(CloseTooManyInitRequest, "Too many initialisation requests")
			return false
		}
		c.initReceived = true
		if !c.initTimer.Stop() {
			return false // the timeout fired first and is closing the socket
		}
		c.initTimer = nil
		c.session, c.stopWatch = c.init(ctx, m.Payload)
		return c.session != nil
	case typePing:
		c.send(message{Type: typePong, Payload: m.Payload})
	case typePong:
		// The answer to our keep-alive ping; nothing to do.
	case typeSubscribe:
		if c.session == nil {
			c.close(CloseUnauthorized, "Unauthorized")
			return false
		}
		return c.subscribe(c.session, m, start)
	case typeComplete:
		c.stopOperation(m.ID)
	}
	return true
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
			c.log().InfoContext(ctx, "websocket connection_init rejected", "error", err)
			var r *Refusal
			if errors.As(err, &r) {
				c.close(r.Code, r.Reason)
			} else {
				c.close(CloseForbidden, "Forbidden")
			}
			return nil, nil
		}
		// The session ending (token expiry, revocation) closes the socket
		// with 4403. Operations must not see that cancellation themselves,
		// or they would complete normally before the close code is sent.
		stopWatch = context.AfterFunc(s, func() {
			if ctx.Err() == nil {
				c.log().InfoContext(ctx, "websocket session ended", "error", context.Cause(s))
				c.close(CloseForbidden, "Forbidden")
			}
		})
		session = s
	}

	// Operations are cancelled one by one, by stopOperation and
	// cancelAllLocked, so their common context needs no cancellation of
	// its own; without one, each operation's context is independent of
	// the others' and costs no entry in a parent's list of children.
	opsCtx := context.WithoutCancel(session)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return opsCtx, stopWatch
	}
	c.enqueueLocked(message{Type: typeConnectionAck})
	if c.cfg.KeepAlive > 0 {
		c.keepAlive = time.AfterFunc(c.cfg.KeepAlive, c.ping)
	}
	if c.cfg.Revalidate != nil {
		c.revalidate = time.AfterFunc(c.cfg.RevalidateInterval, func() { c.revalidateSession(ctx, opsCtx) })
	}
	return opsCtx, stopWatch
}

// ping sends a keep-alive ping and schedules the next one. It runs on the
// keep-alive timer's goroutine.
func (c *conn) ping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(message{Type: typePing})
	if !c.closing {
		c.keepAlive.Reset(c.cfg.KeepAlive)
	}
}

// revalidateSession calls the RevalidateFunc and schedules the next call, or
// closes the socket: with 4403 when the check fails, with 1013 when it could
// not be made for the whole grace period. It runs on the revalidation
// timer's goroutine; the period counts from the end of the previous call, so
// a slow RevalidateFunc never runs twice at once (and failingSince needs no
// lock). The call is given the operations' context, cancelled when the
// connection ends (ctx).
func (c *conn) revalidateSession(ctx, opsCtx context.Context) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	defer c.wg.Done()

	rctx, cancel := context.WithCancel(opsCtx)
	stop := context.AfterFunc(ctx, cancel)
	changed, err := c.cfg.Revalidate(rctx)
	stop()
	cancel()
	next := c.cfg.RevalidateInterval
	switch {
	case err != nil && ctx.Err() != nil:
		return // the connection ended meanwhile
	case err != nil && isTemporary(err):
		now := time.Now()
		if c.failingSince.IsZero() {
			c.failingSince = now
		}
		if now.Sub(c.failingSince) >= c.cfg.RevalidateGrace {
			c.log().WarnContext(ctx, "websocket session could not be revalidated within the grace period", "error", err)
			c.close(websocket.StatusTryAgainLater, "Try again later")
			return
		}
		c.log().InfoContext(ctx, "websocket session revalidation could not be made; retrying", "error", err)
		next = retryDelay(now.Sub(c.failingSince), next)
	case err != nil:
		c.log().InfoContext(ctx, "websocket session revalidation failed", "error", err)
		c.close(CloseForbidden, "Forbidden")
		return
	default:
		c.failingSince = time.Time{}
		if changed && c.cfg.Authorize != nil {
			c.reauthorize()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing {
		c.revalidate.Reset(next)
	}
}

// revalidateRetry is how soon a revalidation that could not be made is
// first tried again (the interval, if that is shorter).
const revalidateRetry = time.Second

// retryDelay is the wait before the next try of a revalidation that has
// failed for failing: a second, doubling with the outage, at most the
// interval, each cut by up to a fifth at random so that the sockets of a
// server do not all knock on a recovering database at the same instant.
func retryDelay(failing, interval time.Duration) time.Duration {
	d := min(max(revalidateRetry, failing), interval)
	return d - rand.N(d/5+1)
}

// reauthorize re-checks every running operation with the AuthorizeFunc after
// the session changed; one that fails ends with an error message.
func (c *conn) reauthorize() {
	c.mu.Lock()
	ops := slices.Clone(c.ops)
	c.mu.Unlock()
	for _, op := range ops {
		err := c.cfg.Authorize(op.ctx)
		if err == nil {
			continue
		}
		resp := c.exec.DispatchError(op.ctx, gqlerror.List{{Message: err.Error(), Err: err}})
		c.finish(op, func() { c.enqueueErrorsLocked(op.id, resp.Errors) })
		op.cancel()
	}
}

// writeLoop writes queued messages until the queue is empty or the socket
// starts closing. At most one runs at a time; it is the only writer of data
// messages.
func (c *conn) writeLoop() {
	defer c.wg.Done()
	for {
		b, ok := c.dequeue()
		if !ok {
			return
		}
		// Not the connection's context: the close handshake must not be
		// cut short by the write of a message that was already queued.
		wctx, cancel := context.WithTimeout(context.Background(), c.cfg.WriteTimeout)
		err := c.ws.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			if !c.isClosing() {
				c.log().Info("websocket write failed", "error", err)
			}
			c.abort()
			return
		}
	}
}

// dequeue returns the oldest queued message, or false when there is none or
// the socket is closing, in which case the calling writeLoop must exit.
func (c *conn) dequeue() ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.head == len(c.queue) {
		c.writing = false
		return nil, false
	}
	b := c.queue[c.head]
	c.queue[c.head] = nil
	c.head++
	if c.head == len(c.queue) {
		c.queue, c.head = nil, 0
	}
	return b, true
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
		c.log().Error("websocket message dropped", "error", err, "operation_id", m.ID)
		return
	}
	if len(c.queue)-c.head >= c.cfg.SendQueue {
		c.log().Warn("websocket client reads too slowly, closing", "send_queue", c.cfg.SendQueue)
		c.closeLocked(CloseSlowConsumer, "slow consumer")
		return
	}
	if len(c.queue) == cap(c.queue) && c.head > 0 && c.head >= len(c.queue)/2 {
		// Reuse the written half rather than grow: a client that keeps
		// up, but never quite empties the queue, must not make it grow
		// without end.
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
	c.queue = append(c.queue, b)
	if !c.writing {
		c.writing = true
		c.wg.Add(1)
		go c.writeLoop()
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
	c.log().Debug("websocket closing", "close_code", int(code), "close_reason", reason)

	// The handshake waits up to seconds for the peer; don't hold up the
	// caller (a timer, Shutdown, the reader) meanwhile.
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := c.ws.Close(code, reason); err != nil {
			c.log().Debug("websocket close handshake", "error", err)
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

// cancelAllLocked ends the connection's context, its operations and its
// timers, and drops the messages not yet written: nothing more is sent once
// the socket starts closing.
func (c *conn) cancelAllLocked() {
	c.cancel()
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	if c.revalidate != nil {
		c.revalidate.Stop()
	}
	for _, op := range c.ops {
		op.cancel()
	}
	c.ops = nil
	c.queue, c.head = nil, 0
}

// readFailed logs why reading stopped, unless the peer closed normally.
func (c *conn) readFailed(err error) {
	if c.isClosing() {
		return
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		c.log().Debug("websocket closed by client", "error", err)
	default:
		c.log().Info("websocket read failed", "error", err)
	}
}
