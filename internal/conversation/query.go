package conversation

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/pagecursor"
)

// Page bounds for list queries.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// PageSize validates a connection's `first` argument.
func PageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	if *first < 0 || *first > MaxPageSize {
		return 0, apperror.Invalid("first", "first must be between 0 and %d", MaxPageSize)
	}
	return *first, nil
}

// Filter narrows the inbox.
type Filter struct {
	Status     *Status
	Owner      *Owner
	Channel    *channel.Kind
	AssigneeID *uuid.UUID
	Unassigned *bool
	Urgent     *bool
	Text       *string
}

// Page is one page of a list, with the cursor of its last item.
type Page[T any] struct {
	Items   []T
	Cursors []string
	HasNext bool
}

// Get returns a conversation the caller may see: team members see their
// organisation's, visitors their own, employees their staff conversation.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Conversation, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	convs, err := ConversationsByIDs(ctx, s.db, p.OrgID, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(convs) == 0 || !CanSee(p, convs[0]) {
		return nil, apperror.NotFoundf("conversation not found")
	}
	return ForViewer(p, convs[0]), nil
}

// CanSee reports whether p may read conversation c (c is already known to
// belong to p's organisation).
func CanSee(p *auth.Principal, c *Conversation) bool {
	switch {
	case p.Role == auth.RoleVisitor:
		return c.ID == p.ConversationID
	case p.Is(auth.Team...):
		return true
	default:
		return c.StaffUserID != nil && *c.StaffUserID == p.UserID
	}
}

// MyStaffConversation returns the caller's staff conversation, or nil.
func (s *Service) MyStaffConversation(ctx context.Context) (*Conversation, error) {
	p, err := auth.Require(ctx, auth.Staff...)
	if err != nil {
		return nil, err
	}
	c, err := s.staffConversation(ctx, s.db, p)
	if errors.Is(err, apperror.ErrNotFound) {
		return nil, nil
	}
	return c, err
}

func (s *Service) staffConversation(ctx context.Context, db bun.IDB, p *auth.Principal) (*Conversation, error) {
	c := new(Conversation)
	err := selectConversations(db, c).Where("conversation.organization_id = ? AND conversation.staff_user_id = ?", p.OrgID, p.UserID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("no staff conversation yet")
	}
	if err != nil {
		return nil, fmt.Errorf("load staff conversation: %w", err)
	}
	return c, nil
}

// List returns the organisation's customer conversations, newest activity
// first. Staff conversations are listed only when the filter asks for the
// STAFF channel.
func (s *Service) List(ctx context.Context, first *int, after *string, f *Filter) (*Page[*Conversation], error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	n, err := PageSize(first)
	if err != nil {
		return nil, err
	}
	var convs []*Conversation
	q := selectConversations(s.db, &convs).Where("conversation.organization_id = ?", p.OrgID)
	if after != nil && *after != "" {
		at, id, err := pagecursor.Decode("c", *after)
		if err != nil {
			return nil, err
		}
		q.Where("(conversation.last_activity_at, conversation.id) < (?, ?)", at, id)
	}
	if f == nil {
		f = &Filter{}
	}
	if f.Channel != nil {
		q.Where("ca.kind = ?", *f.Channel)
	} else {
		q.Where("conversation.staff_user_id IS NULL")
	}
	if f.Status != nil {
		q.Where("conversation.status = ?", *f.Status)
	}
	if f.Owner != nil {
		q.Where("conversation.owner = ?", *f.Owner)
	}
	if f.AssigneeID != nil {
		q.Where("conversation.assignee_id = ?", *f.AssigneeID)
	}
	if f.Unassigned != nil {
		if *f.Unassigned {
			q.Where("conversation.assignee_id IS NULL")
		} else {
			q.Where("conversation.assignee_id IS NOT NULL")
		}
	}
	if f.Urgent != nil {
		q.Where("conversation.urgent = ?", *f.Urgent)
	}
	if f.Text != nil && strings.TrimSpace(*f.Text) != "" {
		t := strings.TrimSpace(*f.Text)
		if len(t) > 200 {
			return nil, apperror.Invalid("filter.text", "search text must be at most 200 bytes")
		}
		like := "%" + escapeLike(t) + "%"
		q.Where(`(EXISTS (SELECT 1 FROM contacts ct WHERE ct.id = conversation.contact_id AND (ct.name ILIKE ? OR ct.email ILIKE ? OR ct.phone ILIKE ?))
			OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversation.id AND NOT m.private AND m.text ILIKE ?))`, like, like, like, like)
	}
	q.OrderExpr("conversation.last_activity_at DESC, conversation.id DESC").Limit(int64(n + 1))
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	page := &Page[*Conversation]{Items: convs}
	if len(convs) > n {
		page.Items, page.HasNext = convs[:n], true
	}
	for _, c := range page.Items {
		page.Cursors = append(page.Cursors, conversationCursor(c))
	}
	return page, nil
}

// Messages returns a page of a conversation's messages, newest first.
// Visitors never see private notes.
func (s *Service) Messages(ctx context.Context, conv *Conversation, first *int, after *string) (*Page[*Message], error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if conv.OrganizationID != p.OrgID || !CanSee(p, conv) {
		return nil, apperror.NotFoundf("conversation not found")
	}
	n, err := PageSize(first)
	if err != nil {
		return nil, err
	}
	var msgs []*Message
	q := s.db.NewSelect().Model(&msgs).Where("organization_id = ? AND conversation_id = ?", p.OrgID, conv.ID)
	if !p.Is(auth.Team...) {
		q.Where("NOT private")
	}
	if after != nil && *after != "" {
		id, err := parseMessageCursor(*after)
		if err != nil {
			return nil, err
		}
		q.Where("id < ?", id)
	}
	if err := q.Order("id DESC").Limit(int64(n + 1)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	page := &Page[*Message]{Items: msgs}
	if len(msgs) > n {
		page.Items, page.HasNext = msgs[:n], true
	}
	for _, m := range page.Items {
		page.Cursors = append(page.Cursors, base64.RawURLEncoding.EncodeToString([]byte("m:"+m.ID.String())))
	}
	return page, nil
}

func selectConversations(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).
		ColumnExpr("conversation.*").ColumnExpr("ca.kind").
		Join("JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id")
}

// ConversationsByIDs loads conversations of one organisation.
func ConversationsByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*Conversation, error) {
	var out []*Conversation
	err := selectConversations(db, &out).Where("conversation.organization_id = ? AND conversation.id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load conversations: %w", err)
	}
	return out, nil
}

// ContactsByIDs loads contacts of one organisation.
func ContactsByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*Contact, error) {
	var out []*Contact
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load contacts: %w", err)
	}
	return out, nil
}

// MessagesByIDs loads messages of one organisation.
func MessagesByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*Message, error) {
	var out []*Message
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	return out, nil
}

// LastMessages loads the newest non-private message of each conversation.
func LastMessages(ctx context.Context, db bun.IDB, orgID uuid.UUID, conversationIDs []uuid.UUID) ([]*Message, error) {
	var out []*Message
	err := db.NewRaw(`SELECT m.* FROM unnest(?::uuid[]) AS c(id)
		CROSS JOIN LATERAL (
			SELECT * FROM messages WHERE conversation_id = c.id AND organization_id = ? AND NOT private
			ORDER BY id DESC LIMIT 1) m`, pgUUIDArray(conversationIDs), orgID).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("load last messages: %w", err)
	}
	return out, nil
}

func pgUUIDArray(ids []uuid.UUID) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id.String())
	}
	b.WriteByte('}')
	return b.String()
}

func conversationCursor(c *Conversation) string {
	return pagecursor.Encode("c", c.LastActivityAt, c.ID)
}

func parseMessageCursor(s string) (uuid.UUID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), "m:") {
		return uuid.Nil, apperror.Invalid("after", "invalid cursor")
	}
	id, err := uuid.Parse(strings.TrimPrefix(string(raw), "m:"))
	if err != nil {
		return uuid.Nil, apperror.Invalid("after", "invalid cursor")
	}
	return id, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
