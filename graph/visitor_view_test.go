package graph_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
)

// After a hand-off a visitor learns that a person will answer, and nothing
// of the team's handling: no assignee, no SLA, no reason, on every path a
// visitor token can read (the conversation query, the relations that lead
// back to the conversation, the visitor's own mutation, and the
// conversation's event stream). The team still sees all of it.
func TestVisitorSeesNoHandoffInternals(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Handoff View")
	agentID, _ := s.Invite(org, "AGENT")
	const sla, reason = "4321", "internal-reason-zq VIP refund dispute"
	s.MustDo(org.OwnerToken, `mutation { updateOrganizationSettings(input: {handoffSlaSeconds: `+sla+`}) { id } }`, nil, nil)

	v := s.StartWebChat(org)
	// The pipeline hands off and routes to the agent; then the owner
	// assigns and hands off again with a reason of their own.
	s.Say(v, "Can I talk to a real person please?")
	s.WaitProcessed()
	conv := map[string]any{"c": v.ConversationID}
	s.MustDo(org.OwnerToken, `mutation($c: ID!, $u: ID) { assignConversation(conversationId: $c, userId: $u) { id } }`,
		map[string]any{"c": v.ConversationID, "u": agentID}, nil)
	s.MustDo(org.OwnerToken, `mutation($c: ID!, $r: String) { handOffConversation(conversationId: $c, reason: $r) { id } }`,
		map[string]any{"c": v.ConversationID, "r": reason}, nil)

	// The team sees the reason and the assignee.
	var team struct {
		Conversation struct {
			HandoffReason string
			Assignee      struct{ ID string }
		}
	}
	s.MustDo(org.OwnerToken, `query($c: ID!) { conversation(id: $c) { handoffReason assignee { id } } }`, conv, &team)
	require.Equal(t, reason, team.Conversation.HandoffReason)
	require.Equal(t, agentID, team.Conversation.Assignee.ID)

	// What the visitor must never read, anywhere. (The SLA's number is
	// not searched for: it could occur in any timestamp.)
	secrets := []string{agentID, org.OwnerID, "internal-reason-zq", "customer asked for a person", "slaSeconds", "assigneeId"}
	noSecrets := func(path string, raw []byte) {
		t.Helper()
		for _, secret := range secrets {
			require.NotContains(t, string(raw), secret, "%s shows the visitor %q: %s", path, secret, raw)
		}
	}
	const convFields = `id status owner handoffReason handedOffAt urgent unreadCount assignee { id } staffUser { id }`
	visitorReads := map[string]string{
		"conversation": `query($c: ID!) { conversation(id: $c) { ` + convFields + `
			lastMessage { conversation { ` + convFields + ` } }
			messages { edges { node { text authorUser { id } conversation { ` + convFields + ` } } } } } }`,
		"sendVisitorMessage": `mutation($c: ID!) { sendVisitorMessage(conversationId: $c, text: "still there?") { conversation { ` + convFields + ` } } }`,
	}
	for path, q := range visitorReads {
		r := s.Do(v.Token, q, conv)
		require.Empty(t, r.Errors, path)
		noSecrets(path, r.Data)
		var seen struct {
			Conversation *struct {
				Owner         string
				HandoffReason *string
				Assignee      *struct{ ID string }
			}
		}
		require.NoError(t, json.Unmarshal(r.Data, &seen))
		if seen.Conversation != nil {
			require.Equal(t, "HUMAN", seen.Conversation.Owner, "the visitor learns that a person answers")
			require.Empty(t, deref(seen.Conversation.HandoffReason), "no reason (the field gives \"\" for none, as for a bot's conversation)")
			require.Nil(t, seen.Conversation.Assignee)
		}
	}
	s.WaitProcessed()

	// The event stream, replayed from the start of the log.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := s.Dial(ctx, map[string]any{"token": v.Token})
	ws.Subscribe(ctx, "1", `subscription($c: ID!, $a: String) { conversationEvents(conversationId: $c, after: $a) {
		type data actor { id } message { text conversation { `+convFields+` } } conversation { `+convFields+` } } }`,
		map[string]any{"c": v.ConversationID, "a": "ZXY6MDow"})
	handOffs := 0
	for handOffs < 2 {
		msg := ws.Read(ctx)
		require.Equal(t, "next", msg["type"], "got %v", msg)
		raw, err := json.Marshal(msg["payload"])
		require.NoError(t, err)
		noSecrets("conversationEvents", raw)
		ev := msg["payload"].(map[string]any)["data"].(map[string]any)["conversationEvents"].(map[string]any)
		require.Nil(t, ev["actor"])
		if ev["type"] == "HANDED_OFF" {
			handOffs++
			require.JSONEq(t, `{}`, ev["data"].(string), "a hand-off tells the visitor only that it happened")
			c := ev["conversation"].(map[string]any)
			require.Equal(t, "HUMAN", c["owner"])
			require.Empty(t, c["handoffReason"])
		}
	}

	// The organisation's inbox stream is not the visitor's.
	ws.Subscribe(ctx, "2", `subscription { inboxEvents { type data } }`, nil)
	for {
		msg := ws.Read(ctx)
		if msg["id"] != "2" {
			continue
		}
		raw, err := json.Marshal(msg["payload"])
		require.NoError(t, err)
		require.Contains(t, string(raw), "FORBIDDEN", "inboxEvents: %s", raw)
		require.NotContains(t, string(raw), `"type"`, "no event reaches the visitor: %s", raw)
		break
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
