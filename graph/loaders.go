package graph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/vikstrous/dataloadgen"

	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/lead"
	"frontdesk/internal/media"
	"frontdesk/internal/organization"
)

// Loaders batch the relation fields of one request (or one WebSocket), so a
// page of N items costs a constant number of queries. An HTTP request's
// loaders cache for the request's lifetime; a WebSocket's do not, since a
// long-lived subscription must see fresh rows with every event.
type Loaders struct {
	Users         *dataloadgen.Loader[uuid.UUID, *organization.User]
	Organizations *dataloadgen.Loader[uuid.UUID, *organization.Organization]
	Channels      *dataloadgen.Loader[uuid.UUID, *channel.Account]
	Contacts      *dataloadgen.Loader[uuid.UUID, *conversation.Contact]
	Conversations *dataloadgen.Loader[uuid.UUID, *conversation.Conversation]
	Messages      *dataloadgen.Loader[uuid.UUID, *conversation.Message]
	LastMessages  *dataloadgen.Loader[uuid.UUID, *conversation.Message]
	// BookedMeetings is keyed by lead id: each lead's latest-starting
	// BOOKED meeting (cancelled ones are left out).
	BookedMeetings *dataloadgen.Loader[uuid.UUID, *lead.Meeting]
	// MediaFiles is keyed by message id: the stored copies of its
	// platform attachments (without content).
	MediaFiles *dataloadgen.Loader[uuid.UUID, []*media.File]
}

// NewLoaders returns loaders over db. Every fetch is scoped by the
// organisation of the principal in the fetching context.
func NewLoaders(db bun.IDB, cache bool) *Loaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(200)}
	if !cache {
		opts = append(opts, dataloadgen.WithoutCache())
	}
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
			return organization.OrgsByIDs(ctx, db, org, ids)
		}, func(o *organization.Organization) uuid.UUID { return o.ID }, opts),
		Channels: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*channel.Account, error) {
			return channel.ByIDs(ctx, db, org, ids)
		}, func(a *channel.Account) uuid.UUID { return a.ID }, opts),
		Contacts: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Contact, error) {
			return conversation.ContactsByIDs(ctx, db, org, ids)
		}, func(c *conversation.Contact) uuid.UUID { return c.ID }, opts),
		Conversations: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Conversation, error) {
			convs, err := conversation.ConversationsByIDs(ctx, db, org, ids)
			if p, _ := auth.FromContext(ctx); err == nil {
				for i, c := range convs {
					convs[i] = conversation.ForViewer(p, c) // Message.conversation, for a visitor
				}
			}
			return convs, err
		}, func(c *conversation.Conversation) uuid.UUID { return c.ID }, opts),
		Messages: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Message, error) {
			return conversation.MessagesByIDs(ctx, db, org, ids)
		}, func(m *conversation.Message) uuid.UUID { return m.ID }, opts),
		LastMessages: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Message, error) {
			return conversation.LastMessages(ctx, db, org, ids)
		}, func(m *conversation.Message) uuid.UUID { return m.ConversationID }, opts),
		BookedMeetings: mapped(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*lead.Meeting, error) {
			all, err := lead.MeetingsByLeadIDs(ctx, db, org, ids)
			if err != nil {
				return nil, err
			}
			return latestBooked(all), nil
		}, func(m *lead.Meeting) uuid.UUID { return m.LeadID }, opts),
		MediaFiles: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*media.File, error) {
			p, ok := auth.FromContext(ctx)
			if !ok {
				return nil, nil
			}
			files, err := media.FilesByMessageIDs(ctx, db, p.OrgID, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[uuid.UUID][]*media.File, len(ids))
			for _, f := range files {
				out[f.MessageID] = append(out[f.MessageID], f)
			}
			return out, nil
		}, opts...),
	}
}

// loadMediaFiles loads a message's stored files; none is an empty list.
func loadMediaFiles(ctx context.Context, messageID uuid.UUID) ([]*media.File, error) {
	files, err := loadersFrom(ctx).MediaFiles.Load(ctx, messageID)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return files, err
}

// latestBooked keeps, for each lead, its BOOKED meeting that starts last.
func latestBooked(meetings []*lead.Meeting) []*lead.Meeting {
	byLead := map[uuid.UUID]*lead.Meeting{}
	var order []uuid.UUID
	for _, m := range meetings {
		if m.Status != lead.MeetingBooked {
			continue
		}
		cur, ok := byLead[m.LeadID]
		if !ok {
			order = append(order, m.LeadID)
		}
		if !ok || m.StartsAt.After(cur.StartsAt) {
			byLead[m.LeadID] = m
		}
	}
	out := make([]*lead.Meeting, 0, len(order))
	for _, id := range order {
		out = append(out, byLead[id])
	}
	return out
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

// lazyLoaders builds a request's loaders on first use: most idle
// WebSockets never need them, and a thousand sockets should not carry a
// thousand sets.
type lazyLoaders struct {
	get func() *Loaders
}

// WithLoaders gives each request (or WebSocket) its own loaders.
func WithLoaders(db bun.IDB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cache := !isWebSocket(r)
		l := &lazyLoaders{get: sync.OnceValue(func() *Loaders { return NewLoaders(db, cache) })}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loadersKey{}, l)))
	})
}

func loadersFrom(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*lazyLoaders); ok {
		return l.get()
	}
	return nil
}

// prefetch loads every key of a page in one batch before gqlgen resolves
// the page's rows concurrently, so the rows hit the request's cache instead
// of racing the batch window (which, under load, splits one batch into
// several queries).
func prefetch[V any](ctx context.Context, l *dataloadgen.Loader[uuid.UUID, V], ids []uuid.UUID) {
	if len(ids) > 0 {
		_, _ = l.LoadAll(ctx, ids) // errors surface again, per row, on Load
	}
}

// eventKey identifies one relation of one event as one audience sees it.
type eventKey struct {
	event   int64
	org     uuid.UUID
	visitor bool
	id      uuid.UUID
}

// EventLoaders are shared by every subscription in the process: when one
// event fans out to a thousand sockets, its message, conversation and actor
// are fetched once, not once per socket. Keys carry the event, so what a
// socket sees is the state as of that event's delivery, never an older
// event's; the cache is dropped every minute to bound its size.
type EventLoaders struct {
	Conversations *dataloadgen.Loader[eventKey, *conversation.Conversation]
	Messages      *dataloadgen.Loader[eventKey, *conversation.Message]
	Users         *dataloadgen.Loader[eventKey, *organization.User]
}

// NewEventLoaders returns the shared loaders; they are cleared until ctx ends.
func NewEventLoaders(ctx context.Context, db bun.IDB) *EventLoaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(500)}
	l := &EventLoaders{
		Conversations: sharedLoader(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Conversation, error) {
			return conversation.ConversationsByIDs(ctx, db, org, ids)
		}, func(c *conversation.Conversation) uuid.UUID { return c.ID }, (*conversation.Conversation).VisitorView, opts),
		Messages: sharedLoader(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*conversation.Message, error) {
			return conversation.MessagesByIDs(ctx, db, org, ids)
		}, func(m *conversation.Message) uuid.UUID { return m.ID }, nil, opts),
		Users: sharedLoader(func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]*organization.User, error) {
			return organization.UsersByIDs(ctx, db, org, ids)
		}, func(u *organization.User) uuid.UUID { return u.ID }, nil, opts),
	}
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				l.Conversations.ClearAll()
				l.Messages.ClearAll()
				l.Users.ClearAll()
			}
		}
	}()
	return l
}

// sharedLoader batches fetch across subscriptions; visitorView, when not
// nil, is what a visitor's key gets instead of the row itself.
func sharedLoader[V any](fetch func(ctx context.Context, org uuid.UUID, ids []uuid.UUID) ([]V, error), key func(V) uuid.UUID, visitorView func(V) V, opts []dataloadgen.Option) *dataloadgen.Loader[eventKey, V] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, keys []eventKey) (map[eventKey]V, error) {
		// One batch may mix organisations and audiences: fetch each group
		// scoped by its own organisation.
		type group struct {
			org uuid.UUID
			ids []uuid.UUID
		}
		groups := map[uuid.UUID]*group{}
		for _, k := range keys {
			g := groups[k.org]
			if g == nil {
				g = &group{org: k.org}
				groups[k.org] = g
			}
			g.ids = append(g.ids, k.id)
		}
		byOrg := map[uuid.UUID]map[uuid.UUID]V{}
		for org, g := range groups {
			items, err := fetch(ctx, org, g.ids)
			if err != nil {
				return nil, err
			}
			m := make(map[uuid.UUID]V, len(items))
			for _, it := range items {
				m[key(it)] = it
			}
			byOrg[org] = m
		}
		out := make(map[eventKey]V, len(keys))
		for _, k := range keys {
			if v, ok := byOrg[k.org][k.id]; ok {
				if k.visitor && visitorView != nil {
					v = visitorView(v)
				}
				out[k] = v
			}
		}
		return out, nil
	}, opts...)
}

// loadForEvent loads one relation of event e through a shared loader, as
// the caller is allowed to see it.
func loadForEvent[V any](ctx context.Context, l *dataloadgen.Loader[eventKey, *V], e *eventlog.Event, id *uuid.UUID) (*V, error) {
	p, ok := auth.FromContext(ctx)
	if id == nil || !ok || p.OrgID != e.OrganizationID {
		return nil, nil
	}
	v, err := l.Load(ctx, eventKey{event: e.ID, org: p.OrgID, visitor: p.Role == auth.RoleVisitor, id: *id})
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}
