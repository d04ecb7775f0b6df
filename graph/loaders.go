package graph

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/vikstrous/dataloadgen"

	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/conversation"
	"frontdesk/internal/organization"
)

// Loaders batch the relation fields of one request (or one WebSocket), so a
// page of N items costs a constant number of queries. They do not cache:
// a long-lived subscription must see fresh rows with every event.
type Loaders struct {
	Users         *dataloadgen.Loader[uuid.UUID, *organization.User]
	Organizations *dataloadgen.Loader[uuid.UUID, *organization.Organization]
	Channels      *dataloadgen.Loader[uuid.UUID, *channel.Account]
	Contacts      *dataloadgen.Loader[uuid.UUID, *conversation.Contact]
	Conversations *dataloadgen.Loader[uuid.UUID, *conversation.Conversation]
	Messages      *dataloadgen.Loader[uuid.UUID, *conversation.Message]
	LastMessages  *dataloadgen.Loader[uuid.UUID, *conversation.Message]
}

// NewLoaders returns loaders over db. Every fetch is scoped by the
// organisation of the principal in the fetching context.
func NewLoaders(db bun.IDB) *Loaders {
	opts := []dataloadgen.Option{dataloadgen.WithoutCache(), dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(200)}
	return &Loaders{
		Users: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*organization.User, error) {
			// Visitors never learn who is on the team (names, e-mails,
			// roles): assignee, authorUser and actor resolve to null for them.
			if p, _ := auth.FromContext(ctx); p.Role == auth.RoleVisitor {
				return nil, nil
			}
			return organization.UsersByIDs(ctx, db, org, ids)
		}, func(u *organization.User) uuid.UUID { return u.ID }, opts),
		Organizations: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*organization.Organization, error) {
			var out []*organization.Organization
			// A principal only ever sees its own organisation.
			err := db.NewSelect().Model(&out).Where("id = ?", org).Scan(ctx)
			return out, err
		}, func(o *organization.Organization) uuid.UUID { return o.ID }, opts),
		Channels: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*channel.Account, error) {
			return channel.ByIDs(ctx, db, org, ids)
		}, func(a *channel.Account) uuid.UUID { return a.ID }, opts),
		Contacts: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Contact, error) {
			return conversation.ContactsByIDs(ctx, db, org, ids)
		}, func(c *conversation.Contact) uuid.UUID { return c.ID }, opts),
		Conversations: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Conversation, error) {
			return conversation.ConversationsByIDs(ctx, db, org, ids)
		}, func(c *conversation.Conversation) uuid.UUID { return c.ID }, opts),
		Messages: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Message, error) {
			return conversation.MessagesByIDs(ctx, db, org, ids)
		}, func(m *conversation.Message) uuid.UUID { return m.ID }, opts),
		LastMessages: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Message, error) {
			return conversation.LastMessages(ctx, db, org, ids)
		}, func(m *conversation.Message) uuid.UUID { return m.ConversationID }, opts),
	}
}

func mapped[V any](fetch func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]V, error), key func(V) uuid.UUID, opts []dataloadgen.Option) *dataloadgen.Loader[uuid.UUID, V] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]V, error) {
		p, ok := auth.FromContext(ctx)
		if !ok {
			return nil, nil
		}
		items, err := fetch(ctx, p.OrgID, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[uuid.UUID]V, len(items))
		for _, it := range items {
			out[key(it)] = it
		}
		return out, nil
	}, opts...)
}

// loadOptional loads id, returning nil for a nil id or a missing row.
func loadOptional[V any](ctx context.Context, l *dataloadgen.Loader[uuid.UUID, *V], id *uuid.UUID) (*V, error) {
	if id == nil {
		return nil, nil
	}
	v, err := l.Load(ctx, *id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

type loadersKey struct{}

// WithLoaders puts fresh loaders into each request's context.
func WithLoaders(db bun.IDB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loadersKey{}, NewLoaders(db))))
	})
}

func loadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}
