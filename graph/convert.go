package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"frontdesk/graph/model"
	"frontdesk/internal/auth"
	"frontdesk/internal/conversation"
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

// authPayload answers signUp and login; the rest of the response resolves
// as the user who just signed in.
func authPayload(ctx context.Context, s *organization.Session, err error) (*model.AuthPayload, error) {
	if err != nil {
		return nil, err
	}
	auth.Assume(ctx, &auth.Principal{OrgID: s.Organization.ID, Role: s.User.Role, UserID: s.User.ID})
	return &model.AuthPayload{Token: s.Token, User: s.User, Organization: s.Organization}, nil
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
	fields := graphql.CollectFieldsCtx(ctx, nil)
	var wantContact, wantLast bool
	for _, edges := range fields {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(graphql.GetOperationContext(ctx), edges.Selections, nil) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), node.Selections, nil) {
				wantContact = wantContact || f.Name == "contact"
				wantLast = wantLast || f.Name == "lastMessage"
			}
		}
	}
	var contacts, ids []uuid.UUID
	for _, c := range convs {
		ids = append(ids, c.ID)
		if c.ContactID != nil {
			contacts = append(contacts, *c.ContactID)
		}
	}
	if wantContact {
		prefetch(ctx, l.Contacts, contacts)
	}
	if wantLast {
		prefetch(ctx, l.LastMessages, ids)
	}
}
