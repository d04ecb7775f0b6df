package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"frontdesk/graph/generated"
	"frontdesk/graph/wstransport"
	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/ratelimit"
)

// Authenticator turns a bearer token into a principal and its expiry.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*auth.Principal, time.Time, error)
	// Verify checks a token's signature and claims without the database:
	// enough to count a request against whom the token names before any
	// query runs for it.
	Verify(token string) (*auth.Claims, error)
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
	// RevalidateGrace is how long a WebSocket stays open while its re-check
	// cannot be made (the database is down); 0 is the transport's default.
	RevalidateGrace time.Duration
	// MaxSocketsPerUser caps the WebSockets one user (or, anonymous, one
	// address) holds open; below 1, DefaultMaxSocketsPerUser.
	MaxSocketsPerUser int
	// TrustedProxies may name the client in X-Forwarded-For.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
}

// DefaultMaxSocketsPerUser is Options.MaxSocketsPerUser when unset.
const DefaultMaxSocketsPerUser = 20

// Endpoint is the /graphql handler and its WebSocket transport (which the
// server shuts down explicitly: hijacked connections outlive http.Server).
type Endpoint struct {
	http.Handler
	WS *wstransport.Transport
}

// NewEndpoint builds the GraphQL endpoint over the resolvers.
func NewEndpoint(r *Resolver, db bun.IDB, authn Authenticator, o Options) *Endpoint {
	log := o.Logger
	if o.MaxSocketsPerUser < 1 {
		o.MaxSocketsPerUser = DefaultMaxSocketsPerUser
	}
	limiter := ratelimit.New(o.RateLimit, o.RateBurst, ratelimit.DefaultCapacity)
	socks := &sockets{authn: authn, limiter: limiter, slots: ratelimit.NewSlots(o.MaxSocketsPerUser), authorize: r.authorizeSubscription}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: complexity()}))
	ws := &wstransport.Transport{Config: wstransport.Config{
		AllowedOrigins:          o.AllowedOrigins,
		InsecureSkipOriginCheck: !o.Production && len(o.AllowedOrigins) == 0,
		InitTimeout:             o.InitTimeout,
		RevalidateInterval:      o.RevalidateInterval,
		RevalidateGrace:         o.RevalidateGrace,
		Logger:                  log,
		InitFunc:                socks.init,
		Revalidate:              socks.revalidate,
		Authorize:               socks.reauthorize,
		Operation:               socks.operation,
	}}
	srv.AddTransport(ws)
	srv.AddTransport(httpTransport{})
	srv.AddTransport(transport.Options{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(o.MaxTokens)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	if !o.Production {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
		srv.Use(refuseIntrospection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(&inputCheck{})
	srv.Use(depthLimit{max: o.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity))
	srv.Use(oneIdentityField{})
	srv.AroundFields(withIdentity)

	var h http.Handler = srv
	h = WithLoaders(db, h)
	h = withAuth(authn, h)
	h = withLimits(o, authn, limiter, h)
	h = withRequest(o.TrustedProxies, h)
	return &Endpoint{Handler: h, WS: ws}
}

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

// request is what is known of a request before any operation runs.
type request struct {
	addr  string // the client's address (see ratelimit.ClientAddr)
	token string // the bearer token of the Authorization header, if any
}

type requestKey struct{}

func requestFrom(ctx context.Context) request {
	r, _ := ctx.Value(requestKey{}).(request)
	return r
}

// withRequest records the client's address and bearer token.
func withRequest(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := request{
			addr:  ratelimit.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted),
			token: bearer(r.Header.Get("Authorization")),
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, req)))
	})
}

// withAuth authenticates the bearer token, if any. A bad token does not
// fail the request: it makes protected fields answer UNAUTHENTICATED, while
// public ones ({ __typename }, signUp, login) still work. The principal it
// sets is the request's for good: nothing the request runs can change it.
func withAuth(authn Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Header.Get("Authorization") != "" {
			p, _, err := authn.Authenticate(ctx, requestFrom(ctx).token)
			if err != nil {
				ctx = auth.WithFailure(ctx, err)
			} else {
				ctx = auth.WithPrincipal(ctx, p)
			}
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// limitKeys are the keys the rate limit counts a caller against: the user a
// verified token names; a visitor's conversation and also the client's
// address, because anyone can open a web chat and so mint visitors;
// otherwise the address (an IPv6 one by its /64). Never an unverified
// token, which a client could change with every request.
func limitKeys(role auth.Role, user, conversation, addr string) []string {
	switch role {
	case "":
		return []string{"a:" + ratelimit.Subnet(addr)}
	case auth.RoleVisitor:
		return []string{"v:" + conversation, "a:" + ratelimit.Subnet(addr)}
	default:
		return []string{"u:" + user}
	}
}

// principalKeys are limitKeys for an authenticated principal (nil:
// anonymous).
func principalKeys(p *auth.Principal, addr string) []string {
	if p == nil {
		return limitKeys("", "", "", addr)
	}
	return limitKeys(p.Role, p.UserID.String(), p.ConversationID.String(), addr)
}

// allow takes a token from every key's bucket.
func allow(l *ratelimit.Limiter, keys []string) bool {
	ok := true
	for _, k := range keys {
		ok = l.Allow(k) && ok
	}
	return ok
}

// maxQueueWait is how long a request may wait for a free executor worker.
const maxQueueWait = 250 * time.Millisecond

// withLimits enforces the per-client rate (429) on every request (see
// limitKeys), WebSocket
// upgrades included (each operation over a socket is counted by the
// socket's OperationFunc), and for plain HTTP requests the body size (413),
// the executor worker limit and the request timeout. WebSockets bypass the
// timeout and body limits: they have their own.
func withLimits(o Options, authn Authenticator, limiter *ratelimit.Limiter, next http.Handler) http.Handler {
	sem := make(chan struct{}, o.Workers)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := requestFrom(r.Context())
		keys := limitKeys("", "", "", req.addr)
		if req.token != "" {
			// The signature is checked here, without the database, so that
			// a flood of requests costs no query before it is refused.
			if c, err := authn.Verify(req.token); err == nil {
				keys = limitKeys(c.Role, c.Subject, c.Conv, req.addr)
			}
		}
		if !allow(limiter, keys) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests; slow down")
			return
		}
		if isWebSocket(r) {
			next.ServeHTTP(w, r)
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
		// Wait only briefly for a worker: under overload it is better to
		// refuse at once than to serve requests their clients gave up on.
		queued := time.NewTimer(maxQueueWait)
		select {
		case sem <- struct{}{}:
			queued.Stop()
			defer func() { <-sem }()
		case <-queued.C:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "RATE_LIMITED", "server busy; try again")
			return
		case <-r.Context().Done():
			queued.Stop()
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), o.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"errors":[{"message":"`+msg+`","extensions":{"code":"`+code+`"}}]}`)
}

// Media types a GraphQL-over-HTTP response may have.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// httpTransport serves GraphQL over plain HTTP as the GraphQL over HTTP
// specification (graphql.github.io/graphql-over-http) asks, which gqlgen's
// GET and POST transports only partly do:
//
//   - the response is application/graphql-response+json or application/json,
//     whichever Accept weighs higher; application/json when Accept is
//     missing, a wildcard or names neither;
//   - a request error (the document does not parse or validate, variables do
//     not coerce, a depth or complexity limit) has no "data" entry and
//     answers 400 under graphql-response+json, 200 under application/json
//     (gqlgen answered 422 and "data": null);
//   - a request that is not a GraphQL request at all (not JSON, no query,
//     variables that are not an object, ...) answers 400 under both;
//   - POST bodies must be application/json (else 415), other methods get 405
//     with Allow, and GET runs only queries (else 405, Allow: POST) so that a
//     link or a prefetch can never change anything.
//
// Subscriptions are refused: they are served over the WebSocket transport.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

// Supports claims every plain HTTP request but OPTIONS (transport.Options
// answers those); WebSocket upgrades belong to the WebSocket transport.
func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method != http.MethodOptions
}

// Do answers one request.
func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := negotiateMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	start := graphql.Now()

	var params *graphql.RawParams
	var err error
	switch r.Method {
	case http.MethodGet:
		params, err = queryParams(r)
	case http.MethodPost:
		mt, mp, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if perr != nil || mt != mediaJSON || (mp["charset"] != "" && !strings.EqualFold(mp["charset"], "utf-8")) {
			requestError(ctx, w, exec, http.StatusUnsupportedMediaType, "Content-Type must be application/json (UTF-8)")
			return
		}
		params, err = bodyParams(r)
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		requestError(ctx, w, exec, http.StatusMethodNotAllowed, "method not allowed: use POST, or GET for queries")
		return
	}
	if err != nil {
		requestError(ctx, w, exec, http.StatusBadRequest, err.Error())
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeRequestErrors(w, status, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	switch op := opCtx.Operation.Operation; {
	case r.Method == http.MethodGet && op != ast.Query:
		w.Header().Set("Allow", "POST")
		requestError(ctx, w, exec, http.StatusMethodNotAllowed, "GET runs only queries: send a "+string(op)+" with POST")
		return
	case op == ast.Subscription:
		requestError(ctx, w, exec, http.StatusBadRequest, "subscriptions are served over WebSocket (graphql-transport-ws)")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil { // the request's context ended before a result
		requestError(ctx, w, exec, http.StatusServiceUnavailable, "request cancelled")
		return
	}
	status := http.StatusOK
	if unavailableOnly(resp.Errors) {
		w.Header().Set("Retry-After", retryAfter)
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, resp)
}

// negotiateMedia picks the response media type from Accept: of
// graphql-response+json and application/json the one with the higher q
// (graphql-response+json on a tie), application/json for */* and
// application/*. A missing or unsatisfiable Accept gets application/json:
// the spec lets a server disregard Accept, and legacy clients expect JSON.
func negotiateMedia(accept string) string {
	best, bestQ, bestRank := mediaJSON, 0.0, 0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		var media string
		var rank int
		switch mt {
		case mediaGraphQLResponse:
			media, rank = mediaGraphQLResponse, 3
		case mediaJSON:
			media, rank = mediaJSON, 2
		case "*/*", "application/*":
			media, rank = mediaJSON, 1
		default:
			continue
		}
		if q > bestQ || (q == bestQ && rank > bestRank) {
			best, bestQ, bestRank = media, q, rank
		}
	}
	return best
}

// queryParams reads a GET request's query string.
func queryParams(r *http.Request) (*graphql.RawParams, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errors.New("the query string is malformed")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if p.Variables, err = jsonObject([]byte(q.Get("variables")), "variables"); err != nil {
		return nil, err
	}
	if p.Extensions, err = jsonObject([]byte(q.Get("extensions")), "extensions"); err != nil {
		return nil, err
	}
	return p, checkQuery(p)
}

// bodyParams reads a POST request's JSON body, checking each parameter's
// type so that the client learns which one is wrong.
func bodyParams(r *http.Request) (*graphql.RawParams, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, errors.New("could not read request body")
	}
	if !utf8.Valid(body) {
		// encoding/json would quietly turn the bad bytes into U+FFFD.
		return nil, errors.New("the request body is not valid UTF-8")
	}
	var wire struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, errors.New("the request body is not a JSON object")
	}
	p := &graphql.RawParams{}
	if p.Query, err = jsonString(wire.Query, "query"); err != nil {
		return nil, err
	}
	if p.OperationName, err = jsonString(wire.OperationName, "operationName"); err != nil {
		return nil, err
	}
	if p.Variables, err = jsonObject(wire.Variables, "variables"); err != nil {
		return nil, err
	}
	if p.Extensions, err = jsonObject(wire.Extensions, "extensions"); err != nil {
		return nil, err
	}
	return p, checkQuery(p)
}

// checkQuery requires a query, unless an automatic persisted query's hash
// stands in for it.
func checkQuery(p *graphql.RawParams) error {
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return errors.New("the query parameter is missing")
	}
	return nil
}

// jsonString decodes an optional string parameter (absent and null are "").
func jsonString(raw json.RawMessage, name string) (string, error) {
	var s *string
	if len(raw) == 0 {
		return "", nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("the %s parameter must be a string", name)
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// jsonObject decodes an optional object parameter (absent, empty and null
// are nil), keeping numbers as json.Number as gqlgen's coercion expects.
func jsonObject(raw []byte, name string) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	bad := fmt.Errorf("the %s parameter must be a JSON object", name)
	if raw[0] != '{' {
		return nil, bad
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad // trailing data after the object
	}
	return m, nil
}

// requestError answers a request that never reached execution, through the
// error presenter like every other GraphQL error.
func requestError(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, status int, msg string) {
	err := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(apperror.InvalidInput)}}
	writeRequestErrors(w, status, exec.DispatchError(ctx, gqlerror.List{err}))
}

// writeRequestErrors writes a response without the "data" entry: the
// GraphQL spec omits it when execution never started, and gqlgen's
// Response would write "data": null.
func writeRequestErrors(w http.ResponseWriter, status int, resp *graphql.Response) {
	writeJSON(w, status, struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
