package conversation

import (
	"context"

	"github.com/google/uuid"

	"frontdesk/internal/auth"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/realtime"
)

// SubscribeConversation streams one conversation's events to a caller who
// may see it (visitors: their own, each event as EventForViewer shows it),
// resuming after the cursor when one is given.
func (s *Service) SubscribeConversation(ctx context.Context, hub *realtime.Hub, conversationID uuid.UUID, after string) (<-chan *eventlog.Event, error) {
	conv, err := s.Get(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	p, _ := auth.FromContext(ctx)
	f := realtime.Filter{OrgID: p.OrgID, ConversationID: &conv.ID, ExcludePrivate: !p.Is(auth.Team...)}
	events, err := subscribe(ctx, hub, f, after)
	if err != nil || p.Role != auth.RoleVisitor {
		return events, err
	}
	return viewed(ctx, p, events), nil
}

// viewed passes each event of in through EventForViewer for p, dropping
// those p may not see. It ends when in closes (the hub closes it when ctx
// ends) or ctx ends.
func viewed(ctx context.Context, p *auth.Principal, in <-chan *eventlog.Event) <-chan *eventlog.Event {
	out := make(chan *eventlog.Event)
	go func() {
		defer close(out)
		for e := range in {
			v := EventForViewer(p, e)
			if v == nil {
				continue
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// SubscribeInbox streams every customer-conversation event of the caller's
// organisation; team only.
func (s *Service) SubscribeInbox(ctx context.Context, hub *realtime.Hub, after string) (<-chan *eventlog.Event, error) {
	if err := s.AuthorizeInbox(ctx); err != nil {
		return nil, err
	}
	p, _ := auth.FromContext(ctx)
	return subscribe(ctx, hub, realtime.Filter{OrgID: p.OrgID, ExcludeStaff: true}, after)
}

// AuthorizeInbox reports whether the caller may watch the inbox (the team
// only): the check SubscribeInbox makes, also made again when an open
// subscription's holder changes role.
func (s *Service) AuthorizeInbox(ctx context.Context) error {
	_, err := auth.Require(ctx, auth.Team...)
	return err
}

func subscribe(ctx context.Context, hub *realtime.Hub, f realtime.Filter, after string) (<-chan *eventlog.Event, error) {
	var from *eventlog.Position
	if after != "" {
		pos, err := eventlog.ParseCursor(after)
		if err != nil {
			return nil, err
		}
		from = &pos
	}
	return hub.Subscribe(ctx, f, from)
}
