package graphiql

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWantsHTML(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]bool{
		"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8": true, // Chromium
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8":                       true, // Firefox
		"text/html":                         true,
		"text/html;q=0.5":                   true,
		"":                                  false,
		"*/*":                               false,
		"text/*":                            false,
		"application/json":                  false,
		"application/graphql-response+json": false,
		"application/json, text/html":       false, // a tie goes to GraphQL
		"text/html;q=0.9, application/json": false,
		"text/html, application/json;q=0.9": true,
		"text/html;q=0":                     false,
		"text/html;q=x":                     false,
		";;;":                               false,
	} {
		require.Equal(t, want, wantsHTML(accept), "Accept: %q", accept)
	}
}

func TestPageAndAssets(t *testing.T) {
	t.Parallel()
	gql := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("graphql")) })
	mux := http.NewServeMux()
	mux.Handle("/graphql", Page(gql))
	mux.Handle("GET "+AssetPath, Assets())

	do := func(method, target, accept, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}

	res := do(http.MethodGet, "/graphql", "text/html", "")
	require.Equal(t, http.StatusOK, res.Code)
	require.Equal(t, policy, res.Header().Get("Content-Security-Policy"))
	require.Equal(t, "Accept", res.Header().Get("Vary"))
	require.Contains(t, res.Body.String(), `<script src="graphiql/start.js">`)

	// Everything else reaches the endpoint: other types, other methods,
	// WebSocket upgrades.
	for _, r := range []struct{ method, accept string }{{"GET", "application/json"}, {"GET", ""}, {"POST", "text/html"}} {
		require.Equal(t, "graphql", do(r.method, "/graphql", r.accept, "").Body.String(), r)
	}
	req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Upgrade", "websocket")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	require.Equal(t, "graphql", rec.Body.String())

	// Each file the page references is served, with a type, and revalidates.
	refs := regexp.MustCompile(`(?:src|href)="graphiql/([^"]+)"`).FindAllStringSubmatch(res.Body.String(), -1)
	require.Len(t, refs, 5)
	for _, m := range refs {
		res := do(http.MethodGet, AssetPath+m[1], "*/*", "")
		require.Equal(t, http.StatusOK, res.Code, m[1])
		want, err := os.ReadFile("assets/" + m[1])
		require.NoError(t, err)
		require.Equal(t, want, res.Body.Bytes(), m[1])
		require.NotEmpty(t, res.Header().Get("Content-Type"), m[1])
		require.Equal(t, http.StatusNotModified, do(http.MethodGet, AssetPath+m[1], "*/*", res.Header().Get("ETag")).Code, m[1])
	}
	for _, name := range []string{"", "VERSIONS", "LICENSES", "index.html", "graphiql.go", "x/graphiql.min.js", "graphiql.min.js.map"} {
		require.Equal(t, http.StatusNotFound, do(http.MethodGet, AssetPath+name, "*/*", "").Code, name)
	}
}

// No file served names another origin: no CDN, no remote font or icon.
// (graphiql.min.js holds URLs in messages and comments, such as GitHub
// links and the SVG namespace, and an error message that names CDNs, but
// loads nothing from them; the policy would refuse it if it tried.)
func TestNoRemoteReferences(t *testing.T) {
	t.Parallel()
	remote := regexp.MustCompile(`(?i)//(unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|fonts\.googleapis\.com|fonts\.gstatic\.com)`)
	for name, a := range assets {
		require.False(t, remote.Match(a.body), name)
	}
	require.False(t, remote.Match(page.body))
	require.NotRegexp(t, `(?i)https?:`, string(page.body))
	require.NotContains(t, strings.ToLower(string(assets["graphiql.min.css"].body)), "url(http")
}
