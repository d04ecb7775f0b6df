package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
)

// The GraphQL over HTTP behaviour of /graphql, checked in Go next to the
// graphql-http audit that CI runs (.ci/graphql-http): this table also pins
// what that suite does not look at (405 and 415 with their Allow headers,
// GET refusing mutations, q-weighted Accept, our limits' status codes, no
// "data" entry on request errors under application/json).

const (
	mediaJSON  = "application/json"
	mediaGQLRS = "application/graphql-response+json"
)

// deepQuery nests data fields 15 deep, past the default depth limit of 12.
// It is made of data fields because introspection fields do not count
// against the limit.
const deepQuery = `{ conversations(first: 1) { edges { node { messages(first: 1) { edges { node { conversation {
	messages(first: 1) { edges { node { conversation { messages(first: 1) { edges { node { id } } } } } } } } } } } } } } }`

type httpCase struct {
	name        string
	method      string // default POST
	accept      string
	contentType string // default application/json for POST
	body        string // POST body
	query       url.Values

	wantStatus int
	wantMedia  string // response media type; default application/json
	wantData   bool   // the response has a "data" entry
	wantCode   string // the first error's extensions.code; "" for no errors
	wantAllow  string
}

func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.MaxBodyBytes = 2048 })

	q := func(query string) string {
		b, err := json.Marshal(map[string]any{"query": query})
		require.NoError(t, err)
		return string(b)
	}
	cases := []httpCase{
		{name: "POST without Accept answers application/json", body: q(`{ __typename }`), wantStatus: 200, wantData: true},
		{name: "POST accepting graphql-response+json", accept: mediaGQLRS, body: q(`{ __typename }`), wantStatus: 200, wantMedia: mediaGQLRS, wantData: true},
		{name: "Accept with Apollo's weights prefers graphql-response+json", accept: mediaGQLRS + ", application/json;q=0.9", body: q(`{ __typename }`), wantStatus: 200, wantMedia: mediaGQLRS, wantData: true},
		{name: "Accept weighing application/json higher", accept: mediaGQLRS + ";q=0.5, application/json", body: q(`{ __typename }`), wantStatus: 200, wantData: true},
		{name: "Accept */*", accept: "*/*", body: q(`{ __typename }`), wantStatus: 200, wantData: true},
		{name: "unsatisfiable Accept falls back to application/json", accept: "text/html", body: q(`{ __typename }`), wantStatus: 200, wantData: true},

		{name: "parse error under application/json: 200 without data", body: q(`{`), wantStatus: 200, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "parse error under graphql-response+json: 400 without data", accept: mediaGQLRS, body: q(`{`), wantStatus: 400, wantMedia: mediaGQLRS, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "validation error under application/json", body: q(`{ noSuchField }`), wantStatus: 200, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error under graphql-response+json", accept: mediaGQLRS, body: q(`{ noSuchField }`), wantStatus: 400, wantMedia: mediaGQLRS, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable coercion failure under graphql-response+json", accept: mediaGQLRS,
			body:       `{"query":"query($id: ID!) { __typename }","variables":{"id":null}}`,
			wantStatus: 400, wantMedia: mediaGQLRS, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "depth limit is a request error", accept: mediaGQLRS, body: q(deepQuery), wantStatus: 400, wantMedia: mediaGQLRS, wantCode: "QUERY_TOO_DEEP"},
		{name: "a field error keeps data and 200", accept: mediaGQLRS, body: q(`{ conversations(first: 1) { edges { node { id } } } }`),
			wantStatus: 200, wantMedia: mediaGQLRS, wantData: true, wantCode: "UNAUTHENTICATED"},

		{name: "malformed JSON", accept: mediaGQLRS, body: `{"query":`, wantStatus: 400, wantMedia: mediaGQLRS, wantCode: "INVALID_INPUT"},
		{name: "body that is not an object", body: `["{ __typename }"]`, wantStatus: 400, wantCode: "INVALID_INPUT"},
		{name: "missing query", body: `{"qeury":"{ __typename }"}`, wantStatus: 400, wantCode: "INVALID_INPUT"},
		{name: "query that is not a string", body: `{"query":1}`, wantStatus: 400, wantCode: "INVALID_INPUT"},
		{name: "variables that are not an object", body: `{"query":"{ __typename }","variables":"{}"}`, wantStatus: 400, wantCode: "INVALID_INPUT"},
		{name: "extensions that are not an object", body: `{"query":"{ __typename }","extensions":[]}`, wantStatus: 400, wantCode: "INVALID_INPUT"},
		{name: "null parameters are absent ones", body: `{"query":"{ __typename }","operationName":null,"variables":null,"extensions":null}`, wantStatus: 200, wantData: true},
		{name: "body over the limit: 413", body: q(`{ __typename }` + strings.Repeat(" ", 4096)), wantStatus: 413, wantCode: "INVALID_INPUT"},
		{name: "subscription over plain HTTP", body: q(`subscription { inboxEvents { id } }`), wantStatus: 400, wantCode: "INVALID_INPUT"},

		{name: "POST without Content-Type: 415", contentType: "-", body: q(`{ __typename }`), wantStatus: 415, wantCode: "INVALID_INPUT"},
		{name: "POST text/plain: 415", contentType: "text/plain", body: q(`{ __typename }`), wantStatus: 415, wantCode: "INVALID_INPUT"},
		{name: "POST in another charset: 415", contentType: "application/json; charset=latin1", body: q(`{ __typename }`), wantStatus: 415, wantCode: "INVALID_INPUT"},
		{name: "PUT: 405 with Allow", method: http.MethodPut, body: q(`{ __typename }`), wantStatus: 405, wantCode: "INVALID_INPUT", wantAllow: "GET, POST, OPTIONS"},
		{name: "HEAD: 405 with Allow", method: http.MethodHead, wantStatus: 405, wantAllow: "GET, POST, OPTIONS"},
		{name: "DELETE: 405 with Allow", method: http.MethodDelete, wantStatus: 405, wantCode: "INVALID_INPUT", wantAllow: "GET, POST, OPTIONS"},

		{name: "GET query", method: http.MethodGet, query: url.Values{"query": {`query($n: String!) { __type(name: $n) { name } }`}, "variables": {`{"n":"Query"}`}},
			wantStatus: 200, wantData: true},
		{name: "GET mutation: 405, Allow POST", method: http.MethodGet, accept: mediaGQLRS,
			query:      url.Values{"query": {`mutation { login(email: "nobody@example.test", password: "x") { token } }`}},
			wantStatus: 405, wantMedia: mediaGQLRS, wantCode: "INVALID_INPUT", wantAllow: "POST"},
		{name: "GET with malformed variables", method: http.MethodGet, query: url.Values{"query": {`{ __typename }`}, "variables": {`{"a":`}},
			wantStatus: 400, wantCode: "INVALID_INPUT"},
		{name: "GET without query", method: http.MethodGet, wantStatus: 400, wantCode: "INVALID_INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, body := send(t, s.URL, tc)
			require.Equal(t, tc.wantStatus, res.StatusCode, "body: %s", body)
			wantMedia := tc.wantMedia
			if wantMedia == "" {
				wantMedia = mediaJSON
			}
			require.Equal(t, wantMedia+"; charset=utf-8", res.Header.Get("Content-Type"))
			require.Equal(t, tc.wantAllow, res.Header.Get("Allow"))
			if tc.method == http.MethodHead {
				return
			}
			var out map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &out), "body: %s", body)
			_, hasData := out["data"]
			require.Equal(t, tc.wantData, hasData, "data entry; body: %s", body)
			var errs []apptest.Error
			if raw, ok := out["errors"]; ok {
				require.NoError(t, json.Unmarshal(raw, &errs))
			}
			if tc.wantCode == "" {
				require.Empty(t, errs, "body: %s", body)
			} else {
				require.NotEmpty(t, errs, "body: %s", body)
				require.Equal(t, tc.wantCode, errs[0].Code(), "body: %s", body)
			}
		})
	}
}

func TestGraphQLOverHTTPRateLimited(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, 1 })
	tc := httpCase{body: `{"query":"{ __typename }"}`}
	res, body := send(t, s.URL, tc)
	require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", body)
	res, body = send(t, s.URL, tc)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "body: %s", body)
	require.Contains(t, string(body), `"RATE_LIMITED"`)
}

func send(t *testing.T, endpoint string, tc httpCase) (*http.Response, []byte) {
	t.Helper()
	method := tc.method
	if method == "" {
		method = http.MethodPost
	}
	u := endpoint
	if tc.query != nil {
		u += "?" + tc.query.Encode()
	}
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	require.NoError(t, err)
	switch {
	case tc.contentType == "-":
	case tc.contentType != "":
		req.Header.Set("Content-Type", tc.contentType)
	case method == http.MethodPost:
		req.Header.Set("Content-Type", mediaJSON)
	}
	if tc.accept != "" {
		req.Header.Set("Accept", tc.accept)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, raw
}
