package wstransport_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"frontdesk/graph/wstransport"
)

// readTimeout bounds every read in these tests; nothing should come close.
const readTimeout = 5 * time.Second

type testBundle struct {
	server    *httptest.Server
	transport *wstransport.Transport
	events    *schemaEvents
	url       string
}

// setup serves the test schema with a Transport built from cfg (keep-alive
// off unless cfg sets it); other requests get 400.
func setup(t testing.TB, cfg wstransport.Config) *testBundle {
	t.Helper()
	return setupServer(t, cfg, func(s *httptest.Server) { s.Start() })
}

func setupServer(t testing.TB, cfg wstransport.Config, start func(*httptest.Server)) *testBundle {
	t.Helper()
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = -1
	}
	es, events := newTestSchema()
	exec := executor.New(es)
	exec.SetQueryCache(lru.New[*ast.QueryDocument](1000)) // as graph.NewEndpoint does
	exec.SetRecoverFunc(func(context.Context, any) error { return errors.New("internal system error") })
	tr := &wstransport.Transport{Config: cfg}

	// What handler.New(es) with this one transport does; the handler
	// package itself needs modules missing from go.sum (see report).
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(graphql.StartOperationTrace(r.Context()))
		if !tr.Supports(r) {
			http.Error(w, "transport not supported", http.StatusBadRequest)
			return
		}
		tr.Do(w, r, exec)
	})

	srv := httptest.NewUnstartedServer(h)
	start(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
		defer cancel()
		require.NoError(t, tr.Shutdown(ctx))
		srv.Close()
	})
	return &testBundle{
		server:    srv,
		transport: tr,
		events:    events,
		url:       "ws" + strings.TrimPrefix(srv.URL, "http"),
	}
}

// wireMsg is a protocol message as the client sees it.
type wireMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (b *testBundle) dial(t *testing.T) *client {
	t.Helper()
	c, resp, err := b.dialWith(t, &websocket.DialOptions{Subprotocols: []string{wstransport.Subprotocol}})
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, wstransport.Subprotocol, c.ws.Subprotocol())
	return c
}

func (b *testBundle) dialWith(t *testing.T, opts *websocket.DialOptions) (*client, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, b.url, opts)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &client{t: t, ws: ws}, resp, nil
}

func (c *client) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	require.NoError(c.t, c.ws.Write(ctx, websocket.MessageText, []byte(s)))
}

func (c *client) send(m wireMsg) {
	c.t.Helper()
	b, err := json.Marshal(m)
	require.NoError(c.t, err)
	c.sendRaw(string(b))
}

func (c *client) read() wireMsg {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	require.NoError(c.t, err)
	var m wireMsg
	require.NoError(c.t, json.Unmarshal(b, &m), string(b))
	return m
}

// expect reads the next message and checks its type, id and, if payload is
// not empty, its payload.
func (c *client) expect(typ, id, payload string) wireMsg {
	c.t.Helper()
	m := c.read()
	require.Equal(c.t, typ, m.Type, "message %+v, payload %s", m, m.Payload)
	require.Equal(c.t, id, m.ID)
	if payload != "" {
		require.JSONEq(c.t, payload, string(m.Payload))
	}
	return m
}

// expectClose requires the next thing on the socket to be a close frame.
func (c *client) expectClose(code websocket.StatusCode, reason string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	require.Error(c.t, err, "got message %s", b)
	var ce websocket.CloseError
	require.ErrorAs(c.t, err, &ce)
	require.Equal(c.t, code, ce.Code)
	require.Equal(c.t, reason, ce.Reason)
}

// init sends connection_init with payload and expects connection_ack.
func (c *client) init(payload string) {
	c.t.Helper()
	c.send(wireMsg{Type: "connection_init", Payload: json.RawMessage(payload)})
	c.expect("connection_ack", "", "")
}

func (c *client) subscribe(id, query string) {
	c.t.Helper()
	p, err := json.Marshal(map[string]any{"query": query})
	require.NoError(c.t, err)
	c.send(wireMsg{ID: id, Type: "subscribe", Payload: p})
}

func (b *testBundle) expectCancelled(t *testing.T, field string) {
	t.Helper()
	select {
	case got := <-b.events.cancelled:
		require.Equal(t, field, got)
	case <-time.After(readTimeout):
		t.Fatalf("%s was not cancelled", field)
	}
}

func TestSupports(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		upgrade string
		proto   string
		want    bool
	}{
		{"graphql-transport-ws", "websocket", "graphql-transport-ws", true},
		{"in a list", "WebSocket", "graphql-ws, graphql-transport-ws", true},
		{"legacy graphql-ws only", "websocket", "graphql-ws", false},
		{"no subprotocol", "websocket", "", false},
		{"plain HTTP", "", "", false},
		{"other upgrade", "h2c", "graphql-transport-ws", false},
	}
	tr := &wstransport.Transport{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
			if tt.upgrade != "" {
				r.Header.Set("Connection", "Upgrade")
				r.Header.Set("Upgrade", tt.upgrade)
			}
			if tt.proto != "" {
				r.Header.Set("Sec-WebSocket-Protocol", tt.proto)
			}
			require.Equal(t, tt.want, tr.Supports(r))
		})
	}
}

func TestOnlyGraphQLTransportWSIsAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})

	_, resp, err := b.dialWith(t, &websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
	require.Error(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	_, resp, err = b.dialWith(t, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		cfg    wstransport.Config
		origin string // "self" means the server's own origin
		ok     bool
	}{
		{"same origin by default", wstransport.Config{}, "self", true},
		{"no Origin header", wstransport.Config{}, "", true},
		{"cross origin refused by default", wstransport.Config{}, "https://evil.example", false},
		{"allowed pattern", wstransport.Config{AllowedOrigins: []string{"*.frontdesk.example"}}, "https://app.frontdesk.example", true},
		{"pattern does not match", wstransport.Config{AllowedOrigins: []string{"*.frontdesk.example"}}, "https://evil.example", false},
		{"star allows any", wstransport.Config{AllowedOrigins: []string{"*"}}, "https://evil.example", true},
		{"insecure skip", wstransport.Config{InsecureSkipOriginCheck: true}, "https://evil.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.cfg)
			header := http.Header{}
			switch tt.origin {
			case "":
			case "self":
				header.Set("Origin", b.server.URL)
			default:
				header.Set("Origin", tt.origin)
			}
			c, resp, err := b.dialWith(t, &websocket.DialOptions{
				Subprotocols: []string{wstransport.Subprotocol},
				HTTPHeader:   header,
			})
			if !tt.ok {
				require.Error(t, err)
				require.Equal(t, http.StatusForbidden, resp.StatusCode)
				return
			}
			require.NoError(t, err)
			c.init("")
		})
	}
}

func TestQueryMutationSubscription(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	c.subscribe("q", "{ hello }")
	c.expect("next", "q", `{"data":{"hello":"world"}}`)
	c.expect("complete", "q", "")

	c.send(wireMsg{ID: "m", Type: "subscribe", Payload: json.RawMessage(
		`{"query":"mutation($msg: String!) { echo(msg: $msg) }","variables":{"msg":"hi"}}`)})
	c.expect("next", "m", `{"data":{"echo":"hi"}}`)
	c.expect("complete", "m", "")

	c.subscribe("s", "subscription { count(to: 3) }")
	for _, want := range []string{"1", "2", "3"} {
		c.expect("next", "s", `{"data":{"count":`+want+`}}`)
	}
	c.expect("complete", "s", "")

	// A resolver's error is a result like any other, not a protocol error.
	c.subscribe("b", "subscription { broken }")
	m := c.expect("next", "b", "")
	require.Contains(t, string(m.Payload), "broken subscription")
	c.expect("complete", "b", "")
}

func TestInvalidOperationGetsErrorMessage(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	c.subscribe("v", "{ nope }")
	m := c.expect("error", "v", "")
	var errs []struct {
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(m.Payload, &errs))
	require.Len(t, errs, 1)
	require.Contains(t, errs[0].Message, "nope")

	c.subscribe("p", "{")
	m = c.expect("error", "p", "")
	require.NoError(t, json.Unmarshal(m.Payload, &errs))
	require.NotEmpty(t, errs)

	// The connection lives on and the ids are free.
	c.subscribe("v", "{ hello }")
	c.expect("next", "v", `{"data":{"hello":"world"}}`)
	c.expect("complete", "v", "")
}

func TestOperationPanicGetsErrorMessage(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	c.subscribe("x", "{ boom }")
	c.expect("error", "x", `[{"message":"internal system error"}]`)

	c.subscribe("x", "{ hello }")
	c.expect("next", "x", `{"data":{"hello":"world"}}`)
	c.expect("complete", "x", "")
}

func TestInitTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{InitTimeout: 50 * time.Millisecond})
	c := b.dial(t)
	c.expectClose(4408, "Connection initialisation timeout")
}

func TestSecondInitIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")
	c.send(wireMsg{Type: "connection_init"})
	c.expectClose(4429, "Too many initialisation requests")
}

func TestSubscribeBeforeAck(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.subscribe("1", "{ hello }")
	c.expectClose(4401, "Unauthorized")
}

func TestInvalidMessagesClose4400(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		msg  string
	}{
		{"not JSON", `hello`},
		{"not an object", `[1,2]`},
		{"missing type", `{"id":"1"}`},
		{"unknown type", `{"type":"start","id":"1"}`},
		{"server-only type", `{"type":"next","id":"1","payload":{}}`},
		{"numeric id", `{"type":"subscribe","id":1,"payload":{"query":"{ hello }"}}`},
		{"subscribe without id", `{"type":"subscribe","payload":{"query":"{ hello }"}}`},
		{"subscribe with empty id", `{"type":"subscribe","id":"","payload":{"query":"{ hello }"}}`},
		{"subscribe without payload", `{"type":"subscribe","id":"1"}`},
		{"subscribe without query", `{"type":"subscribe","id":"1","payload":{}}`},
		{"subscribe with empty query", `{"type":"subscribe","id":"1","payload":{"query":""}}`},
		{"subscribe with non-string query", `{"type":"subscribe","id":"1","payload":{"query":42}}`},
		{"subscribe with non-object variables", `{"type":"subscribe","id":"1","payload":{"query":"{ hello }","variables":[1]}}`},
		{"complete without id", `{"type":"complete"}`},
		{"init with non-object payload", `{"type":"connection_init","payload":"token"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, wstransport.Config{})
			c := b.dial(t)
			if !strings.Contains(tt.msg, "connection_init") {
				c.init("")
			}
			c.sendRaw(tt.msg)

			ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
			defer cancel()
			_, _, err := c.ws.Read(ctx)
			var ce websocket.CloseError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, websocket.StatusCode(4400), ce.Code)
			require.NotEmpty(t, ce.Reason)
		})
	}
}

func TestDuplicateIDCloses4409(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)
	c.subscribe("1", "{ hello }")
	c.expectClose(4409, "Subscriber for 1 already exists")
	b.expectCancelled(t, "forever")
}

func TestDuplicateIDReasonIsTruncated(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	id := strings.Repeat("é", 100)
	c.subscribe(id, "subscription { forever }")
	c.expect("next", id, "")
	c.subscribe(id, "subscription { forever }")

	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	_, _, err := c.ws.Read(ctx)
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, websocket.StatusCode(4409), ce.Code)
	require.True(t, strings.HasPrefix(ce.Reason, "Subscriber for é"))
	require.LessOrEqual(t, len(ce.Reason), 123)
}

func TestCompletedIDsCanBeReused(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	for range 2 {
		c.subscribe("a", "{ hello }")
		c.expect("next", "a", `{"data":{"hello":"world"}}`)
		c.expect("complete", "a", "")
	}

	// Completed by the client: the id is free at once.
	c.subscribe("b", "subscription { forever }")
	c.expect("next", "b", `{"data":{"forever":0}}`)
	c.send(wireMsg{ID: "b", Type: "complete"})
	c.subscribe("b", "{ hello }")
	c.expect("next", "b", `{"data":{"hello":"world"}}`)
	c.expect("complete", "b", "")
	b.expectCancelled(t, "forever")
}

func TestClientCompleteCancelsOperation(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")

	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)
	c.send(wireMsg{ID: "1", Type: "complete"})
	b.expectCancelled(t, "forever")

	// Nothing more is sent for the id: the next message is the pong.
	c.send(wireMsg{Type: "ping"})
	c.expect("pong", "", "")

	// Completing an unknown or finished id is harmless.
	c.send(wireMsg{ID: "1", Type: "complete"})
	c.send(wireMsg{ID: "never", Type: "complete"})
	c.send(wireMsg{Type: "ping"})
	c.expect("pong", "", "")
}

func TestInitFunc(t *testing.T) {
	t.Parallel()

	var gotPayload atomic.Value
	cfg := wstransport.Config{
		InitFunc: func(ctx context.Context, payload map[string]any) (context.Context, error) {
			gotPayload.Store(payload)
			if payload["token"] != "good" {
				return nil, errors.New("token signature invalid: secret detail")
			}
			return context.WithValue(ctx, principalKey{}, "alice"), nil
		},
	}

	t.Run("accepted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, cfg)
		c := b.dial(t)
		c.init(`{"token":"good"}`)
		c.subscribe("w", "{ whoami }")
		c.expect("next", "w", `{"data":{"whoami":"alice"}}`)
		c.expect("complete", "w", "")
	})

	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		b := setup(t, cfg)
		c := b.dial(t)
		c.send(wireMsg{Type: "connection_init", Payload: json.RawMessage(`{"token":"bad"}`)})
		c.expectClose(4403, "Forbidden")
	})

	t.Run("no payload", func(t *testing.T) {
		t.Parallel()
		b := setup(t, cfg)
		c := b.dial(t)
		c.send(wireMsg{Type: "connection_init"})
		c.expectClose(4403, "Forbidden")
	})
}

func TestInitFuncDeadlineCloses4403(t *testing.T) {
	t.Parallel()

	b := setup(t, wstransport.Config{
		InitFunc: func(ctx context.Context, _ map[string]any) (context.Context, error) {
			ctx, cancel := context.WithDeadline(ctx, time.Now().Add(300*time.Millisecond))
			t.Cleanup(cancel)
			return ctx, nil
		},
	})
	c := b.dial(t)
	c.init("")
	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)
	// The close comes first: no complete for the running operation.
	c.expectClose(4403, "Forbidden")
	b.expectCancelled(t, "forever")
}

func TestInitFuncExpiredContextIsRefused(t *testing.T) {
	t.Parallel()

	b := setup(t, wstransport.Config{
		InitFunc: func(ctx context.Context, _ map[string]any) (context.Context, error) {
			ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
			t.Cleanup(cancel)
			return ctx, nil
		},
	})
	c := b.dial(t)
	c.send(wireMsg{Type: "connection_init"})
	c.expectClose(4403, "Forbidden")
}

func TestInitFuncSessionRevocationCloses4403(t *testing.T) {
	t.Parallel()

	revoke := make(chan context.CancelFunc, 1)
	b := setup(t, wstransport.Config{
		InitFunc: func(ctx context.Context, _ map[string]any) (context.Context, error) {
			ctx, cancel := context.WithCancel(ctx)
			revoke <- cancel
			return ctx, nil
		},
	})
	c := b.dial(t)
	c.init("")
	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)
	(<-revoke)()
	c.expectClose(4403, "Forbidden")
	b.expectCancelled(t, "forever")
}

func TestRevalidate(t *testing.T) {
	t.Parallel()

	var calls atomic.Int32
	b := setup(t, wstransport.Config{
		InitFunc: func(ctx context.Context, _ map[string]any) (context.Context, error) {
			return context.WithValue(ctx, principalKey{}, "alice"), nil
		},
		RevalidateInterval: 10 * time.Millisecond,
		Revalidate: func(ctx context.Context) (bool, error) {
			if ctx.Value(principalKey{}) != "alice" {
				return false, errors.New("no principal")
			}
			if calls.Add(1) < 3 {
				return false, nil
			}
			return false, errors.New("user disabled")
		},
	})
	c := b.dial(t)
	c.init("")
	c.expectClose(4403, "Forbidden")
	require.Equal(t, int32(3), calls.Load())
}

// A revalidation that cannot be made (the database is down) neither closes
// the socket as forbidden nor lets it run unchecked for ever: it is retried,
// and the socket closes with 1013 once the grace period has passed.
func TestRevalidateTemporaryFailure(t *testing.T) {
	t.Parallel()

	t.Run("recovers within the grace period", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		recovered := make(chan struct{})
		b := setup(t, wstransport.Config{
			RevalidateInterval: 10 * time.Millisecond,
			RevalidateGrace:    time.Hour,
			Revalidate: func(context.Context) (bool, error) {
				switch n := calls.Add(1); {
				case n < 4:
					return false, wstransport.Temporary(errors.New("database unreachable"))
				case n == 4:
					close(recovered)
				}
				return false, nil
			},
		})
		c := b.dial(t)
		c.init("")
		<-recovered
		c.subscribe("h", "{ hello }")
		c.expect("next", "h", `{"data":{"hello":"world"}}`)
	})

	t.Run("closes with 1013 after the grace period", func(t *testing.T) {
		t.Parallel()
		b := setup(t, wstransport.Config{
			RevalidateInterval: 10 * time.Millisecond,
			RevalidateGrace:    50 * time.Millisecond,
			Revalidate: func(context.Context) (bool, error) {
				return false, wstransport.Temporary(errors.New("database unreachable"))
			},
		})
		c := b.dial(t)
		c.init("")
		c.expectClose(websocket.StatusTryAgainLater, "Try again later")
	})
}

// When revalidation reports a changed session, each running operation is
// re-checked: one that fails ends with an error message, the others run on.
func TestRevalidateChangeReauthorizesOperations(t *testing.T) {
	t.Parallel()

	var changed atomic.Bool
	b := setup(t, wstransport.Config{
		RevalidateInterval: 10 * time.Millisecond,
		Revalidate: func(context.Context) (bool, error) {
			return changed.Swap(false), nil
		},
		Authorize: func(ctx context.Context) error {
			field := graphql.GetOperationContext(ctx).Operation.SelectionSet[0].(*ast.Field)
			if field.Alias == "revoked" {
				return errors.New("your role may not do this")
			}
			return nil
		},
	})
	c := b.dial(t)
	c.init("")
	c.subscribe("a", "subscription { revoked: forever }")
	c.expect("next", "a", `{"data":{"revoked":0}}`)
	c.subscribe("b", "subscription { kept: forever }")
	c.expect("next", "b", `{"data":{"kept":0}}`)
	changed.Store(true)
	m := c.expect("error", "a", "")
	require.Contains(t, string(m.Payload), "your role may not do this")
	b.expectCancelled(t, "forever")
	c.subscribe("h", "{ hello }")
	c.expect("next", "h", `{"data":{"hello":"world"}}`)
	c.expect("complete", "h", "")
	c.send(wireMsg{ID: "b", Type: "complete"})
	b.expectCancelled(t, "forever")
}

// The OperationFunc gives each operation its context, or refuses it.
func TestOperationFunc(t *testing.T) {
	t.Parallel()

	var n atomic.Int32
	b := setup(t, wstransport.Config{
		Operation: func(session context.Context) (context.Context, error) {
			if n.Add(1) > 2 {
				return nil, errors.New("too many requests")
			}
			return context.WithValue(session, principalKey{}, fmt.Sprintf("snapshot-%d", n.Load())), nil
		},
	})
	c := b.dial(t)
	c.init("")
	for i := 1; i <= 2; i++ {
		id := fmt.Sprint(i)
		c.subscribe(id, "{ whoami }")
		c.expect("next", id, fmt.Sprintf(`{"data":{"whoami":"snapshot-%d"}}`, i))
		c.expect("complete", id, "")
	}
	c.subscribe("3", "{ whoami }")
	m := c.expect("error", "3", "")
	require.Contains(t, string(m.Payload), "too many requests")
}

// An InitFunc's Refusal closes with its own code.
func TestInitFuncRefusal(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{
		InitFunc: func(context.Context, map[string]any) (context.Context, error) {
			return nil, wstransport.Refuse(4429, "Too many open sockets")
		},
	})
	c := b.dial(t)
	c.send(wireMsg{Type: "connection_init"})
	c.expectClose(4429, "Too many open sockets")
}

func TestPingPong(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)

	// Allowed before connection_init too.
	c.send(wireMsg{Type: "ping", Payload: json.RawMessage(`{"n":1}`)})
	c.expect("pong", "", `{"n":1}`)

	c.init("")
	c.send(wireMsg{Type: "ping"})
	m := c.expect("pong", "", "")
	require.Empty(t, m.Payload)

	// An unsolicited pong is tolerated.
	c.send(wireMsg{Type: "pong"})
	c.subscribe("1", "{ hello }")
	c.expect("next", "1", `{"data":{"hello":"world"}}`)
}

func TestServerKeepAlive(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{KeepAlive: 10 * time.Millisecond})
	c := b.dial(t)
	c.init("")

	for range 2 {
		c.expect("ping", "", "")
		c.send(wireMsg{Type: "pong"})
	}
}

func TestMaxOperations(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{MaxOperations: 1})
	c := b.dial(t)
	c.init("")

	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)
	c.subscribe("2", "{ hello }")
	c.expect("error", "2", `[{"message":"too many operations on this connection"}]`)

	c.send(wireMsg{ID: "1", Type: "complete"})
	b.expectCancelled(t, "forever")
	c.subscribe("3", "{ hello }")
	c.expect("next", "3", `{"data":{"hello":"world"}}`)
	c.expect("complete", "3", "")
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{ReadLimit: 1024})
	c := b.dial(t)
	c.init("")

	c.subscribe("1", "{ hello "+strings.Repeat(" ", 2048)+"}")
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	_, _, err := c.ws.Read(ctx)
	require.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err))
}

func TestSlowConsumerCloses1008(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{SendQueue: 4})
	c := b.dial(t)
	c.ws.SetReadLimit(-1)
	c.init("")

	// Stop reading while the server floods the socket: the network
	// buffers fill, then the send queue, and the operation is cancelled.
	c.subscribe("1", "subscription { flood }")
	b.expectCancelled(t, "flood")

	// What was buffered still arrives, then the close frame.
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	for {
		_, _, err := c.ws.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, websocket.StatusPolicyViolation, ce.Code)
			require.Equal(t, "slow consumer", ce.Reason)
			return
		}
	}
}

func TestClientDisconnectCancelsOperations(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")
	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)

	require.NoError(t, c.ws.CloseNow())
	b.expectCancelled(t, "forever")

	// Shutdown returns once all of every connection's goroutines have
	// exited.
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	require.NoError(t, b.transport.Shutdown(ctx))
}

func TestShutdownCloses1001(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")
	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
		defer cancel()
		done <- b.transport.Shutdown(ctx)
	}()
	c.expectClose(websocket.StatusGoingAway, "going away")
	b.expectCancelled(t, "forever")
	require.NoError(t, <-done)

	// New sockets are refused.
	_, resp, err := b.dialWith(t, &websocket.DialOptions{Subprotocols: []string{wstransport.Subprotocol}})
	require.Error(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

// A request whose context has already ended (the server's BaseContext,
// cancelled on shutdown) gets its socket closed at once.
func TestRequestContextCancellationCloses1001(t *testing.T) {
	t.Parallel()
	base, cancelBase := context.WithCancel(context.Background())
	cancelBase()
	b := setupServer(t, wstransport.Config{}, func(s *httptest.Server) {
		s.Config.BaseContext = func(net.Listener) context.Context { return base }
		s.Start()
	})
	c := b.dial(t)
	c.expectClose(websocket.StatusGoingAway, "going away")
}

// Do returns once the socket is set up, so the request's context ends then;
// the socket lives on, and it is the http.Server's Shutdown that closes it.
func TestServerShutdownCloses1001(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})
	c := b.dial(t)
	c.init("")
	c.subscribe("1", "subscription { forever }")
	c.expect("next", "1", `{"data":{"forever":0}}`)
	c.send(wireMsg{Type: "ping"})
	c.expect("pong", "", "")

	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	require.NoError(t, b.server.Config.Shutdown(ctx))
	c.expectClose(websocket.StatusGoingAway, "going away")
	b.expectCancelled(t, "forever")
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()

	require.NoError(t, wstransport.Config{}.Validate())
	require.Error(t, wstransport.Config{AllowedOrigins: []string{"[bad"}}.Validate())
	require.Error(t, wstransport.Config{InitTimeout: -time.Second}.Validate())
	require.Error(t, wstransport.Config{MaxOperations: -1}.Validate())

	b := setup(t, wstransport.Config{ReadLimit: -1})
	_, resp, err := b.dialWith(t, &websocket.DialOptions{Subprotocols: []string{wstransport.Subprotocol}})
	require.Error(t, err)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
}

// A client may send its first frames right behind the upgrade request; they
// arrive in net/http's buffer and must survive the switch to the socket's
// own smaller one.
func TestFramesPipelinedWithUpgrade(t *testing.T) {
	t.Parallel()
	b := setup(t, wstransport.Config{})

	nc, err := net.DialTimeout("tcp", b.server.Listener.Addr().String(), readTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(readTimeout)))

	req := "GET / HTTP/1.1\r\nHost: " + b.server.Listener.Addr().String() + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
	frames := maskedTextFrame(`{"type":"connection_init"}`) +
		maskedTextFrame(`{"type":"subscribe","id":"1","payload":{"query":"{ hello }"}}`)
	_, err = nc.Write([]byte(req + frames))
	require.NoError(t, err)

	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	for _, want := range []string{
		`{"type":"connection_ack"}`,
		`{"id":"1","type":"next","payload":{"data":{"hello":"world"}}}`,
		`{"id":"1","type":"complete"}`,
	} {
		var hdr [2]byte
		_, err := io.ReadFull(br, hdr[:])
		require.NoError(t, err)
		require.Equal(t, byte(0x81), hdr[0], "a final text frame")
		payload := make([]byte, hdr[1]) // short, unmasked
		_, err = io.ReadFull(br, payload)
		require.NoError(t, err)
		require.JSONEq(t, want, string(payload))
	}
}

// maskedTextFrame encodes s (under 126 bytes) as a client's text frame.
func maskedTextFrame(s string) string {
	key := [4]byte{1, 2, 3, 4}
	out := []byte{0x81, 0x80 | byte(len(s))}
	out = append(out, key[:]...)
	for i := range len(s) {
		out = append(out, s[i]^key[i%4])
	}
	return string(out)
}
