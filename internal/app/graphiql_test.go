package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
)

// browserAccept is what Chromium sends when it navigates to a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"

func get(t *testing.T, rawURL, accept string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// In development a browser opening /graphql gets GraphiQL, served with its
// scripts and styles from the binary under a content-security policy that
// allows this origin only; other clients of GET /graphql get GraphQL.
func TestGraphiQLInDevelopment(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)

	res, page := get(t, s.URL, browserAccept)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/html"), res.Header.Get("Content-Type"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.Contains(t, page, "GraphiQL")

	// The policy names no other origin and allows no inline or eval'd script.
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for d := range strings.SplitSeq(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	require.Equal(t, "'none'", directives["default-src"], csp)
	require.Equal(t, "'self'", directives["script-src"], csp)
	require.Equal(t, "'self'", directives["connect-src"], csp)
	require.Equal(t, "'none'", directives["frame-ancestors"], csp)
	require.NotContains(t, csp, "http")
	require.NotContains(t, csp, "*")

	// Every script and stylesheet comes from this server; nothing names
	// another host.
	require.NotRegexp(t, `(?i)https?:|//[a-z]|unpkg|jsdelivr|cdn`, page)
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	base, err := url.Parse(s.URL)
	require.NoError(t, err)
	seen := map[string]string{}
	for _, m := range refs {
		u, err := base.Parse(m[1])
		require.NoError(t, err)
		require.Equal(t, base.Host, u.Host, m[1])
		res, body := get(t, u.String(), "*/*")
		require.Equal(t, http.StatusOK, res.StatusCode, m[1])
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), m[1])
		require.NotEmpty(t, body, m[1])
		seen[u.Path[strings.LastIndex(u.Path, "/")+1:]] = res.Header.Get("Content-Type")
	}
	for _, name := range []string{"graphiql.min.js", "react.production.min.js", "react-dom.production.min.js"} {
		require.Contains(t, seen[name], "javascript", name)
	}
	require.Contains(t, seen["graphiql.min.css"], "text/css")

	// Clients that ask for JSON, or name no type, still get GraphQL.
	for _, accept := range []string{"", "*/*", "application/json", "application/graphql-response+json", "application/json, text/html"} {
		res, body := get(t, s.URL+"?query=%7B__typename%7D", accept)
		require.Equal(t, http.StatusOK, res.StatusCode, accept)
		require.JSONEq(t, `{"data":{"__typename":"Query"}}`, body, accept)
	}
}

// Production never serves GraphiQL: a browser's GET /graphql is handled as
// a GraphQL request (here one without a query), and the assets do not exist.
func TestNoGraphiQLInProduction(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) {
		c.Env = config.EnvProduction
		c.SecretKey = strings.Repeat("ab", 32)
	})

	res, body := get(t, s.URL, browserAccept)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), res.Header.Get("Content-Type"))
	require.Contains(t, body, "the query parameter is missing")

	base := strings.TrimSuffix(s.URL, "/graphql")
	for _, path := range []string{"/graphiql/graphiql.min.js", "/graphiql/graphiql.min.css", "/graphiql/react.production.min.js"} {
		res, _ := get(t, base+path, "*/*")
		require.Equal(t, http.StatusNotFound, res.StatusCode, path)
	}
}
