package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/auth"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/extract"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
)

// The start of the event log as a subscription cursor: `after: fromStart`
// replays every matching event, so a subscriber sees all the events written
// after it subscribed whether or not its live registration had completed.
// That makes the subscription cases deterministic without sleeps.
var fromStart = eventlog.Position{}.String()

// isoBundle is two organisations, A and B, each with some data. Every
// isolation case acts as B (or A's visitor) against A's ids.
type isoBundle struct {
	s *apptest.Server
	a *apptest.Org
	b *apptest.Org

	aVisitor      *apptest.Visitor // A's web chat conversation: visitor messages, a note, assigned to aAgentID
	aOtherVisitor *apptest.Visitor // a second conversation of A
	aMessageIDs   []string         // visitor messages in aVisitor's conversation
	aNoteID       string
	aAgentID      string
	aAgentToken   string
	aAgentEmail   string
	aEmployeeID   string
	aEmpToken     string
	aStaffConvID  string
	aUserIDs      []string
	aLead         *lead.Lead // on a conversation with no messages, so the pipeline never changes it
	aMeetingID    string
	aChannelID    string // A's Telegram bot, connected with aBotToken

	bLead *lead.Lead

	bVisitor    *apptest.Visitor
	bAgentID    string
	bEmployeeID string
	bEmpToken   string
	bStaffConv  string
}

// aBotToken is the Telegram bot A connected; B must not connect it too.
const aBotToken = "4839574812:AAFakeTokenForIsolationTests_abcdefghij"

// aText is the visitor's first message in A; B searches for it.
const aText = "A's secret question about the Zurich order"

// aSecrets are texts of A's lead and lead settings that B must never see.
var aSecrets = []string{"A's secret price item", "A's secret lead need", "A's secret city"}

func setupIsolation(t *testing.T) *isoBundle {
	t.Helper()
	s := apptest.Start(t)
	b := &isoBundle{s: s, a: s.SignUp("Org A"), b: s.SignUp("Org B")}

	b.aVisitor = s.StartWebChat(b.a)
	b.aMessageIDs = append(b.aMessageIDs, s.Say(b.aVisitor, aText), s.Say(b.aVisitor, "second message"))
	b.aOtherVisitor = s.StartWebChat(b.a)
	s.Say(b.aOtherVisitor, "another visitor of A")
	b.aAgentID, b.aAgentEmail, b.aAgentToken = inviteWithToken(t, s, b.a, "AGENT")
	b.aEmployeeID, _, b.aEmpToken = inviteWithToken(t, s, b.a, "EMPLOYEE")

	var note struct{ AddNote struct{ ID string } }
	s.MustDo(b.a.OwnerToken, `mutation($c: ID!) { addNote(conversationId: $c, text: "private: VIP customer") { id } }`,
		map[string]any{"c": b.aVisitor.ConversationID}, &note)
	b.aNoteID = note.AddNote.ID
	s.MustDo(b.a.OwnerToken, `mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id } }`,
		map[string]any{"c": b.aVisitor.ConversationID, "u": b.aAgentID}, nil)

	var staff struct {
		SendStaffMessage struct{ Conversation struct{ ID string } }
	}
	s.MustDo(b.aEmpToken, `mutation { sendStaffMessage(text: "When is my next shift?") { conversation { id } } }`, nil, &staff)
	b.aStaffConvID = staff.SendStaffMessage.Conversation.ID
	require.NotEmpty(t, b.aStaffConvID)

	var users struct {
		Users struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustDo(b.a.OwnerToken, `{ users(first: 100) { edges { node { id } } } }`, nil, &users)
	for _, e := range users.Users.Edges {
		b.aUserIDs = append(b.aUserIDs, e.Node.ID)
	}
	require.Len(t, b.aUserIDs, 3)

	day := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	b.aLead = createLead(t, s, b.a, lead.Fields{
		Budget: &organization.Money{Amount: 9000, Currency: "USD"}, Need: aSecrets[1], City: aSecrets[2],
		Start: &extract.When{Start: day, End: day.Add(24*time.Hour - time.Second)}, Contact: "phone",
	}, lead.StatusQualified)
	b.aMeetingID = bookMeeting(t, s, b.aLead, day.Add(10*time.Hour)).ID.String()
	s.MustDo(b.a.OwnerToken, `mutation($n: String!) { updateLeadSettings(input: {priceList: [{name: $n, keywords: ["zurich"], priceFrom: 1}],
		minimumBudget: {amount: 500, currency: "USD"}, qualifyWithinDays: 7, consultationHours: [{weekday: 1, opens: "09:00", closes: "10:00"}]}) { slotMinutes } }`,
		map[string]any{"n": aSecrets[0]}, nil)

	var ch struct{ ConnectChannel struct{ ID string } }
	s.MustDo(b.a.OwnerToken, `mutation($t: String!) { connectChannel(input: {kind: TELEGRAM, name: "A's bot", telegram: {botToken: $t}}) { id } }`,
		map[string]any{"t": aBotToken}, &ch)
	b.aChannelID = ch.ConnectChannel.ID

	b.bVisitor = s.StartWebChat(b.b)
	s.Say(b.bVisitor, "hello from B")
	b.bAgentID, _, _ = inviteWithToken(t, s, b.b, "AGENT")
	b.bEmployeeID, _, b.bEmpToken = inviteWithToken(t, s, b.b, "EMPLOYEE")
	s.MustDo(b.bEmpToken, `mutation { sendStaffMessage(text: "B staff") { conversation { id } } }`, nil, &staff)
	b.bStaffConv = staff.SendStaffMessage.Conversation.ID
	b.bLead = createLead(t, s, b.b, lead.Fields{Need: "B's need"}, lead.StatusQualified)
	// At the same start as A's call: slots are per organisation.
	bookMeeting(t, s, b.bLead, day.Add(10*time.Hour))
	// The bot answers the setup's messages in the background; the cases
	// compare A's state before and after, so let it finish first.
	s.WaitProcessed()
	return b
}

// inviteWithToken adds a user with role to org through inviteUser and mints their
// token directly: apptest.Invite logs in, and a bcrypt check per user
// costs seconds under -race.
func inviteWithToken(t *testing.T, s *apptest.Server, org *apptest.Org, role string) (id, email, token string) {
	t.Helper()
	email = strings.ToLower(role) + "-" + uuid.NewString()[:8] + "@example.test"
	var out struct{ InviteUser struct{ ID string } }
	s.MustDo(org.OwnerToken, `mutation($i: InviteUserInput!) { inviteUser(input: $i) { id } }`,
		map[string]any{"i": map[string]any{"email": email, "name": "User " + role, "role": role, "password": "password-123"}}, &out)
	return out.InviteUser.ID, email, mintUserToken(t, s, out.InviteUser.ID, org.ID, auth.Role(role), time.Hour)
}

// mintUserToken signs a user token the way the server does, with the test
// server's secret, issuer and audience.
func mintUserToken(t *testing.T, s *apptest.Server, userID, orgID string, role auth.Role, ttl time.Duration) string {
	t.Helper()
	tokens, err := auth.NewTokens(auth.TokenConfig{Secret: []byte(apptest.Secret), Issuer: s.Config.JWTIssuer, Audience: s.Config.JWTAudience, TTL: ttl})
	require.NoError(t, err)
	tok, _, err := tokens.IssueWithTTL(uuid.MustParse(userID), uuid.MustParse(orgID), role, ttl)
	require.NoError(t, err)
	return tok
}

// aIDs is every id of A's that B must never see.
func (b *isoBundle) aIDs() []string {
	ids := append([]string{b.a.ID, b.aVisitor.ConversationID, b.aOtherVisitor.ConversationID, b.aNoteID, b.aStaffConvID, b.a.PublicKey,
		b.aLead.ID.String(), b.aLead.ConversationID.String(), b.aMeetingID}, b.aMessageIDs...)
	return append(ids, b.aUserIDs...)
}

// requireNoneOf fails if any of A's ids (or A's message text) occurs
// anywhere in raw, a response's data.
func (b *isoBundle) requireNoneOf(t *testing.T, raw json.RawMessage) {
	t.Helper()
	s := string(raw)
	for _, id := range b.aIDs() {
		require.NotContains(t, s, id, "B's response contains one of A's ids")
	}
	require.NotContains(t, s, aText)
	for _, secret := range aSecrets {
		require.NotContains(t, s, secret)
	}
}

// aState is everything of A's that a cross-tenant mutation might change,
// read back with A's owner token. (Not the list of A's conversations: a
// visitor may legitimately open a new one on A's public widget.)
func (b *isoBundle) aState(t *testing.T) string {
	t.Helper()
	const conv = `id status owner handoffReason handedOffAt urgent unreadCount assignee { id } lastActivityAt
		messages(first: 100) { edges { node { id text private author deliveryStatus } } }`
	r := b.s.Do(b.a.OwnerToken, `query($c: ID!, $o: ID!, $s: ID!, $l: ID!) {
		organization { id name slug timeZone country currency teamLanguage handoffSlaSeconds }
		users(first: 100) { edges { node { id email name role active } } }
		channelAccounts { id kind name publicKey status externalId webhookUrl lastError updatedAt }
		c: conversation(id: $c) { `+conv+` }
		o: conversation(id: $o) { `+conv+` }
		s: conversation(id: $s) { `+conv+` }
		leadSettings { `+leadSettingsFields+` }
		lead(id: $l) { `+leadFields+` }
	}`, map[string]any{"c": b.aVisitor.ConversationID, "o": b.aOtherVisitor.ConversationID, "s": b.aStaffConvID, "l": b.aLead.ID.String()})
	require.Empty(t, r.Errors)
	return string(r.Data)
}

// requireOneCode fails unless r has exactly one error, with code.
func requireOneCode(t *testing.T, r *apptest.Response, code string) {
	t.Helper()
	require.Equal(t, []string{code}, r.Codes(), "errors: %+v", r.Errors)
}

// subscribeExpectError subscribes and returns the codes of the error the
// server answers with: an `error` message (refused before execution) or a
// `next` carrying errors (the resolver refused). Either way nothing
// streams.
func subscribeExpectError(ctx context.Context, t *testing.T, ws *apptest.WS, id, query string, vars map[string]any) []string {
	t.Helper()
	ws.Subscribe(ctx, id, query, vars)
	msg := ws.Read(ctx)
	require.Equal(t, id, msg["id"])
	var errs []any
	switch msg["type"] {
	case "error":
		errs, _ = msg["payload"].([]any)
	case "next":
		payload, _ := msg["payload"].(map[string]any)
		require.Nil(t, payload["data"], "a refused subscription streamed data: %v", msg)
		errs, _ = payload["errors"].([]any)
		// The operation is over: the server completes it.
		done := ws.Read(ctx)
		require.Equal(t, map[string]any{"id": id, "type": "complete"}, done)
	default:
		t.Fatalf("want error or next with errors, got %v", msg)
	}
	var codes []string
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		c, _ := ext["code"].(string)
		codes = append(codes, c)
	}
	return codes
}

// introspectRootFields lists every root field of the schema, by introspection
// through the real server, as "Query.x", "Mutation.y", "Subscription.z".
func introspectRootFields(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var out struct {
		Schema struct {
			QueryType, MutationType, SubscriptionType *struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	s.MustDo("", `{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }`, nil, &out)
	var names []string
	for prefix, typ := range map[string]*struct{ Fields []struct{ Name string } }{
		"Query": out.Schema.QueryType, "Mutation": out.Schema.MutationType, "Subscription": out.Schema.SubscriptionType,
	} {
		if typ == nil {
			continue
		}
		for _, f := range typ.Fields {
			names = append(names, prefix+"."+f.Name)
		}
	}
	sort.Strings(names)
	return names
}

// isolationCases holds one cross-tenant case per root field. A root field
// added to the schema without a case here fails TestTenantIsolation.
var isolationCases = map[string]func(t *testing.T, b *isoBundle){
	"Query.me": func(t *testing.T, b *isoBundle) {
		for _, tok := range []string{b.b.OwnerToken, b.bEmpToken} {
			r := b.s.Do(tok, `{ me { id email organization { id name } } }`, nil)
			require.Empty(t, r.Errors)
			b.requireNoneOf(t, r.Data)
			require.Contains(t, string(r.Data), b.b.ID)
		}
	},
	"Query.classify": func(t *testing.T, b *isoBundle) {
		// Classification reads only the caller's organisation's settings;
		// the answer names nothing of A's.
		r := b.s.Do(b.b.OwnerToken, `query($t: String!) { classify(text: $t) { language intent entities { city orderId } } }`, map[string]any{"t": aText})
		require.Empty(t, r.Errors)
		b.requireNoneOf(t, r.Data)
		require.Equal(t, []string{"FORBIDDEN"}, b.s.Do(b.bVisitor.Token, `{ classify(text: "hi") { intent } }`, nil).Codes())
	},
	"Query.metrics": func(t *testing.T, b *isoBundle) {
		// B's figures count none of A's conversations: B has exactly one
		// conversation with inbound messages.
		var out struct {
			Metrics struct{ Conversations, InboundMessages int }
		}
		b.s.MustDo(b.b.OwnerToken, `query($f: Time!, $t: Time!) { metrics(from: $f, to: $t) { conversations inboundMessages } }`,
			map[string]any{"f": time.Now().Add(-time.Hour).Format(time.RFC3339), "t": time.Now().Add(time.Hour).Format(time.RFC3339)}, &out)
		var bConvs int
		require.NoError(t, b.s.App.DB.SQL.QueryRow(`SELECT count(DISTINCT e.conversation_id) FROM events e JOIN conversations c ON c.id = e.conversation_id
			WHERE e.organization_id = $1 AND e.type = 'MESSAGE_RECEIVED' AND c.staff_user_id IS NULL`, b.b.ID).Scan(&bConvs))
		require.Equal(t, bConvs, out.Metrics.Conversations)
		r := b.s.Do(b.bVisitor.Token, `query($f: Time!, $t: Time!) { metrics(from: $f, to: $t) { conversations } }`,
			map[string]any{"f": time.Now().Add(-time.Hour).Format(time.RFC3339), "t": time.Now().Format(time.RFC3339)})
		require.Equal(t, []string{"FORBIDDEN"}, r.Codes())
	},
	"Query.organization": func(t *testing.T, b *isoBundle) {
		for _, tok := range []string{b.b.OwnerToken, b.bEmpToken, b.bVisitor.Token} {
			r := b.s.Do(tok, `{ organization { id name slug } }`, nil)
			require.Empty(t, r.Errors)
			b.requireNoneOf(t, r.Data)
			require.Contains(t, string(r.Data), b.b.ID)
		}
	},
	"Query.users": func(t *testing.T, b *isoBundle) {
		// Paging from one of A's ids must not walk into A's users either.
		for _, after := range []any{nil, b.aUserIDs[0]} {
			r := b.s.Do(b.b.OwnerToken, `query($a: String) { users(first: 100, after: $a) { edges { cursor node { id email organization { id } } } } }`,
				map[string]any{"a": after})
			require.Empty(t, r.Errors)
			b.requireNoneOf(t, r.Data)
		}
	},
	"Query.channelAccounts": func(t *testing.T, b *isoBundle) {
		r := b.s.Do(b.b.OwnerToken, `{ channelAccounts { id kind name publicKey } }`, nil)
		require.Empty(t, r.Errors)
		b.requireNoneOf(t, r.Data)
		require.Contains(t, string(r.Data), b.b.PublicKey)
	},
	"Query.channelTemplates": func(t *testing.T, b *isoBundle) {
		// A's account is not B's to read, whatever its kind.
		q := `query($c: ID!) { channelTemplates(channelId: $c) { id name } }`
		requireOneCode(t, b.s.Do(b.b.OwnerToken, q, map[string]any{"c": b.aChannelID}), "NOT_FOUND")
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, q, map[string]any{"c": b.aChannelID}), "FORBIDDEN")
		}
	},
	"Query.conversations": func(t *testing.T, b *isoBundle) {
		filters := []map[string]any{
			nil,
			{"channel": "STAFF"},
			{"channel": "WEBCHAT"},
			{"text": "Zurich"},
			{"assigneeId": b.aAgentID},
			{"unassigned": false},
		}
		for _, f := range filters {
			r := b.s.Do(b.b.OwnerToken, `query($f: ConversationFilter) { conversations(first: 30, filter: $f) {
				edges { cursor node { id contact { id name } staffUser { id } assignee { id } lastMessage { id text }
					messages(first: 10) { edges { node { id text } } } } } } }`, map[string]any{"f": f})
			require.Empty(t, r.Errors, "filter %v", f)
			b.requireNoneOf(t, r.Data)
		}
		// The unfiltered inbox does show B's own conversation: the
		// query works, it just never crosses organisations.
		r := b.s.Do(b.b.OwnerToken, `{ conversations(first: 100) { edges { node { id } } } }`, nil)
		require.Contains(t, string(r.Data), b.bVisitor.ConversationID)
	},
	"Query.conversation": func(t *testing.T, b *isoBundle) {
		for _, tok := range []string{b.b.OwnerToken, b.bEmpToken, b.bVisitor.Token} {
			for _, id := range []string{b.aVisitor.ConversationID, b.aStaffConvID} {
				r := b.s.Do(tok, `query($c: ID!) { conversation(id: $c) { id messages { edges { node { id } } } } }`, map[string]any{"c": id})
				require.Empty(t, r.Errors)
				require.JSONEq(t, `{"conversation": null}`, string(r.Data))
			}
		}
	},
	"Query.myStaffConversation": func(t *testing.T, b *isoBundle) {
		r := b.s.Do(b.bEmpToken, `{ myStaffConversation { id staffUser { id } messages { edges { node { id text } } } } }`, nil)
		require.Empty(t, r.Errors)
		b.requireNoneOf(t, r.Data)
		require.Contains(t, string(r.Data), b.bStaffConv)
		// B's owner has no staff conversation: null, not A's.
		r = b.s.Do(b.b.OwnerToken, `{ myStaffConversation { id } }`, nil)
		require.Empty(t, r.Errors)
		require.JSONEq(t, `{"myStaffConversation": null}`, string(r.Data))
	},
	"Query.leadSettings": func(t *testing.T, b *isoBundle) {
		// B reads B's settings (the defaults, or what B saved): never A's.
		r := b.s.Do(b.b.OwnerToken, `{ leadSettings { `+leadSettingsFields+` } }`, nil)
		require.Empty(t, r.Errors)
		b.requireNoneOf(t, r.Data)
		require.NotContains(t, string(r.Data), "zurich")
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, `{ leadSettings { qualifyWithinDays } }`, nil), "FORBIDDEN")
		}
	},
	"Query.leads": func(t *testing.T, b *isoBundle) {
		// Paging from A's lead's cursor must not walk into A's leads either.
		var aPage leadsJSON
		b.s.MustDo(b.a.OwnerToken, `{ leads(first: 1) { edges { cursor node { id } } } }`, nil, &aPage)
		require.Equal(t, []string{b.aLead.ID.String()}, aPage.ids())
		q := `query($a: String, $f: LeadFilter) { leads(first: 100, after: $a, filter: $f) {
			edges { cursor node { ` + leadFields + ` } } pageInfo { hasNextPage endCursor } } }`
		for _, after := range []any{nil, aPage.Leads.Edges[0].Cursor} {
			for _, f := range []any{nil, map[string]any{"status": "QUALIFIED"}} {
				r := b.s.Do(b.b.OwnerToken, q, map[string]any{"a": after, "f": f})
				require.Empty(t, r.Errors)
				b.requireNoneOf(t, r.Data)
			}
		}
		// B's own lead is listed, with its call: the query works, it just
		// never crosses organisations.
		var own leadsJSON
		b.s.MustDo(b.b.OwnerToken, q, nil, &own)
		require.Equal(t, []string{b.bLead.ID.String()}, own.ids())
		require.NotNil(t, own.Leads.Edges[0].Node.Meeting)
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, `{ leads { edges { node { id } } } }`, nil), "FORBIDDEN")
		}
	},
	"Query.lead": func(t *testing.T, b *isoBundle) {
		q := `query($id: ID!) { lead(id: $id) { ` + leadFields + ` } }`
		r := b.s.Do(b.b.OwnerToken, q, map[string]any{"id": b.aLead.ID.String()})
		requireOneCode(t, r, "NOT_FOUND")
		require.JSONEq(t, `{"lead": null}`, string(r.Data))
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, q, map[string]any{"id": b.aLead.ID.String()}), "FORBIDDEN")
		}
		r = b.s.Do(b.b.OwnerToken, q, map[string]any{"id": b.bLead.ID.String()})
		require.Empty(t, r.Errors)
		b.requireNoneOf(t, r.Data)
		require.Contains(t, string(r.Data), b.bLead.ID.String())
	},

	"Mutation.signUp": func(t *testing.T, b *isoBundle) {
		// An existing user's e-mail cannot sign up again (and so cannot
		// join or take over A).
		r := b.s.Do("", `mutation($i: SignUpInput!) { signUp(input: $i) { token organization { id } } }`,
			map[string]any{"i": map[string]any{"organizationName": "Org A", "name": "Mallory", "email": b.aAgentEmail, "password": "password-123"}})
		requireOneCode(t, r, "CONFLICT")
		// The same organisation name makes a new, separate organisation.
		var out struct {
			SignUp struct {
				Token        string
				Organization struct{ ID string }
			}
		}
		b.s.MustDo(b.b.OwnerToken, `mutation($i: SignUpInput!) { signUp(input: $i) { token organization { id } } }`,
			map[string]any{"i": map[string]any{"organizationName": "Org A", "name": "Mallory", "email": "mallory@evil.test", "password": "password-123"}}, &out)
		require.NotEqual(t, b.a.ID, out.SignUp.Organization.ID)
		require.NotEqual(t, b.b.ID, out.SignUp.Organization.ID)
		r = b.s.Do(out.SignUp.Token, `{ users { edges { node { id } } } conversations { edges { node { id } } } channelAccounts { publicKey } }`, nil)
		require.Empty(t, r.Errors)
		b.requireNoneOf(t, r.Data)
	},
	"Mutation.login": func(t *testing.T, b *isoBundle) {
		// Logging in as A's agent, even while sending B's token, gives A's
		// organisation only, and B's token stays B's.
		var out struct {
			Login struct {
				Token        string
				User         struct{ ID string }
				Organization struct{ ID string }
			}
		}
		b.s.MustDo(b.b.OwnerToken, `mutation($e: String!) { login(email: $e, password: "password-123") { token user { id } organization { id } } }`,
			map[string]any{"e": b.aAgentEmail}, &out)
		require.Equal(t, b.aAgentID, out.Login.User.ID)
		require.Equal(t, b.a.ID, out.Login.Organization.ID)
		var me struct {
			Me struct{ Organization struct{ ID string } }
		}
		b.s.MustDo(out.Login.Token, `{ me { organization { id } } }`, nil, &me)
		require.Equal(t, b.a.ID, me.Me.Organization.ID)
		// A wrong password for A's user signs nobody in.
		r := b.s.Do(b.b.OwnerToken, `mutation($e: String!) { login(email: $e, password: "wrong-password") { token } }`, map[string]any{"e": b.aAgentEmail})
		requireOneCode(t, r, "UNAUTHENTICATED")
	},
	"Mutation.connectChannel": func(t *testing.T, b *isoBundle) {
		// A's bot cannot be connected to B as well; B's own channel lands in B.
		r := b.s.Do(b.b.OwnerToken, `mutation($t: String!) { connectChannel(input: {kind: TELEGRAM, name: "Taken", telegram: {botToken: $t}}) { id } }`,
			map[string]any{"t": aBotToken})
		requireOneCode(t, r, "CONFLICT")
		var out struct{ ConnectChannel struct{ ID string } }
		b.s.MustDo(b.b.OwnerToken, `mutation { connectChannel(input: {kind: TELEGRAM, name: "B's bot", telegram: {botToken: "5839574812:BBFakeTokenForIsolationTests_abcdefghij"}}) { id } }`, nil, &out)
		var list struct{ ChannelAccounts []struct{ ID string } }
		b.s.MustDo(b.b.OwnerToken, `{ channelAccounts { id } }`, nil, &list)
		require.Contains(t, fmt.Sprint(list.ChannelAccounts), out.ConnectChannel.ID)
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, `mutation { connectChannel(input: {kind: WEBCHAT, name: "x"}) { id } }`, nil), "FORBIDDEN")
		}
	},
	"Mutation.updateChannel": func(t *testing.T, b *isoBundle) {
		r := b.s.Do(b.b.OwnerToken, `mutation($id: ID!) { updateChannel(id: $id, input: {kind: TELEGRAM, name: "Mine now", telegram: {botToken: "5839574813:BBFakeTokenForIsolationTests_abcdefghij"}}) { id } }`,
			map[string]any{"id": b.aChannelID})
		requireOneCode(t, r, "NOT_FOUND")
	},
	"Mutation.disconnectChannel": func(t *testing.T, b *isoBundle) {
		requireOneCode(t, b.s.Do(b.b.OwnerToken, `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`, map[string]any{"id": b.aChannelID}), "NOT_FOUND")
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`, map[string]any{"id": b.aChannelID}), "FORBIDDEN")
		}
	},
	"Mutation.setChannelTemplate": func(t *testing.T, b *isoBundle) {
		q := `mutation($c: ID!) { setChannelTemplate(channelId: $c, template: {name: "taken_over", language: "en"}) { id } }`
		requireOneCode(t, b.s.Do(b.b.OwnerToken, q, map[string]any{"c": b.aChannelID}), "NOT_FOUND")
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, q, map[string]any{"c": b.aChannelID}), "FORBIDDEN")
		}
	},
	"Mutation.inviteUser": func(t *testing.T, b *isoBundle) {
		// Inviting A's agent's address into B does not move the user.
		r := b.s.Do(b.b.OwnerToken, `mutation($i: InviteUserInput!) { inviteUser(input: $i) { id } }`,
			map[string]any{"i": map[string]any{"email": b.aAgentEmail, "name": "Stolen", "role": "OWNER", "password": "password-123"}})
		requireOneCode(t, r, "CONFLICT")
	},
	"Mutation.updateUserRole": func(t *testing.T, b *isoBundle) {
		for _, id := range []string{b.aAgentID, b.a.OwnerID} {
			r := b.s.Do(b.b.OwnerToken, `mutation($u: ID!) { updateUserRole(userId: $u, role: AGENT) { id } }`, map[string]any{"u": id})
			requireOneCode(t, r, "NOT_FOUND")
		}
	},
	"Mutation.deactivateUser": func(t *testing.T, b *isoBundle) {
		for _, id := range []string{b.aAgentID, b.a.OwnerID} {
			r := b.s.Do(b.b.OwnerToken, `mutation($u: ID!) { deactivateUser(userId: $u) { id } }`, map[string]any{"u": id})
			requireOneCode(t, r, "NOT_FOUND")
		}
		// A's agent can still work.
		b.s.MustDo(b.aAgentToken, `{ me { id } }`, nil, nil)
	},
	"Mutation.startWebChat": func(t *testing.T, b *isoBundle) {
		// Anyone may open a chat on A's public widget, even with B's
		// token: the conversation belongs to A, and B cannot see it.
		var out struct {
			StartWebChat struct {
				Token        string
				Conversation struct{ ID string }
			}
		}
		b.s.MustDo(b.b.OwnerToken, `mutation($k: String!) { startWebChat(publicKey: $k) { token conversation { id } } }`,
			map[string]any{"k": b.a.PublicKey}, &out)
		conv := out.StartWebChat.Conversation.ID
		var org string
		require.NoError(t, b.s.App.DB.SQL.QueryRow(`SELECT organization_id FROM conversations WHERE id = $1`, conv).Scan(&org))
		require.Equal(t, b.a.ID, org)
		r := b.s.Do(b.b.OwnerToken, `query($c: ID!) { conversation(id: $c) { id } }`, map[string]any{"c": conv})
		require.JSONEq(t, `{"conversation": null}`, string(r.Data))
		r = b.s.Do(b.b.OwnerToken, `{ conversations(first: 100) { edges { node { id } } } }`, nil)
		require.NotContains(t, string(r.Data), conv)
		// Its visitor sees A's organisation but none of A's other data.
		r = b.s.Do(out.StartWebChat.Token, `query($c: ID!) { organization { id } conversation(id: $c) { id } }`, map[string]any{"c": b.aVisitor.ConversationID})
		require.Empty(t, r.Errors)
		require.JSONEq(t, `{"organization": {"id": "`+b.a.ID+`"}, "conversation": null}`, string(r.Data))
		// An unknown key opens nothing.
		r = b.s.Do(b.b.OwnerToken, `mutation { startWebChat(publicKey: "wc_nope") { token } }`, nil)
		requireOneCode(t, r, "NOT_FOUND")
	},
	"Mutation.sendVisitorMessage": func(t *testing.T, b *isoBundle) {
		q := `mutation($c: ID!) { sendVisitorMessage(conversationId: $c, text: "injected") { id } }`
		requireOneCode(t, b.s.Do(b.bVisitor.Token, q, map[string]any{"c": b.aVisitor.ConversationID}), "NOT_FOUND")
		requireOneCode(t, b.s.Do(b.bVisitor.Token, q, map[string]any{"c": b.aStaffConvID}), "NOT_FOUND")
		// Team members are not visitors at all.
		requireOneCode(t, b.s.Do(b.b.OwnerToken, q, map[string]any{"c": b.aVisitor.ConversationID}), "FORBIDDEN")
	},
	"Mutation.sendStaffMessage": func(t *testing.T, b *isoBundle) {
		// There is no conversation argument: it always lands in the
		// caller's own staff conversation, in the caller's organisation.
		var out struct {
			SendStaffMessage struct {
				ID           string
				Conversation struct{ ID string }
			}
		}
		b.s.MustDo(b.bEmpToken, `mutation { sendStaffMessage(text: "from B") { id conversation { id } } }`, nil, &out)
		require.Equal(t, b.bStaffConv, out.SendStaffMessage.Conversation.ID)
		var org string
		require.NoError(t, b.s.App.DB.SQL.QueryRow(`SELECT organization_id FROM messages WHERE id = $1`, out.SendStaffMessage.ID).Scan(&org))
		require.Equal(t, b.b.ID, org)
		// A visitor has no staff conversation.
		requireOneCode(t, b.s.Do(b.bVisitor.Token, `mutation { sendStaffMessage(text: "x") { id } }`, nil), "FORBIDDEN")
	},
	"Mutation.sendAgentMessage": conversationMutationCase(`mutation($c: ID!) { sendAgentMessage(conversationId: $c, text: "injected") { id } }`),
	"Mutation.addNote":          conversationMutationCase(`mutation($c: ID!) { addNote(conversationId: $c, text: "injected") { id } }`),
	"Mutation.assignConversation": func(t *testing.T, b *isoBundle) {
		conversationMutationCase(`mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id } }`)(t, b)
		// B cannot assign its own conversation to A's agent either.
		r := b.s.Do(b.b.OwnerToken, `mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id assignee { id } } }`,
			map[string]any{"c": b.bVisitor.ConversationID, "u": b.aAgentID})
		requireOneCode(t, r, "NOT_FOUND")
		var assignee *string
		require.NoError(t, b.s.App.DB.SQL.QueryRow(`SELECT assignee_id::text FROM conversations WHERE id = $1`, b.bVisitor.ConversationID).Scan(&assignee))
		require.Nil(t, assignee)
	},
	"Mutation.handOffConversation":  conversationMutationCase(`mutation($c: ID!) { handOffConversation(conversationId: $c, reason: "x") { id } }`),
	"Mutation.returnToBot":          conversationMutationCase(`mutation($c: ID!) { returnToBot(conversationId: $c) { id } }`),
	"Mutation.closeConversation":    conversationMutationCase(`mutation($c: ID!) { closeConversation(conversationId: $c) { id } }`),
	"Mutation.markConversationRead": conversationMutationCase(`mutation($c: ID!) { markConversationRead(conversationId: $c) { id } }`),
	"Mutation.updateOrganizationSettings": func(t *testing.T, b *isoBundle) {
		// It has no organisation argument: B changes B, never A.
		var out struct{ UpdateOrganizationSettings struct{ ID string } }
		b.s.MustDo(b.b.OwnerToken, `mutation { updateOrganizationSettings(input: {timeZone: "Asia/Tokyo", handoffSlaSeconds: 42}) { id } }`, nil, &out)
		require.Equal(t, b.b.ID, out.UpdateOrganizationSettings.ID)
	},
	"Mutation.updateLeadSettings": func(t *testing.T, b *isoBundle) {
		// It has no organisation argument: B changes B, never A.
		var out struct{ UpdateLeadSettings leadSettingsJSON }
		b.s.MustDo(b.b.OwnerToken, `mutation { updateLeadSettings(input: {priceList: [{name: "B's item", priceFrom: 2}], qualifyWithinDays: 3}) { `+leadSettingsFields+` } }`, nil, &out)
		require.Equal(t, 3, out.UpdateLeadSettings.QualifyWithinDays)
		var own struct{ LeadSettings leadSettingsJSON }
		b.s.MustDo(b.b.OwnerToken, `{ leadSettings { `+leadSettingsFields+` } }`, nil, &own)
		require.Equal(t, out.UpdateLeadSettings, own.LeadSettings)
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, `mutation { updateLeadSettings(input: {qualifyWithinDays: 1}) { qualifyWithinDays } }`, nil), "FORBIDDEN")
		}
	},
	"Mutation.updateLead": func(t *testing.T, b *isoBundle) {
		q := `mutation($id: ID!) { updateLead(id: $id, input: {status: LOST, need: "taken over", city: "", budget: {amount: 1, currency: "EUR"}, startDate: "2000-01-01"}) { id } }`
		requireOneCode(t, b.s.Do(b.b.OwnerToken, q, map[string]any{"id": b.aLead.ID.String()}), "NOT_FOUND")
		for _, tok := range []string{b.bEmpToken, b.bVisitor.Token} {
			requireOneCode(t, b.s.Do(tok, q, map[string]any{"id": b.aLead.ID.String()}), "FORBIDDEN")
		}
	},

	"Subscription.conversationEvents": func(t *testing.T, b *isoBundle) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		q := `subscription($c: ID!, $a: String) { conversationEvents(conversationId: $c, after: $a) { id type message { id text } } }`
		for _, tok := range []string{b.b.OwnerToken, b.bEmpToken, b.bVisitor.Token} {
			ws := b.s.Dial(ctx, map[string]any{"Authorization": "Bearer " + tok})
			for i, conv := range []string{b.aVisitor.ConversationID, b.aStaffConvID} {
				for j, after := range []any{nil, fromStart} {
					id := string(rune('a'+i)) + string(rune('0'+j))
					codes := subscribeExpectError(ctx, t, ws, id, q, map[string]any{"c": conv, "a": after})
					require.Equal(t, []string{"NOT_FOUND"}, codes)
				}
			}
			_ = ws.Conn.CloseNow()
		}
	},
	"Subscription.inboxEvents": func(t *testing.T, b *isoBundle) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		ws := b.s.Dial(ctx, map[string]any{"Authorization": "Bearer " + b.b.OwnerToken})
		// From the start of the log: the replay covers A's history too,
		// and everything written below arrives whether or not the live
		// registration had finished.
		ws.Subscribe(ctx, "inbox", `subscription($a: String) { inboxEvents(after: $a) { id type conversation { id } message { id } } }`,
			map[string]any{"a": fromStart})
		// A's events commit before B's, so in the log's order A's come
		// first: receiving B's marker without A's proves A's were filtered.
		// (A fresh conversation of A's, so that A's baseline stays as it was.)
		aMsg := b.s.Say(b.s.StartWebChat(b.a), "A writes while B listens")
		bMsg := b.s.Say(b.bVisitor, "B's marker")
		var seen []string
		for {
			_, data := ws.Next(ctx)
			ev := data["inboxEvents"].(map[string]any)
			seen = append(seen, fmt.Sprint(ev["id"]))
			var org string
			require.NoError(t, b.s.App.DB.SQL.QueryRowContext(ctx, `SELECT organization_id FROM events WHERE id = $1`, ev["id"]).Scan(&org))
			require.Equal(t, b.b.ID, org, "B's inbox received an event of another organisation: %v", ev)
			raw, _ := json.Marshal(ev)
			require.NotContains(t, string(raw), aMsg)
			b.requireNoneOf(t, raw)
			if m, _ := ev["message"].(map[string]any); m != nil && m["id"] == bMsg {
				break
			}
		}
		require.NotEmpty(t, seen)
	},
}

// conversationMutationCase runs a conversation mutation as each of B's
// principals against A's customer and staff conversations: NOT_FOUND for
// the team, FORBIDDEN for roles that may not call it at all.
func conversationMutationCase(query string) func(t *testing.T, b *isoBundle) {
	return func(t *testing.T, b *isoBundle) {
		for _, conv := range []string{b.aVisitor.ConversationID, b.aStaffConvID, b.aOtherVisitor.ConversationID} {
			vars := map[string]any{"c": conv, "u": b.bAgentID}
			requireOneCode(t, b.s.Do(b.b.OwnerToken, query, vars), "NOT_FOUND")
			requireOneCode(t, b.s.Do(b.bEmpToken, query, vars), "FORBIDDEN")
			requireOneCode(t, b.s.Do(b.bVisitor.Token, query, vars), "FORBIDDEN")
		}
	}
}

// Every root field has a cross-tenant case, and in every case organisation
// B cannot read, change or subscribe to organisation A's data.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setupIsolation(t)

	fields := introspectRootFields(t, b.s)
	require.NotEmpty(t, fields)
	for _, f := range fields {
		if _, ok := isolationCases[f]; !ok {
			t.Errorf("root field %s has no tenant isolation case: add one to isolationCases", f)
		}
	}
	for name := range isolationCases {
		if !slices.Contains(fields, name) {
			t.Errorf("isolation case %s names a root field that no longer exists", name)
		}
	}
	if t.Failed() {
		return
	}

	before := b.aState(t)
	// Not parallel subtests: each case checks afterwards that A is
	// exactly as it was, which needs the cases not to overlap.
	for _, name := range fields {
		t.Run(name, func(t *testing.T) {
			isolationCases[name](t, b)
			require.Equal(t, before, b.aState(t), "%s changed organisation A's data", name)
		})
	}
}

// A web chat visitor's token reaches one conversation: not the other
// conversations of its own organisation, and never the private notes of
// its own.
func TestVisitorScope(t *testing.T) {
	t.Parallel()
	b := setupIsolation(t)
	s, v := b.s, b.aVisitor
	other := b.aOtherVisitor.ConversationID

	r := s.Do(v.Token, `query($c: ID!) { conversation(id: $c) { id } }`, map[string]any{"c": other})
	require.Empty(t, r.Errors)
	require.JSONEq(t, `{"conversation": null}`, string(r.Data))
	requireOneCode(t, s.Do(v.Token, `mutation($c: ID!) { sendVisitorMessage(conversationId: $c, text: "hi") { id } }`, map[string]any{"c": other}), "NOT_FOUND")
	requireOneCode(t, s.Do(v.Token, `{ conversations { edges { node { id } } } }`, nil), "FORBIDDEN")
	requireOneCode(t, s.Do(v.Token, `{ users { edges { node { id } } } }`, nil), "FORBIDDEN")
	requireOneCode(t, s.Do(v.Token, `{ me { id } }`, nil), "FORBIDDEN")

	// Its own conversation's messages and last message leave the note out.
	var own struct {
		Conversation struct {
			LastMessage struct{ ID string }
			Messages    struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	s.MustDo(v.Token, `query($c: ID!) { conversation(id: $c) { lastMessage { id } messages(first: 100) { edges { node { id } } } } }`,
		map[string]any{"c": v.ConversationID}, &own)
	var got []string
	for _, e := range own.Conversation.Messages.Edges {
		got = append(got, e.Node.ID)
	}
	require.Subset(t, got, b.aMessageIDs) // plus the bot's replies
	require.NotContains(t, got, b.aNoteID)
	require.NotEqual(t, b.aNoteID, own.Conversation.LastMessage.ID)
	// The team does see the note (so the check above is not vacuous).
	r = s.Do(b.a.OwnerToken, `query($c: ID!) { conversation(id: $c) { messages(first: 100) { edges { node { id } } } } }`, map[string]any{"c": v.ConversationID})
	require.Contains(t, string(r.Data), b.aNoteID)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + v.Token})
	codes := subscribeExpectError(ctx, t, ws, "other", `subscription($c: ID!) { conversationEvents(conversationId: $c) { id } }`, map[string]any{"c": other})
	require.Equal(t, []string{"NOT_FOUND"}, codes)

	// Its own events, from the start of the log: the note written in
	// setup (replayed from the database) and the one written now (live or
	// replayed) never arrive; the agent's reply after them does.
	team := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + b.a.OwnerToken})
	sub := `subscription($c: ID!, $a: String) { conversationEvents(conversationId: $c, after: $a) { id type message { id private } } }`
	vars := map[string]any{"c": v.ConversationID, "a": fromStart}
	ws.Subscribe(ctx, "own", sub, vars)
	team.Subscribe(ctx, "team", sub, vars)
	var note struct{ AddNote struct{ ID string } }
	s.MustDo(b.a.OwnerToken, `mutation($c: ID!) { addNote(conversationId: $c, text: "second private note") { id } }`, map[string]any{"c": v.ConversationID}, &note)
	var reply struct{ SendAgentMessage struct{ ID string } }
	s.MustDo(b.a.OwnerToken, `mutation($c: ID!) { sendAgentMessage(conversationId: $c, text: "How can I help?") { id } }`, map[string]any{"c": v.ConversationID}, &reply)

	readUntilReply := func(w *apptest.WS) (types []string, messages []string) {
		for {
			_, data := w.Next(ctx)
			ev := data["conversationEvents"].(map[string]any)
			types = append(types, ev["type"].(string))
			if m, _ := ev["message"].(map[string]any); m != nil {
				messages = append(messages, m["id"].(string))
				if m["id"] == reply.SendAgentMessage.ID {
					return types, messages
				}
			}
		}
	}
	types, msgs := readUntilReply(ws)
	require.NotContains(t, types, "NOTE_ADDED")
	require.NotContains(t, types, "CONVERSATION_ASSIGNED")
	require.NotContains(t, msgs, b.aNoteID)
	require.NotContains(t, msgs, note.AddNote.ID)
	require.Contains(t, types, "MESSAGE_RECEIVED")

	types, msgs = readUntilReply(team)
	require.Contains(t, types, "NOTE_ADDED")
	require.Contains(t, msgs, b.aNoteID)
	require.Contains(t, msgs, note.AddNote.ID)
}
