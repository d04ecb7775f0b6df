package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"frontdesk/graph/model"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/conversation"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
)

func pageInfo(hasNext bool, cursors []string) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: hasNext}
	if len(cursors) > 0 {
		pi.EndCursor = &cursors[len(cursors)-1]
	}
	return pi
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// authPayload answers signUp and login; the fields beneath it resolve as
// the user who just signed in (see withIdentity).
func authPayload(s *organization.Session, err error) (*model.AuthPayload, error) {
	if err != nil {
		return nil, err
	}
	p := &auth.Principal{OrgID: s.Organization.ID, Role: s.User.Role, UserID: s.User.ID}
	return &model.AuthPayload{Token: s.Token, User: s.User, Organization: s.Organization, Principal: p}, nil
}

func conversationFilter(f *model.ConversationFilter) *conversation.Filter {
	if f == nil {
		return nil
	}
	return &conversation.Filter{
		Status: f.Status, Owner: f.Owner, Channel: f.Channel, AssigneeID: f.AssigneeID,
		Unassigned: f.Unassigned, Urgent: f.Urgent, Text: f.Text,
	}
}

// enabled reads an escalation rule switch; nil means the default, on.
func enabled(b *bool) bool { return b == nil || *b }

// prefetchConversationRelations loads the contacts and last messages of a
// page of conversations, when the query asks for them, in one batch each.
func prefetchConversationRelations(ctx context.Context, convs []*conversation.Conversation) {
	l := loadersFrom(ctx)
	if l == nil || len(convs) == 0 {
		return
	}
	want := nodeFields(ctx)
	var contacts, ids []uuid.UUID
	for _, c := range convs {
		ids = append(ids, c.ID)
		if c.ContactID != nil {
			contacts = append(contacts, *c.ContactID)
		}
	}
	if want["contact"] {
		prefetch(ctx, l.Contacts, contacts)
	}
	if want["lastMessage"] {
		prefetch(ctx, l.LastMessages, ids)
	}
}

// prefetchLeadRelations loads the conversations and booked meetings of a
// page of leads, when the query asks for them, in one batch each.
func prefetchLeadRelations(ctx context.Context, leads []*lead.Lead) {
	l := loadersFrom(ctx)
	if l == nil || len(leads) == 0 {
		return
	}
	want := nodeFields(ctx)
	var convs, ids []uuid.UUID
	for _, ld := range leads {
		ids = append(ids, ld.ID)
		convs = append(convs, ld.ConversationID)
	}
	if want["conversation"] {
		prefetch(ctx, l.Conversations, convs)
	}
	if want["meeting"] {
		prefetch(ctx, l.BookedMeetings, ids)
	}
}

// nodeFields names the fields a connection query selects on edges.node.
func nodeFields(ctx context.Context) map[string]bool {
	oc := graphql.GetOperationContext(ctx)
	want := map[string]bool{}
	for _, edges := range graphql.CollectFieldsCtx(ctx, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, nil) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, node.Selections, nil) {
				want[f.Name] = true
			}
		}
	}
	return want
}

// leadPageSize is the page size of the leads query; null means the default.
// The service checks the range.
func leadPageSize(first *int) int {
	if first == nil {
		return lead.DefaultPageSize
	}
	return *first
}

func leadFilter(f *lead.Filter) lead.Filter {
	if f == nil {
		return lead.Filter{}
	}
	return *f
}

// channelKind reads the channel kind a lead stores as text; nil when it is
// empty or not a kind the schema knows.
func channelKind(s string) *channel.Kind {
	switch k := channel.Kind(s); k {
	case channel.WhatsApp, channel.Instagram, channel.Messenger, channel.Telegram, channel.WebChat, channel.Staff:
		return &k
	}
	return nil
}
