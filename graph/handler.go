package graph

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/time/rate"

	"frontdesk/graph/generated"
	"frontdesk/graph/wstransport"
	"frontdesk/internal/auth"
)

// Authenticator turns a bearer token into a principal and its expiry.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*auth.Principal, time.Time, error)
}

// Options configures the GraphQL endpoint.
type Options struct {
	Production     bool
	AllowedOrigins []string
	MaxBodyBytes   int64
	MaxDepth       int
	MaxComplexity  int
	MaxTokens      int
	RequestTimeout time.Duration
	RateLimit      float64
	RateBurst      int
	Workers        int
	// InitTimeout bounds the wait for a WebSocket's connection_init.
	InitTimeout time.Duration
	// RevalidateInterval is how often a WebSocket re-checks its token's user.
	RevalidateInterval time.Duration
	Logger             *slog.Logger
}

// Endpoint is the /graphql handler and its WebSocket transport (which the
// server shuts down explicitly: hijacked connections outlive http.Server).
type Endpoint struct {
	http.Handler
	WS *wstransport.Transport
}

// NewEndpoint builds the GraphQL endpoint over the resolvers.
func NewEndpoint(r *Resolver, db bun.IDB, authn Authenticator, o Options) *Endpoint {
	log := o.Logger
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: complexity()}))
	ws := &wstransport.Transport{Config: wstransport.Config{
		AllowedOrigins:          o.AllowedOrigins,
		InsecureSkipOriginCheck: !o.Production && len(o.AllowedOrigins) == 0,
		InitTimeout:             o.InitTimeout,
		RevalidateInterval:      o.RevalidateInterval,
		Logger:                  log,
		InitFunc: func(ctx context.Context, payload map[string]any) (context.Context, error) {
			token := bearer(stringField(payload, "Authorization", "authorization"))
			if token == "" {
				token = stringField(payload, "token")
			}
			if token == "" {
				// Anonymous sockets are allowed; protected subscriptions
				// answer UNAUTHENTICATED.
				return ctx, nil
			}
			p, exp, err := authn.Authenticate(ctx, token)
			if err != nil {
				return nil, err
			}
			conn := ctx
			ctx = auth.WithPrincipal(ctx, p)
			ctx = context.WithValue(ctx, wsTokenKey{}, token)
			// The transport closes the socket (4403) when this deadline,
			// the token's expiry, passes.
			ctx, cancel := context.WithDeadline(ctx, exp)
			context.AfterFunc(conn, cancel)
			return ctx, nil
		},
		Revalidate: func(ctx context.Context) error {
			token, _ := ctx.Value(wsTokenKey{}).(string)
			if token == "" {
				return nil
			}
			_, _, err := authn.Authenticate(ctx, token)
			return err
		},
	}}
	srv.AddTransport(ws)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(o.MaxTokens)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	if !o.Production {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(depthLimit{max: o.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity))

	var h http.Handler = srv
	h = WithLoaders(db, h)
	h = withAuth(authn, h)
	h = withLimits(o, h)
	return &Endpoint{Handler: h, WS: ws}
}

type wsTokenKey struct{}

func stringField(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k].(string); ok {
			return v
		}
	}
	return ""
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// withAuth authenticates the bearer token, if any. A bad token does not fail
// the request: it makes protected fields answer UNAUTHENTICATED, while public
// ones ({ __typename }, signUp, login) still work.
func withAuth(authn Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := auth.WithSlot(r.Context())
		if h := r.Header.Get("Authorization"); h != "" {
			token := bearer(h)
			p, _, err := authn.Authenticate(ctx, token)
			if err != nil {
				ctx = auth.WithFailure(ctx, err)
			} else {
				ctx = auth.WithPrincipal(ctx, p)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withLimits enforces, for plain HTTP requests, the body size (413), the
// per-client rate (429), the executor worker limit and the request timeout.
// WebSockets bypass the timeout and body limits: they have their own.
func withLimits(o Options, next http.Handler) http.Handler {
	sem := make(chan struct{}, o.Workers)
	limiter := newRateLimiter(o.RateLimit, o.RateBurst)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !limiter.allow(clientKey(r)) {
			writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests; slow down")
			return
		}
		if r.Body != nil && r.Method == http.MethodPost {
			if r.ContentLength > o.MaxBodyBytes {
				writeError(w, http.StatusRequestEntityTooLarge, "INVALID_INPUT", "request body too large")
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, o.MaxBodyBytes+1))
			if err != nil {
				writeError(w, http.StatusBadRequest, "INVALID_INPUT", "could not read request body")
				return
			}
			if int64(len(body)) > o.MaxBodyBytes {
				writeError(w, http.StatusRequestEntityTooLarge, "INVALID_INPUT", "request body too large")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		ctx, cancel := context.WithTimeout(r.Context(), o.RequestTimeout)
		defer cancel()
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		case <-ctx.Done():
			writeError(w, http.StatusServiceUnavailable, "RATE_LIMITED", "server busy; try again")
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// clientKey rate-limits by token when there is one (so one office behind
// one address is not throttled as a single client), else by address.
func clientKey(r *http.Request) string {
	if t := bearer(r.Header.Get("Authorization")); t != "" {
		if len(t) > 64 {
			t = t[len(t)-64:] // the signature part is unique per token
		}
		return "t:" + t
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "a:" + host
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"errors":[{"message":"`+msg+`","extensions":{"code":"`+code+`"}}]}`)
}

// rateLimiter is a token bucket per client, forgotten after a quiet minute.
type rateLimiter struct {
	mu      sync.Mutex
	rps     rate.Limit
	burst   int
	clients map[string]*client
	swept   time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(rps float64, burst int) *rateLimiter {
	return &rateLimiter{rps: rate.Limit(rps), burst: burst, clients: map[string]*client{}, swept: time.Now()}
}

func (l *rateLimiter) allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, c := range l.clients {
			if now.Sub(c.seen) > time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	c, ok := l.clients[key]
	if !ok {
		c = &client{lim: rate.NewLimiter(l.rps, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}
