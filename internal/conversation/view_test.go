package conversation

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/auth"
	"frontdesk/internal/eventlog"
)

func TestEventForViewer(t *testing.T) {
	t.Parallel()
	actor := uuid.New()
	visitor := &auth.Principal{Role: auth.RoleVisitor}
	agent := &auth.Principal{Role: auth.RoleAgent}
	for _, tc := range []struct {
		name    string
		event   eventlog.Event
		visitor string // the payload a visitor reads; "" when the event is hidden
	}{
		{"hand-off", eventlog.Event{Type: eventlog.HandedOff, Payload: json.RawMessage(`{"reason":"VIP","slaSeconds":300,"assigneeId":"x"}`)}, `{}`},
		{"escalation", eventlog.Event{Type: eventlog.Escalated, Payload: json.RawMessage(`{"reason":"no human reply within the hand-off SLA"}`)}, ""},
		{"private", eventlog.Event{Type: eventlog.ConversationAssigned, Private: true, Payload: json.RawMessage(`{"assigneeId":"x"}`)}, ""},
		{"bot message", eventlog.Event{Type: eventlog.MessageSent, Payload: json.RawMessage(`{"author":"BOT","other":1}`)}, `{"author":"BOT"}`},
		{"media", eventlog.Event{Type: eventlog.MediaUpdated, Payload: json.RawMessage(`{"index":0,"status":"READY"}`)}, `{"index":0,"status":"READY"}`},
		{"unreadable payload", eventlog.Event{Type: eventlog.MessageSent, Payload: json.RawMessage(`[1]`)}, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.event
			e.ActorUserID = &actor
			before := string(e.Payload)
			require.Same(t, &e, EventForViewer(agent, &e), "the team sees the event itself")
			v := EventForViewer(visitor, &e)
			if tc.visitor == "" {
				require.Nil(t, v)
				return
			}
			require.NotNil(t, v)
			require.Nil(t, v.ActorUserID)
			require.JSONEq(t, tc.visitor, string(v.Payload))
			require.Equal(t, before, string(e.Payload), "the shared event is not changed")
			require.Equal(t, &actor, e.ActorUserID)
		})
	}
}

func TestConversationVisitorView(t *testing.T) {
	t.Parallel()
	assignee := uuid.New()
	c := &Conversation{ID: uuid.New(), Owner: OwnerHuman, HandoffReason: "VIP", AssigneeID: &assignee, Urgent: true, UnreadCount: 3}
	v := ForViewer(&auth.Principal{Role: auth.RoleVisitor}, c)
	require.Equal(t, c.ID, v.ID)
	require.Equal(t, OwnerHuman, v.Owner, "a person will answer")
	require.Empty(t, v.HandoffReason)
	require.Nil(t, v.AssigneeID)
	require.False(t, v.Urgent)
	require.Zero(t, v.UnreadCount)
	require.Equal(t, "VIP", c.HandoffReason, "the loaded row is not changed")
	require.Same(t, c, ForViewer(&auth.Principal{Role: auth.RoleOwner}, c))
}
