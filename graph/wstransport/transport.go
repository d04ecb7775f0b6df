// Package wstransport is a gqlgen transport for the graphql-transport-ws
// websocket protocol (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).
//
// It exists because gqlgen's own websocket transport closes with 1000/1002
// where the protocol defines specific codes, accepts duplicate operation ids
// and has no bound on what a slow client can make the server buffer. This one
// follows the protocol's close codes, authenticates in connection_init,
// revalidates the session while the socket lives, bounds every connection's
// send queue and operations, and closes all sockets with 1001 on shutdown.
//
// Wire it with handler.New(es) and h.AddTransport(&wstransport.Transport{...})
// before the HTTP transports, and call [Transport.Shutdown] when the server
// stops: http.Server.Shutdown does not track hijacked connections, so while
// it closes the sockets of that server with 1001, it does not wait for their
// operations to stop.
package wstransport

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
)

// Transport serves graphql-transport-ws websockets for a gqlgen handler.
// Set Config before first use and do not change it afterwards; a Transport
// must not be copied after first use.
type Transport struct {
	// Config configures the transport; zero fields take their defaults.
	Config Config

	setup  sync.Once
	cfg    Config // Config with defaults, fixed at first use
	cfgErr error

	mu       sync.Mutex
	conns    map[*conn]*http.Server    // open connections, by the server that accepted them
	servers  map[*http.Server]struct{} // servers whose Shutdown closes our sockets
	shutdown bool
	active   sync.WaitGroup // one per connection that got past the shutdown check
}

var _ graphql.Transport = (*Transport)(nil)

// Supports reports whether r is a websocket upgrade offering the
// graphql-transport-ws subprotocol. Other websocket requests fall through to
// the next transport, or to gqlgen's "transport not supported" answer.
func (t *Transport) Supports(r *http.Request) bool {
	return headerHasToken(r.Header, "Upgrade", "websocket") &&
		headerHasToken(r.Header, "Sec-WebSocket-Protocol", Subprotocol)
}

// Do upgrades the request and returns once the socket is set up; the
// connection is served by goroutines of its own until it closes.
//
// Do does not block for the socket's life because the goroutine that calls
// it is net/http's, and its stack has grown through the server, the
// middlewares and gqlgen by the time it gets here: blocked in a read for
// hours, it would keep 16 KiB that never shrinks. Once hijacked, the
// connection is no longer net/http's business, so the handler may return
// and a goroutine with a fresh, small stack reads the socket instead.
//
// The connection keeps the request's context values (the principal, the
// loaders) but not its cancellation, which net/http triggers itself when the
// handler returns. A request context already cancelled when the socket is
// set up closes it with 1001 "going away"; later, the socket closes with
// 1001 on [Transport.Shutdown] or on the Shutdown of the [http.Server] that
// accepted it.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	cfg, err := t.config()
	if err != nil {
		cfg.Logger.ErrorContext(r.Context(), "websocket transport misconfigured", "error", err)
		http.Error(w, "websocket transport misconfigured", http.StatusInternalServerError)
		return
	}
	if !t.enter() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}

	ws, err := websocket.Accept(withSmallBuffers(w), r, &websocket.AcceptOptions{
		Subprotocols:       []string{Subprotocol},
		OriginPatterns:     cfg.AllowedOrigins,
		InsecureSkipVerify: cfg.InsecureSkipOriginCheck || slices.Contains(cfg.AllowedOrigins, "*"),
	})
	if err != nil {
		t.active.Done()
		// Accept has already written the HTTP error response.
		cfg.Logger.InfoContext(r.Context(), "websocket upgrade refused",
			"error", err, "remote_addr", r.RemoteAddr, "origin", r.Header.Get("Origin"))
		return
	}
	ws.SetReadLimit(cfg.ReadLimit)

	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := newConn(&t.cfg, ws, exec, r, cancel)
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !t.track(c, srv) || r.Context().Err() != nil {
		c.close(CloseGoingAway, "going away")
	}
	go t.serve(ctx, c)
}

// serve runs c until it closes; it is the connection's reader goroutine.
func (t *Transport) serve(ctx context.Context, c *conn) {
	defer t.active.Done()
	defer t.untrack(c)
	c.serve(ctx)
}

// Shutdown closes every open socket with 1001 "going away", refuses new
// ones, and waits until their operations have stopped or ctx ends. A peer that
// never answers the close handshake is dropped by the websocket library
// within about ten seconds, whether or not ctx has ended by then.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.shutdown = true
	t.mu.Unlock()
	t.closeAll(nil)

	done := make(chan struct{})
	go func() {
		t.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("websocket shutdown: %w", ctx.Err())
	}
}

// config returns the configuration with defaults, validated once.
func (t *Transport) config() (Config, error) {
	t.setup.Do(func() {
		t.cfgErr = t.Config.Validate()
		t.cfg = t.Config.withDefaults()
	})
	return t.cfg, t.cfgErr
}

// enter counts a new connection unless the transport is shutting down.
func (t *Transport) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shutdown {
		return false
	}
	t.active.Add(1)
	return true
}

// track registers c, accepted by srv (nil if unknown), for Shutdown; it
// reports false if shutdown has begun. The first connection a server
// accepts makes that server's Shutdown close the sockets it accepted:
// net/http leaves hijacked connections alone.
func (t *Transport) track(c *conn, srv *http.Server) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shutdown {
		return false
	}
	if t.conns == nil {
		t.conns = make(map[*conn]*http.Server)
	}
	t.conns[c] = srv
	if _, ok := t.servers[srv]; !ok && srv != nil {
		if t.servers == nil {
			t.servers = make(map[*http.Server]struct{})
		}
		t.servers[srv] = struct{}{}
		srv.RegisterOnShutdown(func() { t.closeAll(srv) })
	}
	return true
}

func (t *Transport) untrack(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// closeAll closes with 1001 every open socket that srv accepted, or every
// one if srv is nil.
func (t *Transport) closeAll(srv *http.Server) {
	t.mu.Lock()
	conns := make([]*conn, 0, len(t.conns))
	for c, s := range t.conns {
		if srv == nil || s == srv {
			conns = append(conns, c)
		}
	}
	t.mu.Unlock()

	for _, c := range conns {
		c.close(CloseGoingAway, "going away")
	}
}

// headerHasToken reports whether the comma-separated header contains token,
// ignoring case.
func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
