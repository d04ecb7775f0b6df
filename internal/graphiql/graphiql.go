// Package graphiql serves GraphiQL, the GraphQL IDE, to browsers in
// development. Everything it needs is embedded in the binary (graphiql's
// UMD build and React's, see assets/VERSIONS and assets/LICENSES), because
// gqlgen's own page loads them from a CDN, which many deployments and
// development machines cannot reach, and a content-security policy keeps
// the page to its own origin.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// AssetPath is where Assets must be mounted: the page loads its scripts
// and styles relative to itself, from graphiql/ next to /graphql.
const AssetPath = "/graphiql/"

//go:embed assets/index.html assets/start.js assets/graphiql.min.js assets/graphiql.min.css assets/react.production.min.js assets/react-dom.production.min.js
var files embed.FS

// policy is the page's content-security policy: nothing from any other
// origin, no inline or eval'd script, no frames. GraphiQL's stylesheet
// carries its fonts and icons as data: URLs. Styles need 'unsafe-inline',
// found in headless Chromium: the page loads, introspects and runs queries
// without it, but opening a dialog (settings, keyboard shortcuts) makes
// graphiql.min.js insert a <style> element (Radix's scroll lock), which
// style-src 'self' refuses; its text holds the scrollbar's width, so a hash
// cannot allow it instead. Style attributes set through the DOM, as React
// and CodeMirror do, are not subject to the policy.
const policy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

var (
	page   = load("index.html")
	assets = func() map[string]asset {
		m := map[string]asset{}
		for _, name := range []string{"start.js", "graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"} {
			m[name] = load(name)
		}
		return m
	}()
)

func load(name string) asset {
	b, err := files.ReadFile("assets/" + name)
	if err != nil {
		panic("graphiql: embedded " + name + " missing: " + err.Error()) // caught by the build's tests
	}
	sum := sha256.Sum256(b)
	ct := mime.TypeByExtension(path.Ext(name))
	if strings.HasSuffix(name, ".js") {
		ct = "text/javascript; charset=utf-8" // the system's MIME table may lack .js or name it differently
	}
	return asset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// Page serves the GraphiQL page for a GET whose Accept header prefers
// text/html over JSON (a browser opening the URL), and passes every other
// request to next, the GraphQL endpoint.
func Page(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		// The answer to a GET depends on Accept, for caches to know.
		w.Header().Add("Vary", "Accept")
		if !wantsHTML(r.Header.Get("Accept")) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		serve(w, r, page)
	})
}

// Assets serves the page's scripts and stylesheet under AssetPath.
func Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[strings.TrimPrefix(r.URL.Path, AssetPath)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// The names carry no version: browsers revalidate (a 304 through
		// the ETag) so that a new binary's files are picked up at once.
		w.Header().Set("Cache-Control", "no-cache")
		serve(w, r, a)
	})
}

func serve(w http.ResponseWriter, r *http.Request, a asset) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	// ServeContent answers If-None-Match with 304 and handles HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// wantsHTML reports whether an Accept header weighs text/html higher than
// the JSON types a GraphQL client asks for. Browsers navigating to a page
// send text/html first and */* last; GraphQL clients name JSON or nothing.
func wantsHTML(accept string) bool {
	var html, json float64
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
		switch mt {
		case "text/html":
			html = max(html, q)
		case "application/json", "application/graphql-response+json":
			json = max(json, q)
		}
	}
	return html > 0 && html > json
}
