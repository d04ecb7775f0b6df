package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/auth"
	"frontdesk/internal/config"
)

// dialHeader opens a WebSocket whose upgrade request carries header, sends
// connection_init with initPayload (when not nil) and returns the client and
// the first message the server answers with (nil when initPayload is nil).
// A refused upgrade returns the HTTP status instead.
func dialHeader(t *testing.T, ctx context.Context, s *apptest.Server, header http.Header, initPayload map[string]any) (*apptest.WS, map[string]any, int) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(s.URL, "http")
	c, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	if err != nil {
		require.NotNil(t, res, "dial: %v", err)
		return nil, nil, res.StatusCode
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	ws := apptest.NewWS(t, c)
	if initPayload == nil {
		return ws, nil, http.StatusSwitchingProtocols
	}
	ws.Send(ctx, map[string]any{"type": "connection_init", "payload": initPayload})
	_, b, err := c.Read(ctx)
	if err != nil {
		return ws, map[string]any{"close": int(websocket.CloseStatus(err))}, http.StatusSwitchingProtocols
	}
	var msg map[string]any
	require.NoError(t, json.Unmarshal(b, &msg))
	return ws, msg, http.StatusSwitchingProtocols
}

func bearerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// readUntil reads protocol messages until one of type typ for id arrives
// (next messages of other ids are skipped).
func readUntil(t *testing.T, ctx context.Context, ws *apptest.WS, id, typ string) map[string]any {
	t.Helper()
	for {
		msg := ws.Read(ctx)
		if msg["id"] == id && msg["type"] == typ {
			return msg
		}
		require.NotEqual(t, id, msg["id"], "got %v, want %s", msg, typ)
	}
}

// Item 1: a socket authenticated by its upgrade request's Authorization
// header is re-checked like one authenticated in connection_init: a
// deactivated user's socket closes with 4403.
func TestHeaderAuthenticatedSocketIsRevalidated(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.WSRevalidateInterval = 100 * time.Millisecond })
	org := s.SignUp("Header Revalidate")
	agentID, agentToken := s.Invite(org, "AGENT")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ws, ack, _ := dialHeader(t, ctx, s, bearerHeader(agentToken), map[string]any{})
	require.Equal(t, "connection_ack", ack["type"], "got %v", ack)
	ws.Subscribe(ctx, "1", `subscription { inboxEvents { id } }`, nil)
	s.MustDo(org.OwnerToken, `mutation($u: ID!) { deactivateUser(userId: $u) { active } }`, map[string]any{"u": agentID}, nil)
	require.Equal(t, websocket.StatusCode(4403), ws.CloseStatus(ctx))
}

// Item 1: a header-authenticated socket closes at its token's expiry.
func TestHeaderAuthenticatedSocketClosesAtExpiry(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Header Expiry")
	tokens, err := auth.NewTokens(auth.TokenConfig{Secret: []byte(apptest.Secret), Issuer: s.Config.JWTIssuer, Audience: s.Config.JWTAudience, TTL: time.Hour, VisitorTTL: time.Hour})
	require.NoError(t, err)
	short, _, err := tokens.IssueWithTTL(uuid.MustParse(org.OwnerID), uuid.MustParse(org.ID), auth.RoleOwner, 2*time.Second)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ws, ack, _ := dialHeader(t, ctx, s, bearerHeader(short), map[string]any{})
	require.Equal(t, "connection_ack", ack["type"], "got %v", ack)
	ws.Subscribe(ctx, "1", `subscription { inboxEvents { id } }`, nil)
	require.Equal(t, websocket.StatusCode(4403), ws.CloseStatus(ctx))
}

// Item 1: a socket whose header token and connection_init token differ is
// refused.
func TestHeaderAndInitTokensMustAgree(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Two Tokens")
	_, agentToken := s.Invite(org, "AGENT")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	_, msg, _ := dialHeader(t, ctx, s, bearerHeader(agentToken), map[string]any{"Authorization": "Bearer " + org.OwnerToken})
	require.Equal(t, map[string]any{"close": 4403}, msg)

	// The same token both ways is fine.
	_, msg, _ = dialHeader(t, ctx, s, bearerHeader(agentToken), map[string]any{"Authorization": "Bearer " + agentToken})
	require.Equal(t, "connection_ack", msg["type"], "got %v", msg)
}

// Item 1: a changed role reaches open sockets, however they authenticated:
// a subscription the new role may not hold completes with FORBIDDEN, and
// the socket's next operation runs with the new role.
func TestRoleChangeReachesOpenSockets(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.WSRevalidateInterval = 100 * time.Millisecond })
	org := s.SignUp("Demoted")
	for _, how := range []string{"header", "init"} {
		t.Run(how, func(t *testing.T) {
			agentID, agentToken := s.Invite(org, "AGENT")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var ws *apptest.WS
			var ack map[string]any
			if how == "header" {
				ws, ack, _ = dialHeader(t, ctx, s, bearerHeader(agentToken), map[string]any{})
			} else {
				ws, ack, _ = dialHeader(t, ctx, s, nil, map[string]any{"Authorization": "Bearer " + agentToken})
			}
			require.Equal(t, "connection_ack", ack["type"], "got %v", ack)
			ws.Subscribe(ctx, "inbox", `subscription { inboxEvents { id } }`, nil)
			ws.Subscribe(ctx, "me1", `{ me { role } }`, nil)
			next := readUntil(t, ctx, ws, "me1", "next")
			require.Equal(t, map[string]any{"data": map[string]any{"me": map[string]any{"role": "AGENT"}}}, next["payload"])

			s.MustDo(org.OwnerToken, `mutation($u: ID!) { updateUserRole(userId: $u, role: EMPLOYEE) { role } }`, map[string]any{"u": agentID}, nil)
			msg := readUntil(t, ctx, ws, "inbox", "error")
			require.Contains(t, fmt.Sprint(msg["payload"]), "FORBIDDEN", "got %v", msg)

			ws.Subscribe(ctx, "me2", `{ me { role } }`, nil)
			next = readUntil(t, ctx, ws, "me2", "next")
			require.Equal(t, map[string]any{"data": map[string]any{"me": map[string]any{"role": "EMPLOYEE"}}}, next["payload"])
		})
	}
}

// Item 2: login and startWebChat over an anonymous socket answer their own
// selection as the new identity, but never change the socket's identity.
func TestSignInOverSocketDoesNotChangeItsIdentity(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Swap")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var owner struct{ Me struct{ Email string } }
	s.MustDo(org.OwnerToken, `{ me { email } }`, nil, &owner)

	anon := s.Dial(ctx, map[string]any{})
	anon.Subscribe(ctx, "login", `mutation($e: String!) { login(email: $e, password: "password-123") { token user { role } organization { id } } }`, map[string]any{"e": owner.Me.Email})
	_, data := anon.Next(ctx)
	require.Equal(t, org.ID, data["login"].(map[string]any)["organization"].(map[string]any)["id"])
	anon.Subscribe(ctx, "me", `{ me { id } }`, nil)
	msg := readUntil(t, ctx, anon, "me", "next")
	require.Contains(t, fmt.Sprint(msg["payload"]), "UNAUTHENTICATED", "an anonymous socket became %v", msg)

	// An agent's socket stays the agent's after it opens a web chat.
	_, agentToken := s.Invite(org, "AGENT")
	agent := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + agentToken})
	agent.Subscribe(ctx, "chat", `mutation($k: String!) { startWebChat(publicKey: $k) { token conversation { id } } }`, map[string]any{"k": org.PublicKey})
	_, data = agent.Next(ctx)
	require.NotEmpty(t, data["startWebChat"].(map[string]any)["conversation"].(map[string]any)["id"])
	agent.Subscribe(ctx, "me", `{ me { role } }`, nil)
	msg = readUntil(t, ctx, agent, "me", "next")
	require.Equal(t, map[string]any{"data": map[string]any{"me": map[string]any{"role": "AGENT"}}}, msg["payload"])

	// Over HTTP, an anonymous request signing in answers its selection as
	// the user it signed in, team-only fields included.
	var out struct {
		Login struct {
			User         struct{ Role string }
			Organization struct {
				ID       string
				Settings struct{ Tone string }
			}
		}
	}
	s.MustDo("", `mutation($e: String!) { login(email: $e, password: "password-123") { user { role } organization { id settings { tone } } } }`, map[string]any{"e": owner.Me.Email}, &out)
	require.Equal(t, "OWNER", out.Login.User.Role)
	require.Equal(t, org.ID, out.Login.Organization.ID)
	require.NotEmpty(t, out.Login.Organization.Settings.Tone)
}

// Item 3: the rate limit is keyed on what was verified: a fresh junk token
// per request does not buy a fresh bucket.
func TestRateLimitIgnoresUnverifiedTokens(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, 5 })
	limited := 0
	for i := range 30 {
		r := s.Do(fmt.Sprintf("junk.token.%d", i), `{ __typename }`, nil)
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	require.GreaterOrEqual(t, limited, 20, "junk tokens bypassed the per-address limit")
}

// Item 3: X-Forwarded-For counts only from a trusted proxy.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	send := func(s *apptest.Server) (limited int) {
		for i := range 20 {
			req, err := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(`{"query":"{ __typename }"}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				limited++
			}
		}
		return limited
	}
	untrusted := apptest.Start(t, func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, 5 })
	require.GreaterOrEqual(t, send(untrusted), 10, "a forged X-Forwarded-For bought fresh buckets")
	trusted := apptest.Start(t, func(c *config.Config) {
		c.RateLimit, c.RateBurst = 0.001, 5
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	require.Zero(t, send(trusted), "each forwarded client has its own bucket behind a trusted proxy")
}

// Item 3: WebSocket upgrades and every operation over a socket are counted.
func TestSocketsAreRateLimited(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, 5 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ws, ack, _ := dialHeader(t, ctx, s, nil, map[string]any{})
	require.Equal(t, "connection_ack", ack["type"])
	limited := 0
	for i := range 20 {
		id := fmt.Sprint(i)
		ws.Subscribe(ctx, id, `{ __typename }`, nil)
		msg := ws.Read(ctx)
		if msg["type"] == "error" {
			require.Contains(t, fmt.Sprint(msg["payload"]), "RATE_LIMITED")
			limited++
			continue
		}
		readUntil(t, ctx, ws, id, "complete")
	}
	require.GreaterOrEqual(t, limited, 10, "operations over a socket skipped the rate limit")

	refused := 0
	for range 10 {
		if _, _, status := dialHeader(t, ctx, s, nil, nil); status == http.StatusTooManyRequests {
			refused++
		}
	}
	require.GreaterOrEqual(t, refused, 5, "upgrades skipped the rate limit")
}

// Item 3: a user holds at most FRONTDESK_WS_MAX_PER_USER open sockets, and
// one address as many anonymous ones.
func TestOpenSocketsAreCapped(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.WSMaxPerUser = 2 })
	org := s.SignUp("Socket Cap")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	init := map[string]any{"Authorization": "Bearer " + org.OwnerToken}
	var open []*apptest.WS
	for range 2 {
		ws, ack, _ := dialHeader(t, ctx, s, nil, init)
		require.Equal(t, "connection_ack", ack["type"])
		open = append(open, ws)
	}
	_, msg, _ := dialHeader(t, ctx, s, bearerHeader(org.OwnerToken), map[string]any{})
	require.Equal(t, map[string]any{"close": 4429}, msg, "a third socket of one user")
	// Closing one frees its place.
	require.NoError(t, open[0].Conn.Close(websocket.StatusNormalClosure, ""))
	require.Eventually(t, func() bool {
		_, msg, _ := dialHeader(t, ctx, s, nil, init)
		return msg["type"] == "connection_ack"
	}, 10*time.Second, 50*time.Millisecond)

	for range 2 {
		_, ack, _ := dialHeader(t, ctx, s, nil, map[string]any{})
		require.Equal(t, "connection_ack", ack["type"])
	}
	_, msg, _ = dialHeader(t, ctx, s, nil, map[string]any{})
	require.Equal(t, map[string]any{"close": 4429}, msg, "a third anonymous socket from one address")
}

// Item 4: one operation may hold at most one field that establishes an
// identity or hashes a password.
func TestOneIdentityFieldPerOperation(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Aliases")
	for name, q := range map[string]string{
		"aliased logins": `mutation { a: login(email: "x@y.test", password: "password-1") { token } b: login(email: "x@y.test", password: "password-2") { token } }`,
		"login and signUp": `mutation { a: login(email: "x@y.test", password: "password-1") { token }
			b: signUp(input: {organizationName: "X", name: "X", email: "x2@y.test", password: "password-123"}) { token } }`,
		"through a fragment": `mutation { a: login(email: "x@y.test", password: "password-1") { token } ...F } fragment F on Mutation { b: login(email: "x@y.test", password: "password-2") { token } }`,
		"web chats":          `mutation { a: startWebChat(publicKey: "` + org.PublicKey + `") { token } b: startWebChat(publicKey: "` + org.PublicKey + `") { token } }`,
		"invites": `mutation { a: inviteUser(input: {email: "a@y.test", name: "A", role: AGENT, password: "password-123"}) { id }
			b: inviteUser(input: {email: "b@y.test", name: "B", role: AGENT, password: "password-123"}) { id } }`,
	} {
		t.Run(name, func(t *testing.T) {
			before := tableRowCounts(t, s)
			r := s.Do(org.OwnerToken, q, nil)
			require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), "%s", r.Data)
			require.True(t, len(r.Data) == 0 || string(r.Data) == "null", "the operation ran: %s", r.Data)
			require.Equal(t, before, tableRowCounts(t, s))
		})
	}
	// One of them is fine.
	r := s.Do("", `mutation { login(email: "x@y.test", password: "password-1") { token } }`, nil)
	require.Equal(t, []string{"UNAUTHENTICATED"}, r.Codes())
}

// Item 4: failed logins are limited per account and address, and per
// address; unknown e-mails are answered exactly like wrong passwords; the
// counters are shared by every server on the database.
func TestFailedLoginsAreLimited(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.Config.DatabaseURL)
	org := a.SignUp("Guess")
	var me struct{ Me struct{ Email string } }
	a.MustDo(org.OwnerToken, `{ me { email } }`, nil, &me)
	login := `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`

	answers := func(s *apptest.Server, email string, n int) []string {
		var out []string
		for i := range n {
			r := s.Do("", login, map[string]any{"e": email, "p": fmt.Sprintf("wrong-password-%d", i)})
			out = append(out, strings.Join(r.Codes(), ",")+": "+r.Errors[0].Message)
		}
		return out
	}
	known := append(answers(a, me.Me.Email, 5), answers(b, me.Me.Email, 6)...)
	unknown := append(answers(a, "nobody@guess.test", 5), answers(b, "nobody@guess.test", 6)...)
	require.Equal(t, known, unknown, "an unknown e-mail is answered differently")
	for i, got := range known {
		if i < 10 {
			require.Equal(t, "UNAUTHENTICATED: wrong e-mail or password", got, "attempt %d", i+1)
		} else {
			require.Equal(t, "RATE_LIMITED: too many failed sign-ins; try again later", got, "attempt %d", i+1)
		}
	}
	// While limited, even the right password is refused, with a retry time.
	r := a.Do("", login, map[string]any{"e": me.Me.Email, "p": "password-123"})
	require.Equal(t, []string{"RATE_LIMITED"}, r.Codes())
	retry, ok := r.Errors[0].Extensions["retryAfter"].(float64)
	require.True(t, ok, "extensions: %v", r.Errors[0].Extensions)
	require.InDelta(t, 15*60, retry, 60)

	// Spraying many accounts from one address hits the per-address limit.
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Do("", login, map[string]any{"e": fmt.Sprintf("spray%d@guess.test", i), "p": "wrong-password"})
		}()
	}
	wg.Wait()
	r = b.Do("", login, map[string]any{"e": "fresh@guess.test", "p": "wrong-password"})
	require.Equal(t, []string{"RATE_LIMITED"}, r.Codes())
}

// Item 1: a re-check that cannot reach the database is no verdict: the
// socket stays open (not 4403) and works again once the database is back
// within the grace period; past the grace period it closes with 1013, and
// a socket opened while the database is still down is told to come back
// later (1013), not refused as forbidden.
func TestSocketSurvivesDatabaseOutage(t *testing.T) {
	t.Parallel()
	cutUntilNotReady := func(s *apptest.Server, proxy *apptest.DBProxy) {
		proxy.Cut()
		require.Eventually(t, func() bool {
			res, err := http.Get(strings.TrimSuffix(s.URL, "/graphql") + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusServiceUnavailable
		}, 10*time.Second, 20*time.Millisecond)
	}

	t.Run("within the grace period", func(t *testing.T) {
		t.Parallel()
		proxy := apptest.NewDBProxy(t)
		s := apptest.Start(t, proxy.Option(), func(c *config.Config) {
			c.WSRevalidateInterval = 50 * time.Millisecond
			c.WSRevalidateGrace = time.Minute
		})
		org := s.SignUp("Outage")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ws, ack, _ := dialHeader(t, ctx, s, bearerHeader(org.OwnerToken), map[string]any{})
		require.Equal(t, "connection_ack", ack["type"], "got %v", ack)
		ws.Subscribe(ctx, "inbox", `subscription { inboxEvents { id } }`, nil)

		// For half a second after /readyz fails (ten re-check intervals)
		// the socket keeps answering operations that need no database.
		cutUntilNotReady(s, proxy)
		for i, until := 0, time.Now().Add(500*time.Millisecond); time.Now().Before(until); i++ {
			id := fmt.Sprintf("t%d", i)
			ws.Subscribe(ctx, id, `{ __typename }`, nil)
			readUntil(t, ctx, ws, id, "next")
			readUntil(t, ctx, ws, id, "complete")
		}
		// A socket opened now cannot be checked: it is told to come back.
		_, msg, _ := dialHeader(t, ctx, s, bearerHeader(org.OwnerToken), map[string]any{})
		require.Equal(t, map[string]any{"close": int(websocket.StatusTryAgainLater)}, msg)
		proxy.Restore()

		ws.Subscribe(ctx, "me", `{ me { role } }`, nil)
		next := readUntil(t, ctx, ws, "me", "next")
		require.Equal(t, map[string]any{"data": map[string]any{"me": map[string]any{"role": "OWNER"}}}, next["payload"])
	})

	t.Run("past the grace period", func(t *testing.T) {
		t.Parallel()
		proxy := apptest.NewDBProxy(t)
		s := apptest.Start(t, proxy.Option(), func(c *config.Config) {
			c.WSRevalidateInterval = 50 * time.Millisecond
			c.WSRevalidateGrace = 300 * time.Millisecond
		})
		org := s.SignUp("Long Outage")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ws, ack, _ := dialHeader(t, ctx, s, nil, map[string]any{"Authorization": "Bearer " + org.OwnerToken})
		require.Equal(t, "connection_ack", ack["type"], "got %v", ack)
		cutUntilNotReady(s, proxy)
		require.Equal(t, websocket.StatusTryAgainLater, ws.CloseStatus(ctx))
		proxy.Restore()
	})
}

// Item 3: anyone can open a web chat, so visitors count against their
// client address too: minting visitors buys no fresh buckets and no fresh
// socket places.
func TestMintedVisitorsShareTheAddressLimits(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, 20 })
	org := s.SignUp("Mint")
	var visitors []*apptest.Visitor
	for range 3 {
		visitors = append(visitors, s.StartWebChat(org))
	}
	limited := 0
	for _, v := range visitors {
		for range 10 {
			if r := s.Do(v.Token, `{ __typename }`, nil); r.Status == http.StatusTooManyRequests {
				limited++
			}
		}
	}
	require.GreaterOrEqual(t, limited, 10, "fresh visitors bought fresh buckets")

	capped := apptest.Start(t, func(c *config.Config) { c.WSMaxPerUser = 2 })
	corg := capped.SignUp("Mint Sockets")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 3 {
		v := capped.StartWebChat(corg)
		_, msg, _ := dialHeader(t, ctx, capped, nil, map[string]any{"Authorization": "Bearer " + v.Token})
		if i < 2 {
			require.Equal(t, "connection_ack", msg["type"], "got %v", msg)
		} else {
			require.Equal(t, map[string]any{"close": 4429}, msg, "a third visitor's socket from one address")
		}
	}
}

// Item 4: a burst of parallel wrong passwords gets no more checks than the
// limit allows: each attempt is counted before its password is checked.
func TestParallelFailedLoginsAreLimited(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Burst")
	var me struct{ Me struct{ Email string } }
	s.MustDo(org.OwnerToken, `{ me { email } }`, nil, &me)
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Do("", `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
				map[string]any{"e": me.Me.Email, "p": fmt.Sprintf("wrong-password-%d", i)})
			mu.Lock()
			codes[strings.Join(r.Codes(), ",")]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, map[string]int{"UNAUTHENTICATED": 10, "RATE_LIMITED": 20}, codes)
}
