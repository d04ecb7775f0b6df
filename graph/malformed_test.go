package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/graph"
	"frontdesk/internal/apperror"
	"frontdesk/internal/apptest"
	"frontdesk/internal/auth"
	"frontdesk/internal/lead"
)

// oneInvalid fails unless r has exactly one error, INVALID_INPUT naming field.
func oneInvalid(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), "errors: %+v", r.Errors)
	require.Equal(t, field, r.Errors[0].Extensions["field"], "errors: %+v", r.Errors)
}

// A malformed Time, a currency that ISO 4217 does not know and a zero
// slot length are INVALID_INPUT naming the argument, never INTERNAL and
// never silently replaced; nothing is written.
func TestMalformedArgumentsAreInvalidInput(t *testing.T) {
	t.Parallel()
	b := setupBadInput(t)
	s, owner := b.s, b.org.OwnerToken
	l := createLead(t, s, b.org, lead.Fields{Need: "a website"}, lead.StatusNew)
	now := time.Now().UTC().Format(time.RFC3339)
	before := settledRowCounts(t, s)

	t.Run("time", func(t *testing.T) {
		oneInvalid(t, s.Do(owner, `{ metrics(from: "yesterday", to: "`+now+`") { conversations } }`, nil), "from")
		oneInvalid(t, s.Do(owner, `query($f: Time!, $t: Time!) { metrics(from: $f, to: $t) { conversations } }`,
			map[string]any{"f": now, "t": "2025-13-45T99:00:00Z"}), "to")
		oneInvalid(t, s.Do(owner, `query($f: Time!, $t: Time!) { metrics(from: $f, to: $t) { conversations } }`,
			map[string]any{"f": 12, "t": now}), "from")
	})
	t.Run("currency", func(t *testing.T) {
		for _, c := range []struct{ field, query string }{
			{"currency", `mutation { signUp(input: {organizationName: "Z", name: "Z", email: "zzz@example.test", password: "password-123", currency: "ZZZ"}) { token } }`},
			{"currency", `mutation { updateOrganizationSettings(input: {currency: "ZZZ"}) { id } }`},
			{"escalationRules.orderValueAbove", `mutation { updateOrganizationSettings(input: {escalationRules: {orderValueAbove: {amount: 10, currency: "ZZZ"}}}) { id } }`},
			{"budget", `mutation($id: ID!) { updateLead(id: $id, input: {budget: {amount: 10, currency: "ZZZ"}}) { id } }`},
			{"priceList", `mutation { updateLeadSettings(input: {priceList: [{name: "Site", priceFrom: 1, currency: "ZZZ"}]}) { slotMinutes } }`},
			{"minimumBudget", `mutation { updateLeadSettings(input: {minimumBudget: {amount: 10, currency: "ZZZ"}}) { slotMinutes } }`},
			{"currency", `mutation { updateOrganizationSettings(input: {currency: "XXX"}) { id } }`}, // "no currency"
		} {
			oneInvalid(t, s.Do(owner, c.query, map[string]any{"id": l.ID.String()}), c.field)
		}
		// A known code in lower case is accepted and stored in upper case.
		var out struct {
			UpdateLead struct{ Budget struct{ Currency string } }
		}
		s.MustDo(owner, `mutation($id: ID!) { updateLead(id: $id, input: {budget: {amount: 10, currency: "chf"}}) { budget { currency } } }`,
			map[string]any{"id": l.ID.String()}, &out)
		require.Equal(t, "CHF", out.UpdateLead.Budget.Currency)
	})
	t.Run("slot minutes", func(t *testing.T) {
		oneInvalid(t, s.Do(owner, `mutation { updateLeadSettings(input: {slotMinutes: 0}) { slotMinutes } }`, nil), "slotMinutes")
		oneInvalid(t, s.Do(owner, `mutation($m: Int) { updateLeadSettings(input: {slotMinutes: $m}) { slotMinutes } }`, map[string]any{"m": 0}), "slotMinutes")
	})
	require.Equal(t, before, tableRowCounts(t, s), "a refused request wrote rows")
}

// captureHandler records every log record at or above Warn.
type captureHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *captureHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

func (h *captureHandler) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.records {
		out = append(out, r.Level.String()+" "+r.Message)
	}
	return out
}

// noAuth refuses every token; the introspection cases send none.
type noAuth struct{}

func (noAuth) Authenticate(context.Context, string) (*auth.Principal, time.Time, error) {
	return nil, time.Time{}, apperror.New(apperror.Unauthenticated, "invalid token")
}

func (noAuth) Verify(string) (*auth.Claims, error) {
	return nil, apperror.New(apperror.Unauthenticated, "invalid token")
}

// In production introspection is a validation failure of the request, as
// graphql-js and Apollo answer it: GRAPHQL_VALIDATION_FAILED, and nothing
// logged, since a client asking is not a fault of the server.
func TestProductionRefusesIntrospectionQuietly(t *testing.T) {
	t.Parallel()
	logs := &captureHandler{}
	ep := graph.NewEndpoint(&graph.Resolver{}, nil, noAuth{}, graph.Options{
		Production: true, MaxBodyBytes: 1 << 20, MaxDepth: 12, MaxComplexity: 1000, MaxTokens: 10_000,
		RequestTimeout: 10 * time.Second, RateLimit: 1000, RateBurst: 1000, Workers: 4, InitTimeout: time.Second,
		RevalidateInterval: time.Minute, Logger: slog.New(logs),
	})
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	post := func(query string) (int, []apptest.Error, json.RawMessage) {
		body, err := json.Marshal(map[string]any{"query": query})
		require.NoError(t, err)
		res, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		var out struct {
			Data   json.RawMessage `json:"data"`
			Errors []apptest.Error `json:"errors"`
		}
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
		return res.StatusCode, out.Errors, out.Data
	}
	for _, q := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name: "Query") { name } }`,
		`query { ...F } fragment F on Query { __schema { types { name } } }`,
		`{ ... on Query { __type(name: "User") { fields { name } } } }`,
	} {
		status, errs, data := post(q)
		require.Equal(t, http.StatusOK, status, q)
		require.Len(t, errs, 1, q)
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", errs[0].Code(), q)
		require.True(t, len(data) == 0 || string(data) == "null", "introspection answered data: %s", data)
		require.NotContains(t, strings.ToLower(errs[0].Message), "internal", q)
	}
	// __typename is not introspection of the schema: it still works.
	_, errs, data := post(`{ __typename }`)
	require.Empty(t, errs)
	require.JSONEq(t, `{"__typename": "Query"}`, string(data))
	require.Empty(t, logs.messages(), "introspection in production was logged")
}
