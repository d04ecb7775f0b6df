package app_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
)

// A visitor's message reaches an agent's inbox subscription, and the
// conversation appears in the inbox with its contact and last message.
func TestVisitorMessageReachesInbox(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Acme")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ws := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + org.OwnerToken})
	ws.Subscribe(ctx, "inbox", `subscription { inboxEvents { id cursor type conversation { id } message { id text direction } } }`, nil)
	require.NoError(t, s.App.Hub.WaitSubscribers(ctx, uuid.MustParse(org.ID), 1), "the subscription sees every write after this")

	v := s.StartWebChat(org)
	msgID := s.Say(v, "Сколько стоит таргет?")

	var got []map[string]any
	for len(got) < 2 {
		_, data := ws.Next(ctx)
		got = append(got, data["inboxEvents"].(map[string]any))
	}
	require.Equal(t, "CONVERSATION_OPENED", got[0]["type"])
	require.Equal(t, "MESSAGE_RECEIVED", got[1]["type"])
	msg := got[1]["message"].(map[string]any)
	require.Equal(t, msgID, msg["id"])
	require.Equal(t, "IN", msg["direction"])
	require.Equal(t, "Сколько стоит таргет?", msg["text"])

	var inbox struct {
		Conversations struct {
			Edges []struct {
				Node struct {
					ID          string
					UnreadCount int
					Contact     struct{ Name string }
					LastMessage struct{ Text string }
				}
			}
		}
	}
	s.MustDo(org.OwnerToken, `{ conversations(first: 10) { edges { node { id unreadCount contact { name } lastMessage { text } } } } }`, nil, &inbox)
	require.Len(t, inbox.Conversations.Edges, 1)
	n := inbox.Conversations.Edges[0].Node
	require.Equal(t, v.ConversationID, n.ID)
	require.Equal(t, 1, n.UnreadCount)
	require.Equal(t, "Visitor", n.Contact.Name)
	require.NotEmpty(t, n.LastMessage.Text)
}

// The hand-off SLA escalates when no human replies in time (bot replies do
// not count) and stays silent when one does.
func TestHandoffSLA(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Sla")
	s.MustDo(org.OwnerToken, `mutation { updateOrganizationSettings(input: {handoffSlaSeconds: 1}) { handoffSlaSeconds } }`, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ws := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + org.OwnerToken})
	ws.Subscribe(ctx, "inbox", `subscription { inboxEvents { type conversation { id urgent } } }`, nil)
	require.NoError(t, s.App.Hub.WaitSubscribers(ctx, uuid.MustParse(org.ID), 1))

	unanswered := s.StartWebChat(org)
	s.Say(unanswered, "hello")
	answered := s.StartWebChat(org)
	s.Say(answered, "hello")
	s.WaitProcessed() // the bot greets both: bot replies do not count as human ones

	handOff := `mutation($c: ID!) { handOffConversation(conversationId: $c, reason: "refund") { owner handoffReason } }`
	s.MustDo(org.OwnerToken, handOff, map[string]any{"c": unanswered.ConversationID}, nil)
	s.MustDo(org.OwnerToken, handOff, map[string]any{"c": answered.ConversationID}, nil)
	var botReplies int
	require.NoError(t, s.App.DB.SQL.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`, unanswered.ConversationID).Scan(&botReplies))
	require.Equal(t, 1, botReplies)
	s.MustDo(org.OwnerToken, `mutation($c: ID!) { sendAgentMessage(conversationId: $c, text: "Hi, I am here") { id } }`, map[string]any{"c": answered.ConversationID}, nil)

	var escalated []string
	for {
		_, data := ws.Next(ctx)
		ev := data["inboxEvents"].(map[string]any)
		if ev["type"] == "ESCALATED" {
			conv := ev["conversation"].(map[string]any)
			require.Equal(t, true, conv["urgent"])
			escalated = append(escalated, conv["id"].(string))
			break
		}
	}
	require.Equal(t, []string{unanswered.ConversationID}, escalated)

	// Wait until both SLA jobs have run, then check the answered one stayed calm.
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, s.App.DB.SQL.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'handoff_sla' AND state = 'completed'`).Scan(&n))
		return n == 2
	}, 15*time.Second, 20*time.Millisecond)
	var urgent bool
	require.NoError(t, s.App.DB.SQL.QueryRowContext(ctx, `SELECT urgent FROM conversations WHERE id = $1`, answered.ConversationID).Scan(&urgent))
	require.False(t, urgent)
	var escalations int
	require.NoError(t, s.App.DB.SQL.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE type = 'ESCALATED'`).Scan(&escalations))
	require.Equal(t, 1, escalations)
}

// A deactivated user's tokens stop working at once over HTTP, and an open
// WebSocket of theirs is closed with 4403 at the next revalidation.
func TestDeactivatedUserIsCutOff(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, func(c *config.Config) { c.WSRevalidateInterval = 100 * time.Millisecond })
	org := s.SignUp("Cutoff")
	agentID, agentToken := s.Invite(org, "AGENT")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ws := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + agentToken})
	ws.Subscribe(ctx, "1", `subscription { inboxEvents { id } }`, nil)
	s.MustDo(agentToken, `{ me { id } }`, nil, nil)

	s.MustDo(org.OwnerToken, `mutation($u: ID!) { deactivateUser(userId: $u) { active } }`, map[string]any{"u": agentID}, nil)
	r := s.Do(agentToken, `{ me { id } }`, nil)
	require.Equal(t, []string{"UNAUTHENTICATED"}, r.Codes())
	require.Equal(t, websocket.StatusCode(4403), ws.CloseStatus(ctx))

	// The last owner cannot be removed.
	r = s.Do(org.OwnerToken, `mutation($u: ID!) { deactivateUser(userId: $u) { active } }`, map[string]any{"u": org.OwnerID})
	require.Equal(t, []string{"CONFLICT"}, r.Codes())
}

// Paging the inbox walks every conversation once, newest activity first,
// and filters narrow it.
func TestInboxPagingAndFilters(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Paging")
	var ids []string
	var visitors []*apptest.Visitor
	for i := range 7 {
		v := s.StartWebChat(org)
		s.Say(v, "hello number "+string(rune('a'+i)))
		ids = append(ids, v.ConversationID)
		visitors = append(visitors, v)
	}
	s.WaitProcessed()
	s.MustDo(org.OwnerToken, `mutation($c: ID!) { closeConversation(conversationId: $c) { status } }`, map[string]any{"c": ids[0]}, nil)
	s.MustDo(org.OwnerToken, `mutation($c: ID!) { handOffConversation(conversationId: $c) { owner } }`, map[string]any{"c": ids[1]}, nil)

	type page struct {
		Conversations struct {
			Edges []struct {
				Node struct{ ID string }
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	var seen []string
	var after any
	for {
		var p page
		s.MustDo(org.OwnerToken, `query($a: String) { conversations(first: 3, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"a": after}, &p)
		for _, e := range p.Conversations.Edges {
			seen = append(seen, e.Node.ID)
		}
		if !p.Conversations.PageInfo.HasNextPage {
			break
		}
		after = *p.Conversations.PageInfo.EndCursor
	}
	// Newest activity first (the bot's replies move activity too).
	rows, err := s.App.DB.SQL.Query(`SELECT id FROM conversations ORDER BY last_activity_at DESC, id DESC`)
	require.NoError(t, err)
	var want []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		want = append(want, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, want, 7)
	require.Equal(t, want, seen)

	count := func(filter string) int {
		var p page
		s.MustDo(org.OwnerToken, `{ conversations(first: 50, filter: `+filter+`) { edges { node { id } } pageInfo { hasNextPage } } }`, nil, &p)
		return len(p.Conversations.Edges)
	}
	require.Equal(t, 1, count(`{status: CLOSED}`))
	require.Equal(t, 6, count(`{status: OPEN}`))
	require.Equal(t, 1, count(`{owner: HUMAN}`))
	require.Equal(t, 1, count(`{text: "number c"}`))
	require.Equal(t, 7, count(`{channel: WEBCHAT}`))
	require.Equal(t, 0, count(`{urgent: true}`))

	// Reading clears the unread count; a closed conversation reopens on the
	// next inbound message.
	var read struct{ MarkConversationRead struct{ UnreadCount int } }
	s.MustDo(org.OwnerToken, `mutation($c: ID!) { markConversationRead(conversationId: $c) { unreadCount } }`, map[string]any{"c": ids[0]}, &read)
	require.Zero(t, read.MarkConversationRead.UnreadCount)
	s.Say(visitors[0], "are you there?")
	require.Equal(t, 0, count(`{status: CLOSED}`))
	s.WaitProcessed()
	var conv struct {
		Conversation struct {
			Status      string
			UnreadCount int
			Messages    struct {
				Edges []struct{ Node struct{ Text string } }
			}
		}
	}
	s.MustDo(org.OwnerToken, `query($c: ID!) { conversation(id: $c) { status unreadCount messages(first: 1) { edges { node { text } } } } }`, map[string]any{"c": ids[0]}, &conv)
	require.Equal(t, "OPEN", conv.Conversation.Status)
	require.Equal(t, 1, conv.Conversation.UnreadCount)
	require.NotEmpty(t, conv.Conversation.Messages.Edges)
}

// A subscriber that disconnects and comes back with its last cursor gets
// every event it missed once, in log order, then live ones — even when
// concurrent writers commit out of order and the hub's LISTEN connection
// is killed meanwhile.
func TestSubscriptionResumesFromCursor(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Resume")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const sub = `subscription($a: String) { inboxEvents(after: $a) { id cursor type message { text } } }`

	v := s.StartWebChat(org)
	// A human owns the conversation, so the bot stays out of this test.
	s.MustDo(org.OwnerToken, `mutation($c: ID!) { handOffConversation(conversationId: $c) { id } }`, map[string]any{"c": v.ConversationID}, nil)
	ws := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + org.OwnerToken})
	ws.Subscribe(ctx, "1", sub, map[string]any{"a": "ZXY6MDow"}) // from the start of the log
	s.Say(v, "before")
	s.WaitProcessed()
	var last string
	for {
		_, data := ws.Next(ctx)
		ev := data["inboxEvents"].(map[string]any)
		last = ev["cursor"].(string)
		if ev["type"] == "MESSAGE_CLASSIFIED" {
			break // the last event "before" causes
		}
	}
	require.NoError(t, ws.Conn.CloseNow())

	// While it is away: a transaction opens and writes first (lower txid)
	// but commits last; others commit in between.
	slow, err := s.App.DB.SQL.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = slow.ExecContext(ctx, `INSERT INTO events (organization_id, type, payload) VALUES ($1, 'CONVERSATION_READ', '{"slow":true}')`, org.ID)
	require.NoError(t, err)
	for _, text := range []string{"away 1", "away 2", "away 3"} {
		s.Say(v, text)
	}
	_, err = s.App.DB.SQL.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()`)
	require.NoError(t, err)
	require.NoError(t, slow.Commit())
	s.App.Hub.Notify()

	ws = s.Dial(ctx, map[string]any{"Authorization": "Bearer " + org.OwnerToken})
	ws.Subscribe(ctx, "2", sub, map[string]any{"a": last})
	var got []string
	var cursors []string
	for len(got) < 4 {
		_, data := ws.Next(ctx)
		ev := data["inboxEvents"].(map[string]any)
		if ev["type"] == "MESSAGE_CLASSIFIED" {
			continue // the pipeline's own record of each message
		}
		label := ev["type"].(string)
		if m, ok := ev["message"].(map[string]any); ok {
			label = m["text"].(string)
		}
		got = append(got, label)
		cursors = append(cursors, ev["cursor"].(string))
	}
	// The slow transaction wrote first, so it sorts first; nothing is lost
	// or repeated.
	require.Equal(t, []string{"CONVERSATION_READ", "away 1", "away 2", "away 3"}, got)
	s.Say(v, "live again")
	for {
		_, data := ws.Next(ctx)
		ev := data["inboxEvents"].(map[string]any)
		if ev["type"] == "MESSAGE_CLASSIFIED" {
			continue
		}
		require.Equal(t, "MESSAGE_RECEIVED", ev["type"])
		require.Equal(t, "live again", ev["message"].(map[string]any)["text"])
		break
	}
}

// signUp, login and startWebChat answer their own selection as the identity
// they establish; visitors never see who is on the team; event ids are
// strings, as the spec wants IDs.
func TestSignInResponsesAndVisitorPrivacy(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	a := s.SignUp("Privacy A")
	b := s.SignUp("Privacy B")

	var login struct {
		Login struct {
			User struct {
				Role         string
				Organization struct{ ID string }
			}
		}
	}
	var me struct{ Me struct{ Email string } }
	s.MustDo(a.OwnerToken, `{ me { email } }`, nil, &me)
	s.MustDo(b.OwnerToken, `mutation($e: String!) { login(email: $e, password: "password-123") { user { role organization { id } } } }`,
		map[string]any{"e": me.Me.Email}, &login)
	require.Equal(t, a.ID, login.Login.User.Organization.ID)
	require.Equal(t, "OWNER", login.Login.User.Role)

	var chat struct {
		StartWebChat struct {
			Conversation struct {
				ID      string
				Channel struct{ Kind string }
			}
		}
	}
	s.MustDo(b.OwnerToken, `mutation($k: String!) { startWebChat(publicKey: $k) { conversation { id channel { kind } } } }`,
		map[string]any{"k": a.PublicKey}, &chat)
	require.Equal(t, "WEBCHAT", chat.StartWebChat.Conversation.Channel.Kind)

	v := s.StartWebChat(a)
	s.Say(v, "hi")
	s.WaitProcessed()
	s.MustDo(a.OwnerToken, `mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id } }`,
		map[string]any{"c": v.ConversationID, "u": a.OwnerID}, nil)
	s.MustDo(a.OwnerToken, `mutation($c: ID!) { sendAgentMessage(conversationId: $c, text: "hello from the team") { id } }`,
		map[string]any{"c": v.ConversationID}, nil)
	var seen struct {
		Conversation struct {
			Assignee *struct{ Email string }
			Messages struct {
				Edges []struct {
					Node struct {
						Text       string
						AuthorUser *struct{ Email string }
					}
				}
			}
		}
	}
	s.MustDo(v.Token, `query($c: ID!) { conversation(id: $c) { assignee { email } messages { edges { node { text authorUser { email } } } } } }`,
		map[string]any{"c": v.ConversationID}, &seen)
	require.Nil(t, seen.Conversation.Assignee)
	require.Equal(t, "hello from the team", seen.Conversation.Messages.Edges[0].Node.Text)
	require.Nil(t, seen.Conversation.Messages.Edges[0].Node.AuthorUser)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := s.Dial(ctx, map[string]any{"Authorization": "Bearer " + a.OwnerToken})
	ws.Subscribe(ctx, "1", `subscription($a: String) { inboxEvents(after: $a) { id } }`, map[string]any{"a": "ZXY6MDow"})
	_, data := ws.Next(ctx)
	require.IsType(t, "", data["inboxEvents"].(map[string]any)["id"])
}

func TestOrganizationSettings(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Settings")
	other := s.SignUp("Settings Other")
	agentID, agentToken := s.Invite(org, "AGENT")
	otherAgentID, _ := s.Invite(other, "AGENT")

	const read = `{ organization { settings { tone botDisclosure confidenceThreshold businessHours { weekday opens closes }
		escalationRules { refund threats legal health humanRequest orderValueAbove { amount currency } keywords }
		handoffRouting { mode routes { scenario user { id } } } } } }`
	var got struct {
		Organization struct {
			Settings struct {
				Tone                string
				BotDisclosure       string
				ConfidenceThreshold float64
				BusinessHours       []struct{ Weekday int }
				EscalationRules     struct {
					Refund, Threats, Legal, Health, HumanRequest bool
					OrderValueAbove                              *struct{ Amount float64 }
					Keywords                                     []string
				}
				HandoffRouting struct {
					Mode   string
					Routes []struct {
						Scenario string
						User     struct{ ID string }
					}
				}
			}
		}
	}
	s.MustDo(agentToken, read, nil, &got)
	def := got.Organization.Settings
	require.Equal(t, "FRIENDLY", def.Tone)
	require.InDelta(t, 0.55, def.ConfidenceThreshold, 1e-9)
	require.True(t, def.EscalationRules.Refund && def.EscalationRules.HumanRequest)
	require.Equal(t, "ROUND_ROBIN", def.HandoffRouting.Mode)

	update := `mutation($i: OrganizationSettingsInput!) { updateOrganizationSettings(input: $i) { id } }`
	s.MustDo(org.OwnerToken, update, map[string]any{"i": map[string]any{
		"tone": "FORMAL", "botDisclosure": "I am the Settings assistant, a bot.", "confidenceThreshold": 0.7,
		"businessHours":   []map[string]any{{"weekday": 1, "opens": "09:00", "closes": "18:00"}},
		"escalationRules": map[string]any{"health": false, "orderValueAbove": map[string]any{"amount": 1000, "currency": "EUR"}, "keywords": []string{"chargeback"}},
		"handoffRouting":  map[string]any{"mode": "NAMED_USER", "routes": []map[string]any{{"scenario": "LEAD_QUALIFICATION", "userId": agentID}}},
	}}, nil)
	s.MustDo(agentToken, read, nil, &got)
	st := got.Organization.Settings
	require.Equal(t, "FORMAL", st.Tone)
	require.Equal(t, "I am the Settings assistant, a bot.", st.BotDisclosure)
	require.InDelta(t, 0.7, st.ConfidenceThreshold, 1e-9)
	require.Len(t, st.BusinessHours, 1)
	require.False(t, st.EscalationRules.Health)
	require.True(t, st.EscalationRules.Refund)
	require.Equal(t, 1000.0, st.EscalationRules.OrderValueAbove.Amount)
	require.Equal(t, []string{"chargeback"}, st.EscalationRules.Keywords)
	require.Equal(t, agentID, st.HandoffRouting.Routes[0].User.ID)

	for name, in := range map[string]map[string]any{
		"threshold":         {"confidenceThreshold": 1.5},
		"hours":             {"businessHours": []map[string]any{{"weekday": 8, "opens": "09:00", "closes": "18:00"}}},
		"hours order":       {"businessHours": []map[string]any{{"weekday": 1, "opens": "18:00", "closes": "09:00"}}},
		"money":             {"escalationRules": map[string]any{"orderValueAbove": map[string]any{"amount": -1, "currency": "EUR"}}},
		"other org's agent": {"handoffRouting": map[string]any{"mode": "NAMED_USER", "routes": []map[string]any{{"scenario": "BOOKING", "userId": otherAgentID}}}},
		"keyword":           {"escalationRules": map[string]any{"keywords": []string{"x"}}},
	} {
		r := s.Do(org.OwnerToken, update, map[string]any{"i": in})
		require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), name)
	}
	s.MustDo(agentToken, read, nil, &got)
	require.Equal(t, st, got.Organization.Settings, "a refused update changes nothing")

	r := s.Do(agentToken, update, map[string]any{"i": map[string]any{"tone": "CONCISE"}})
	require.Equal(t, []string{"FORBIDDEN"}, r.Codes())
	v := s.StartWebChat(org)
	r = s.Do(v.Token, `{ organization { settings { tone } } }`, nil)
	require.Equal(t, []string{"FORBIDDEN"}, r.Codes())
}

// queryCounter counts the SQL statements bun runs.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *queryCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if !strings.Contains(e.Query, "FROM events") { // the realtime hub's own reads
		c.n.Add(1)
	}
}

// The inbox page costs a constant number of queries however many rows it
// has: the principal, the page, its contacts and its last messages.
func TestInboxPageQueryCount(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Queries")
	for range 12 {
		v := s.StartWebChat(org)
		s.Say(v, "hello")
		s.Say(v, "anyone?")
	}
	s.WaitProcessed()
	counter := &queryCounter{}
	s.App.DB.Bun.AddQueryHook(counter)
	for range 5 {
		before := counter.n.Load()
		var out struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						Contact     struct{ Name string }
						LastMessage struct{ Text string }
					}
				}
			}
		}
		s.MustDo(org.OwnerToken, `{ conversations(first: 50) { edges { node { id status unreadCount contact { id name } lastMessage { id text createdAt } } } pageInfo { hasNextPage endCursor } } }`, nil, &out)
		require.Len(t, out.Conversations.Edges, 12)
		require.NotEmpty(t, out.Conversations.Edges[0].Node.LastMessage.Text)
		require.LessOrEqual(t, counter.n.Load()-before, int64(4))
	}
}
