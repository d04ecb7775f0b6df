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
// stops: http.Server.Shutdown does not close hijacked connections.
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
	conns    map[*conn]struct{}
	shutdown bool
	active   sync.WaitGroup // one per Do call that got past the shutdown check
}

var _ graphql.Transport = (*Transport)(nil)

// Supports reports whether r is a websocket upgrade offering the
// graphql-transport-ws subprotocol. Other websocket requests fall through to
// the next transport, or to gqlgen's "transport not supported" answer.
func (t *Transport) Supports(r *http.Request) bool {
	return headerHasToken(r.Header, "Upgrade", "websocket") &&
		headerHasToken(r.Header, "Sec-WebSocket-Protocol", Subprotocol)
}

// Do upgrades the request and serves the socket until it closes.
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
	defer t.active.Done()

	ws, err := websocket.Accept(withSmallBuffers(w), r, &websocket.AcceptOptions{
		Subprotocols:       []string{Subprotocol},
		OriginPatterns:     cfg.AllowedOrigins,
		InsecureSkipVerify: cfg.InsecureSkipOriginCheck || slices.Contains(cfg.AllowedOrigins, "*"),
	})
	if err != nil {
		// Accept has already written the HTTP error response.
		cfg.Logger.InfoContext(r.Context(), "websocket upgrade refused",
			"error", err, "remote_addr", r.RemoteAddr, "origin", r.Header.Get("Origin"))
		return
	}
	ws.SetReadLimit(cfg.ReadLimit)

	// The connection keeps the request's values but not its cancellation:
	// when the request context ends, the socket is closed with 1001 first.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	c := newConn(&t.cfg, ws, exec, r, cancel)
	if !t.track(c) {
		c.close(CloseGoingAway, "going away")
	}
	defer t.untrack(c)
	stop := context.AfterFunc(r.Context(), func() { c.close(CloseGoingAway, "going away") })
	defer stop()

	c.serve(ctx)
}

// Shutdown closes every open socket with 1001 "going away", refuses new
// ones, and waits until their operations have stopped or ctx ends. A peer that
// never answers the close handshake is dropped by the websocket library
// within about ten seconds, whether or not ctx has ended by then.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.shutdown = true
	conns := make([]*conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()

	for _, c := range conns {
		c.close(CloseGoingAway, "going away")
	}

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

// track registers c for Shutdown; it reports false if shutdown has begun.
func (t *Transport) track(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shutdown {
		return false
	}
	if t.conns == nil {
		t.conns = make(map[*conn]struct{})
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *Transport) untrack(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
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
