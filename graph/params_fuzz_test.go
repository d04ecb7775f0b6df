package graph

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// The request parsers read untrusted input: they must never panic, and
// whatever they accept must carry a query (or a persisted-query hash).
func FuzzBodyParams(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ __typename }"}`,
		`{"query":"query($a:Int){x}","variables":{"a":1},"operationName":"x","extensions":{}}`,
		`{"query":null}`, `{"query":1}`, `{"variables":[]}`, `[]`, `{`, ``, `null`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		p, err := bodyParams(r)
		if err == nil && p == nil {
			t.Fatal("nil params without an error")
		}
	})
}

func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"query=%7B__typename%7D", "query=x&variables=%7B%7D", "variables=1", "query=%zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		r.URL = &url.URL{Path: "/graphql", RawQuery: raw}
		p, err := queryParams(r)
		if err == nil && p == nil {
			t.Fatal("nil params without an error")
		}
	})
}

func FuzzNegotiateMedia(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/graphql-response+json", "application/json;q=0.9, application/graphql-response+json;q=0.1", "text/html", ";;;q=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		if m := negotiateMedia(accept); m != mediaJSON && m != mediaGraphQLResponse {
			t.Fatalf("negotiated %q", m)
		}
	})
}
