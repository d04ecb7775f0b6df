package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/auth"
	"frontdesk/internal/config"
)

// badInputMaxBody is the body limit of the bad-input server: small enough
// to test 413 cheaply, large enough for a 9000-character message (which
// must fail as INVALID_INPUT, not as an oversized body) and for a query
// over the parser's token limit.
const badInputMaxBody = 32 << 10

// rowCountExclusions are not compared by tableRowCounts, because they
// change on their own whatever the requests do:
//   - river_leader: River's leader election inserts, renews and deletes the
//     leader row on its own schedule.
var rowCountExclusions = map[string]bool{"river_leader": true}

// tableRowCounts counts the rows of every table in the public schema
// (River's included), except rowCountExclusions.
func tableRowCounts(t *testing.T, s *apptest.Server) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := s.App.DB.SQL.QueryContext(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.Contains(t, tables, "messages")
	require.Contains(t, tables, "river_job")
	counts := map[string]int64{}
	for _, name := range tables {
		if rowCountExclusions[name] {
			continue
		}
		var n int64
		require.NoError(t, s.App.DB.SQL.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM public.%q`, name)).Scan(&n))
		counts[name] = n
	}
	return counts
}

// settledRowCounts waits for River's start-up writes to settle (the
// producers upsert their queue rows asynchronously after Start) and for the
// pipeline to finish the setup's messages, and returns the row counts every
// bad request must leave as they are.
func settledRowCounts(t *testing.T, s *apptest.Server) map[string]int64 {
	t.Helper()
	require.Eventually(t, func() bool { return tableRowCounts(t, s)["river_queue"] >= 2 }, 30*time.Second, 20*time.Millisecond)
	s.WaitProcessed()
	return tableRowCounts(t, s)
}

// badBundle is a server with one organisation and a principal of every
// kind, one of them deactivated.
type badBundle struct {
	s           *apptest.Server
	org         *apptest.Org
	adminToken  string
	agentToken  string
	empToken    string
	visitor     *apptest.Visitor
	goneToken   string // a deactivated agent's
	goneUserID  string
	conv        string
	initialText string
	lastText    string
}

func setupBadInput(t *testing.T, opts ...apptest.Option) *badBundle {
	t.Helper()
	opts = append([]apptest.Option{func(c *config.Config) { c.MaxBodyBytes = badInputMaxBody }}, opts...)
	s := apptest.Start(t, opts...)
	b := &badBundle{s: s, org: s.SignUp("Bad Input"), initialText: "hello"}
	_, _, b.adminToken = inviteWithToken(t, s, b.org, "ADMIN")
	_, _, b.agentToken = inviteWithToken(t, s, b.org, "AGENT")
	_, _, b.empToken = inviteWithToken(t, s, b.org, "EMPLOYEE")
	b.goneUserID, _, b.goneToken = inviteWithToken(t, s, b.org, "AGENT")
	s.MustDo(b.org.OwnerToken, `mutation($u: ID!) { deactivateUser(userId: $u) { id } }`, map[string]any{"u": b.goneUserID}, nil)
	b.visitor = s.StartWebChat(b.org)
	b.conv = b.visitor.ConversationID
	s.Say(b.visitor, b.initialText)
	s.WaitProcessed()
	// The bot has answered the visitor; that answer is the state to keep.
	var last struct {
		Conversation struct{ LastMessage struct{ Text string } }
	}
	s.MustDo(b.org.OwnerToken, `query($c: ID!) { conversation(id: $c) { lastMessage { text } } }`, map[string]any{"c": b.conv}, &last)
	b.lastText = last.Conversation.LastMessage.Text
	return b
}

// signJWT signs arbitrary claims, for tokens the server never issues.
func signJWT(t *testing.T, method jwt.SigningMethod, key any, c auth.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	require.NoError(t, err)
	return tok
}

// ownerClaims are valid claims for the organisation's owner.
func (b *badBundle) ownerClaims() auth.Claims {
	now := time.Now()
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: b.s.Config.JWTIssuer, Audience: jwt.ClaimStrings{b.s.Config.JWTAudience}, Subject: b.org.OwnerID,
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now), ID: uuid.NewString(),
		},
		Org: b.org.ID, Role: auth.RoleOwner,
	}
}

// rawResult is a raw HTTP answer from /graphql.
type rawResult struct {
	status int
	body   string
	codes  []string
	data   json.RawMessage
}

// postRaw posts a raw body with headers (or, for GET, puts it in the URL
// as the query).
func postRaw(t *testing.T, s *apptest.Server, method, body string, header http.Header, chunked bool) rawResult {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // unknown length: sent chunked, without Content-Length
	}
	u := s.URL
	if method == http.MethodGet {
		u += "?query=" + url.QueryEscape(body)
		rd = nil
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := rawResult{status: res.StatusCode, body: string(raw)}
	var parsed struct {
		Data   json.RawMessage `json:"data"`
		Errors []apptest.Error `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(raw, &parsed), "body: %s", raw)
	for _, e := range parsed.Errors {
		out.codes = append(out.codes, e.Code())
	}
	out.data = parsed.Data
	return out
}

func gqlJSON(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	return string(b)
}

func authHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Bad HTTP input gets a named error with the right status, and writes
// nothing: the row count of every table stays as it was.
func TestBadHTTPInput(t *testing.T) {
	t.Parallel()
	b := setupBadInput(t)
	s := b.s

	addNote := `mutation($c: ID!, $t: String!) { addNote(conversationId: $c, text: $t) { id } }`
	note := func(conv string) string { return gqlJSON(t, addNote, map[string]any{"c": conv, "t": "a note"}) }
	deep := `{ conversations(first: 1) { edges { node { messages(first: 1) { edges { node { conversation {
		messages(first: 1) { edges { node { conversation { messages(first: 1) { edges { node { id } } } } } } } } } } } } } } }`
	deepFragments := `query { ...Q } fragment Q on Query { conversations(first: 1) { edges { node { ...C } } } }
		fragment C on Conversation { messages(first: 1) { edges { node { ...M } } } }
		fragment M on Message { conversation { messages(first: 1) { edges { node { conversation { messages(first: 1) { edges { node { id } } } } } } } } }`
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 20 {
		fmt.Fprintf(&aliases, " c%d: conversations(first: 100) { edges { node { id } } }", i)
	}
	aliases.WriteString(" }")

	hs := []byte(apptest.Secret)
	expired := mintUserToken(t, s, b.org.OwnerID, b.org.ID, auth.RoleOwner, -time.Hour)
	otherSecret, err := auth.NewTokens(auth.TokenConfig{Secret: []byte("another-secret-another-secret-0123456789"), Issuer: s.Config.JWTIssuer, Audience: s.Config.JWTAudience, TTL: time.Hour})
	require.NoError(t, err)
	foreign, _, err := otherSecret.IssueUser(uuid.MustParse(b.org.OwnerID), uuid.MustParse(b.org.ID), auth.RoleOwner)
	require.NoError(t, err)
	algNone := signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, b.ownerClaims())
	long := b.ownerClaims()
	long.ID = strings.Repeat("x", auth.MaxTokenLength) // correctly signed; only its length is wrong
	tooLong := signJWT(t, jwt.SigningMethodHS256, hs, long)
	wrongIss := b.ownerClaims()
	wrongIss.Issuer = "someone-else"
	wrongAud := b.ownerClaims()
	wrongAud.Audience = jwt.ClaimStrings{"someone-else"}
	otherOrg := b.ownerClaims()
	otherOrg.Org = uuid.NewString() // the owner's id under an organisation it is not in
	badRole := b.ownerClaims()
	badRole.Role = "ROOT"
	noExp := b.ownerClaims()
	noExp.ExpiresAt = nil
	// Positive control: the hand-made claims are otherwise accepted, so
	// each refusal below is for the one thing changed.
	control := signJWT(t, jwt.SigningMethodHS256, hs, b.ownerClaims())
	r := postRaw(t, s, http.MethodPost, gqlJSON(t, `{ me { id } }`, nil), authHeader(control), false)
	require.Empty(t, r.codes, r.body)

	var me struct{ Me struct{ Email string } }
	s.MustDo(b.org.OwnerToken, `{ me { email } }`, nil, &me)
	random := uuid.NewString()
	long9000 := strings.Repeat("é", 9000)
	owner := authHeader(b.org.OwnerToken)
	signUp := func(input map[string]any) string {
		in := map[string]any{"organizationName": "X", "name": "X", "email": "x-" + uuid.NewString()[:8] + "@example.test", "password": "password-123"}
		for k, v := range input {
			in[k] = v
		}
		return gqlJSON(t, `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`, map[string]any{"i": in})
	}
	one := func(code string) []string { return []string{code} }
	type tc struct {
		name    string
		method  string // POST when empty
		body    string
		header  http.Header
		chunked bool
		status  int
		codes   []string // every error's code; nil means no errors
	}
	cases := []tc{
		// The request itself.
		{name: "malformed JSON", body: `{"query": `, header: owner, status: 400, codes: one("INVALID_INPUT")},
		{name: "JSON not an object", body: `["mutation { closeConversation(conversationId: \"x\") { id } }"]`, header: owner, status: 400, codes: one("INVALID_INPUT")},
		{name: "empty body", body: ``, header: owner, status: 400, codes: one("INVALID_INPUT")},
		{name: "no query", body: `{"variables": {}}`, header: owner, status: 400, codes: one("INVALID_INPUT")},
		{name: "oversized body", body: gqlJSON(t, addNote, map[string]any{"c": b.conv, "t": strings.Repeat("a", badInputMaxBody)}), header: owner, status: 413, codes: one("INVALID_INPUT")},
		{name: "oversized chunked body", body: gqlJSON(t, addNote, map[string]any{"c": b.conv, "t": strings.Repeat("a", badInputMaxBody)}), header: owner, chunked: true, status: 413, codes: one("INVALID_INPUT")},
		{name: "mutation over GET", method: http.MethodGet, body: `mutation { closeConversation(conversationId: "` + b.conv + `") { id } }`, header: owner, status: 405, codes: one("INVALID_INPUT")},
		{name: "parse error", body: gqlJSON(t, `mutation { addNote(conversationId: "`+b.conv+`", text: "x") { id }`, nil), header: owner, status: 200, codes: one("GRAPHQL_PARSE_FAILED")},
		{name: "unknown field", body: gqlJSON(t, `mutation { addNote(conversationId: "`+b.conv+`", text: "x") { id nope } }`, nil), header: owner, status: 200, codes: one("GRAPHQL_VALIDATION_FAILED")},
		{name: "missing variable", body: gqlJSON(t, addNote, map[string]any{"c": b.conv}), header: owner, status: 200, codes: one("GRAPHQL_VALIDATION_FAILED")},
		{name: "over the parser token limit", body: gqlJSON(t, "{ me {"+strings.Repeat(" id", 6000)+" } }", nil), header: owner, status: 200, codes: one("GRAPHQL_PARSE_FAILED")},

		// Limits.
		{name: "too deep", body: gqlJSON(t, deep, nil), header: owner, status: 200, codes: one("QUERY_TOO_DEEP")},
		{name: "too deep through fragments", body: gqlJSON(t, deepFragments, nil), header: owner, status: 200, codes: one("QUERY_TOO_DEEP")},
		{name: "too complex", body: gqlJSON(t, `{ conversations(first: 100) { edges { node { messages(first: 100) { edges { node { id text } } } } } } }`, nil), header: owner, status: 200, codes: one("COMPLEXITY_LIMIT_EXCEEDED")},
		{name: "too complex through aliases", body: gqlJSON(t, aliases.String(), nil), header: owner, status: 200, codes: one("COMPLEXITY_LIMIT_EXCEEDED")},

		// Tokens: protected fields answer UNAUTHENTICATED, public ones work.
		{name: "no token", body: note(b.conv), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "not a bearer header", body: note(b.conv), header: http.Header{"Authorization": {b.org.OwnerToken}}, status: 200, codes: one("UNAUTHENTICATED")},
		{name: "garbage token", body: note(b.conv), header: authHeader("not.a.jwt"), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "expired token", body: note(b.conv), header: authHeader(expired), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "token signed with another secret", body: note(b.conv), header: authHeader(foreign), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "alg none", body: note(b.conv), header: authHeader(algNone), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "token too long", body: note(b.conv), header: authHeader(tooLong), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "wrong issuer", body: note(b.conv), header: authHeader(signJWT(t, jwt.SigningMethodHS256, hs, wrongIss)), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "wrong audience", body: note(b.conv), header: authHeader(signJWT(t, jwt.SigningMethodHS256, hs, wrongAud)), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "no expiry", body: note(b.conv), header: authHeader(signJWT(t, jwt.SigningMethodHS256, hs, noExp)), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "user under another organisation", body: note(b.conv), header: authHeader(signJWT(t, jwt.SigningMethodHS256, hs, otherOrg)), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "unknown role", body: note(b.conv), header: authHeader(signJWT(t, jwt.SigningMethodHS256, hs, badRole)), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "deactivated user", body: note(b.conv), header: authHeader(b.goneToken), status: 200, codes: one("UNAUTHENTICATED")},
		{name: "bad token on a public field", body: gqlJSON(t, `{ __typename }`, nil), header: authHeader(expired), status: 200},
		{name: "no token on a public field", body: gqlJSON(t, `{ __typename }`, nil), status: 200},

		// Roles.
		{name: "agent invites", body: gqlJSON(t, `mutation { inviteUser(input: {email: "new@example.test", name: "N", role: AGENT, password: "password-123"}) { id } }`, nil), header: authHeader(b.agentToken), status: 200, codes: one("FORBIDDEN")},
		{name: "admin invites an owner", body: gqlJSON(t, `mutation { inviteUser(input: {email: "new@example.test", name: "N", role: OWNER, password: "password-123"}) { id } }`, nil), header: authHeader(b.adminToken), status: 200, codes: one("FORBIDDEN")},
		{name: "agent changes settings", body: gqlJSON(t, `mutation { updateOrganizationSettings(input: {name: "Mine"}) { id } }`, nil), header: authHeader(b.agentToken), status: 200, codes: one("FORBIDDEN")},
		{name: "agent deactivates the owner", body: gqlJSON(t, `mutation($u: ID!) { deactivateUser(userId: $u) { id } }`, map[string]any{"u": b.org.OwnerID}), header: authHeader(b.agentToken), status: 200, codes: one("FORBIDDEN")},
		{name: "employee lists conversations", body: gqlJSON(t, `{ conversations { edges { node { id } } } }`, nil), header: authHeader(b.empToken), status: 200, codes: one("FORBIDDEN")},
		{name: "employee replies", body: gqlJSON(t, `mutation($c: ID!) { sendAgentMessage(conversationId: $c, text: "hi") { id } }`, map[string]any{"c": b.conv}), header: authHeader(b.empToken), status: 200, codes: one("FORBIDDEN")},
		{name: "visitor lists conversations", body: gqlJSON(t, `{ conversations { edges { node { id } } } }`, nil), header: authHeader(b.visitor.Token), status: 200, codes: one("FORBIDDEN")},
		{name: "visitor adds a note", body: note(b.conv), header: authHeader(b.visitor.Token), status: 200, codes: one("FORBIDDEN")},

		// Unknown ids (the conversation mutations are added below).
		{name: "unknown user to deactivate", body: gqlJSON(t, `mutation($u: ID!) { deactivateUser(userId: $u) { id } }`, map[string]any{"u": random}), header: owner, status: 200, codes: one("NOT_FOUND")},
		{name: "non-UUID user to promote", body: gqlJSON(t, `mutation($u: ID!) { updateUserRole(userId: $u, role: ADMIN) { id } }`, map[string]any{"u": "not-a-uuid"}), header: owner, status: 200, codes: one("NOT_FOUND")},
		{name: "unknown assignee", body: gqlJSON(t, `mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id } }`, map[string]any{"c": b.conv, "u": random}), header: owner, status: 200, codes: one("NOT_FOUND")},
		{name: "deactivated assignee", body: gqlJSON(t, `mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id } }`, map[string]any{"c": b.conv, "u": b.goneUserID}), header: owner, status: 200, codes: one("NOT_FOUND")},
		{name: "visitor writes to an unknown conversation", body: gqlJSON(t, `mutation($c: ID!) { sendVisitorMessage(conversationId: $c, text: "hi") { id } }`, map[string]any{"c": random}), header: authHeader(b.visitor.Token), status: 200, codes: one("NOT_FOUND")},
		{name: "unknown web chat key", body: gqlJSON(t, `mutation { startWebChat(publicKey: "wc_unknown") { token } }`, nil), status: 200, codes: one("NOT_FOUND")},

		// Invalid input with a valid token.
		{name: "blank text", body: gqlJSON(t, addNote, map[string]any{"c": b.conv, "t": " \n\t "}), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "9000-character reply", body: gqlJSON(t, `mutation($c: ID!, $t: String!) { sendAgentMessage(conversationId: $c, text: $t) { id } }`, map[string]any{"c": b.conv, "t": long9000}), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "9000-character visitor message", body: gqlJSON(t, `mutation($c: ID!, $t: String!) { sendVisitorMessage(conversationId: $c, text: $t) { id } }`, map[string]any{"c": b.conv, "t": long9000}), header: authHeader(b.visitor.Token), status: 200, codes: one("INVALID_INPUT")},
		{name: "long hand-off reason", body: gqlJSON(t, `mutation($c: ID!, $r: String) { handOffConversation(conversationId: $c, reason: $r) { id } }`, map[string]any{"c": b.conv, "r": strings.Repeat("r", 501)}), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "sign-up with a bad e-mail", body: signUp(map[string]any{"email": "not an address"}), status: 200, codes: one("INVALID_INPUT")},
		{name: "sign-up with a short password", body: signUp(map[string]any{"password": "short"}), status: 200, codes: one("INVALID_INPUT")},
		{name: "sign-up with a bad time zone", body: signUp(map[string]any{"timeZone": "Mars/Olympus_Mons"}), status: 200, codes: one("INVALID_INPUT")},
		{name: "sign-up with a blank name", body: signUp(map[string]any{"name": "  "}), status: 200, codes: one("INVALID_INPUT")},
		{name: "sign-up with an existing e-mail", body: signUp(map[string]any{"email": me.Me.Email}), status: 200, codes: one("CONFLICT")},
		{name: "settings with a bad time zone", body: gqlJSON(t, `mutation { updateOrganizationSettings(input: {timeZone: "Local"}) { id } }`, nil), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "settings with a zero SLA", body: gqlJSON(t, `mutation { updateOrganizationSettings(input: {name: "Renamed", handoffSlaSeconds: 0}) { id } }`, nil), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "invite with a short password", body: gqlJSON(t, `mutation { inviteUser(input: {email: "new@example.test", name: "N", role: AGENT, password: "x"}) { id } }`, nil), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "web chat with a bad language", body: gqlJSON(t, `mutation($k: String!) { startWebChat(publicKey: $k, language: "x") { token } }`, map[string]any{"k": b.org.PublicKey}), status: 200, codes: one("INVALID_INPUT")},
		{name: "page too large", body: gqlJSON(t, `{ conversations(first: 101) { edges { node { id } } } }`, nil), header: owner, status: 200, codes: one("INVALID_INPUT")},
		{name: "bad cursor", body: gqlJSON(t, `{ conversations(after: "zzz") { edges { node { id } } } }`, nil), header: owner, status: 200, codes: one("INVALID_INPUT")},
	}
	for _, id := range []string{random, "not-a-uuid"} {
		for _, m := range []string{
			`sendAgentMessage(conversationId: $c, text: "hi") { id }`,
			`addNote(conversationId: $c, text: "hi") { id }`,
			`assignConversation(conversationId: $c, userId: null) { id }`,
			`handOffConversation(conversationId: $c) { id }`,
			`returnToBot(conversationId: $c) { id }`,
			`closeConversation(conversationId: $c) { id }`,
			`markConversationRead(conversationId: $c) { id }`,
		} {
			cases = append(cases, tc{
				name: "unknown conversation " + id + " " + m[:strings.IndexByte(m, '(')],
				body: gqlJSON(t, `mutation($c: ID!) { `+m+` }`, map[string]any{"c": id}), header: owner, status: 200, codes: one("NOT_FOUND"),
			})
		}
	}

	before := settledRowCounts(t, s)
	// Sequential: each case checks the row counts afterwards, which needs
	// no other request writing meanwhile.
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			r := postRaw(t, s, method, c.body, c.header, c.chunked)
			require.Equal(t, c.status, r.status, r.body)
			require.Equal(t, c.codes, r.codes, r.body)
			if c.codes == nil {
				require.NotEqual(t, "null", string(r.data), r.body)
			}
			require.Equal(t, before, tableRowCounts(t, s), "a refused request wrote rows")
		})
	}

	// The conversation and the organisation are as they were: nothing was
	// half-applied either.
	var conv struct {
		Conversation struct {
			Status, Owner string
			UnreadCount   int
			Assignee      *struct{ ID string }
			LastMessage   struct{ Text string }
		}
	}
	s.MustDo(b.org.OwnerToken, `query($c: ID!) { conversation(id: $c) { status owner unreadCount assignee { id } lastMessage { text } } }`, map[string]any{"c": b.conv}, &conv)
	require.Equal(t, "OPEN", conv.Conversation.Status)
	require.Equal(t, "BOT", conv.Conversation.Owner)
	require.Equal(t, 1, conv.Conversation.UnreadCount)
	require.Nil(t, conv.Conversation.Assignee)
	require.Equal(t, b.lastText, conv.Conversation.LastMessage.Text)
	var org struct {
		Organization struct {
			Name              string
			HandoffSlaSeconds int
		}
	}
	s.MustDo(b.org.OwnerToken, `{ organization { name handoffSlaSeconds } }`, nil, &org)
	require.Equal(t, "Bad Input", org.Organization.Name)
	require.Equal(t, 600, org.Organization.HandoffSlaSeconds)
}

// Each graphql-transport-ws protocol violation closes the socket with its
// code, and writes nothing.
func TestWebSocketProtocolViolations(t *testing.T) {
	t.Parallel()
	b := setupBadInput(t)
	s := b.s
	hs := []byte(apptest.Secret)
	algNone := signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, b.ownerClaims())
	expired := mintUserToken(t, s, b.org.OwnerID, b.org.ID, auth.RoleOwner, -time.Hour)
	wrongAud := b.ownerClaims()
	wrongAud.Audience = jwt.ClaimStrings{"someone-else"}
	sub := func(id string) map[string]any {
		return map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": `subscription { inboxEvents { id } }`}}
	}
	initWith := func(token string) map[string]any {
		return map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}
	}
	good := map[string]any{"token": b.org.OwnerToken}
	cases := []struct {
		name string
		init map[string]any // connection_init payload sent (and acked) first; nil for none
		send []any          // raw strings or messages, in order
		want websocket.StatusCode
	}{
		{name: "invalid JSON", send: []any{`{"type": "connection_init"`}, want: 4400},
		{name: "not an object", send: []any{`"connection_init"`}, want: 4400},
		{name: "unknown message type", send: []any{map[string]any{"type": "start"}}, want: 4400},
		{name: "missing type", send: []any{map[string]any{"payload": map[string]any{}}}, want: 4400},
		{name: "connection_init payload not an object", send: []any{map[string]any{"type": "connection_init", "payload": "token"}}, want: 4400},
		{name: "subscribe without an id", init: good,
			send: []any{map[string]any{"type": "subscribe", "payload": map[string]any{"query": `subscription { inboxEvents { id } }`}}}, want: 4400},
		{name: "subscribe without a query", init: good,
			send: []any{map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{}}}, want: 4400},
		{name: "subscribe before connection_init", send: []any{sub("1")}, want: 4401},
		{name: "mutation before connection_init", send: []any{map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
			"query": `mutation($c: ID!) { addNote(conversationId: $c, text: "x") { id } }`, "variables": map[string]any{"c": b.conv}}}}, want: 4401},
		{name: "garbage token", send: []any{initWith("not.a.jwt")}, want: 4403},
		{name: "expired token", send: []any{initWith(expired)}, want: 4403},
		{name: "alg none", send: []any{initWith(algNone)}, want: 4403},
		{name: "wrong audience", send: []any{initWith(signJWT(t, jwt.SigningMethodHS256, hs, wrongAud))}, want: 4403},
		{name: "deactivated user", send: []any{map[string]any{"type": "connection_init", "payload": map[string]any{"token": b.goneToken}}}, want: 4403},
		{name: "duplicate subscription id", init: good, send: []any{sub("1"), sub("1")}, want: 4409},
		{name: "second connection_init", init: good, send: []any{initWith(b.org.OwnerToken)}, want: 4429},
		{name: "second connection_init before the ack is read", send: []any{initWith(b.org.OwnerToken), initWith(b.org.OwnerToken)}, want: 4429},
		{name: "message over the read limit", init: good,
			send: []any{map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "subscription { inboxEvents { id } } #" + strings.Repeat("x", 70<<10)}}},
			want: websocket.StatusMessageTooBig},
	}

	before := settledRowCounts(t, s)
	// Sequential, like TestBadHTTPInput, for the row counts.
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ws := s.Dial(ctx, c.init)
			for _, m := range c.send {
				raw, ok := m.(string)
				if !ok {
					bs, err := json.Marshal(m)
					require.NoError(t, err)
					raw = string(bs)
				}
				// The server may already be closing after an earlier
				// message; the close code below is what counts.
				_ = ws.Conn.Write(ctx, websocket.MessageText, []byte(raw))
			}
			require.Equal(t, c.want, ws.CloseStatus(ctx))
			require.Equal(t, before, tableRowCounts(t, s), "a refused socket wrote rows")
		})
	}

	// A bad operation on a good socket is an error for that operation
	// alone: the socket stays open, and nothing is written.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := s.Dial(ctx, good)
	codes := subscribeExpectError(ctx, t, ws, "blank", `mutation($c: ID!) { addNote(conversationId: $c, text: "  ") { id } }`, map[string]any{"c": b.conv})
	require.Equal(t, []string{"INVALID_INPUT"}, codes)
	codes = subscribeExpectError(ctx, t, ws, "unknown", `subscription($c: ID!) { conversationEvents(conversationId: $c) { id } }`, map[string]any{"c": uuid.NewString()})
	require.Equal(t, []string{"NOT_FOUND"}, codes)
	codes = subscribeExpectError(ctx, t, ws, "cursor", `subscription { inboxEvents(after: "zzz") { id } }`, nil)
	require.Equal(t, []string{"INVALID_INPUT"}, codes)
	codes = subscribeExpectError(ctx, t, ws, "deep", `subscription { inboxEvents { conversation { messages(first: 1) { edges { node { conversation {
		messages(first: 1) { edges { node { conversation { messages(first: 1) { edges { node { id } } } } } } } } } } } } } }`, nil)
	require.Equal(t, []string{"QUERY_TOO_DEEP"}, codes)
	ws.Send(ctx, map[string]any{"type": "ping"})
	require.Equal(t, "pong", ws.Read(ctx)["type"])
	require.Equal(t, before, tableRowCounts(t, s))
}

// A socket that never sends connection_init is closed with 4408 once the
// init timeout passes.
func TestWebSocketInitTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	s := apptest.Start(t, func(c *config.Config) { c.WSInitTimeout = timeout })
	before := settledRowCounts(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	ws := s.Dial(ctx, nil)
	require.Equal(t, websocket.StatusCode(4408), ws.CloseStatus(ctx))
	require.GreaterOrEqual(t, time.Since(start), timeout)
	require.Equal(t, before, tableRowCounts(t, s))
}
