package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/database"
	"frontdesk/internal/eventlog"
	"frontdesk/jobs"
)

// MaxTextLength caps a message's text, in characters.
const MaxTextLength = 8000

// Enqueuer inserts River jobs inside a transaction (river.Client[*sql.Tx]).
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Notifier is told after a commit that appended events, so that
// subscribers on every replica hear of them (realtime.Hub).
type Notifier interface {
	Notify()
}

// Eager processes an accepted message in this process right after its
// commit (eager.Runner); its River job is then scheduled as a fallback.
type Eager interface {
	// Reserve takes a slot before the transaction, or reports none free.
	Reserve() bool
	// Release frees a reserved slot when the transaction failed.
	Release()
	// ScheduleAt is when River should run the job if the eager run never
	// finishes.
	ScheduleAt() time.Time
	// Run processes the committed message in the background.
	Run(args jobs.ProcessMessageArgs, jobID int64)
}

// Service implements the conversation use cases.
type Service struct {
	db     *bun.DB
	jobs   Enqueuer
	notify Notifier
	tokens *auth.Tokens
	now    func() time.Time
	eager  Eager
}

// SetEager makes inbound messages processed at once in this process, with
// their River jobs as the fallback. Call it before serving.
func (s *Service) SetEager(e Eager) { s.eager = e }

// NewService returns a Service.
func NewService(db *bun.DB, jobs Enqueuer, notify Notifier, tokens *auth.Tokens) *Service {
	return &Service{db: db, jobs: jobs, notify: notify, tokens: tokens, now: time.Now}
}

// inTx runs fn in a transaction and, once it has committed, notifies
// subscribers: events are published only after they are durable.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if err := s.db.RunInTx(ctx, nil, fn); err != nil {
		return err
	}
	s.notify.Notify()
	return nil
}

// WebChatSession is what a visitor gets from StartWebChat.
type WebChatSession struct {
	Token        string
	Conversation *Conversation
}

// StartWebChat opens a conversation for a new web chat visitor of the
// channel with publicKey and returns a token scoped to it.
func (s *Service) StartWebChat(ctx context.Context, publicKey string, visitorName, language *string) (*WebChatSession, error) {
	if len(publicKey) == 0 || len(publicKey) > 100 {
		return nil, apperror.Invalid("publicKey", "invalid public key")
	}
	name := ""
	if visitorName != nil {
		name = strings.TrimSpace(*visitorName)
		if utf8.RuneCountInString(name) > 200 {
			return nil, apperror.Invalid("visitorName", "visitor name must be at most 200 characters")
		}
	}
	lang := ""
	if language != nil && *language != "" {
		lang = strings.ToLower(*language)
		if len(lang) < 2 || len(lang) > 10 {
			return nil, apperror.Invalid("language", "language must be an ISO 639-1 code like en")
		}
	}
	acct, err := channel.ByPublicKey(ctx, s.db, publicKey)
	if err != nil {
		return nil, err
	}
	contact := &Contact{ID: uuid.Must(uuid.NewV7()), OrganizationID: acct.OrganizationID, Name: name, Language: lang}
	conv := &Conversation{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: acct.OrganizationID, ChannelAccountID: acct.ID,
		ContactID: &contact.ID, Status: StatusOpen, Owner: OwnerBot, Language: lang, Kind: channel.WebChat,
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(contact).Exec(ctx); err != nil {
			return fmt.Errorf("insert contact: %w", err)
		}
		if _, err := tx.NewInsert().Model(conv).Returning("last_activity_at, created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert conversation: %w", err)
		}
		return eventlog.Append(ctx, tx, &eventlog.Event{
			OrganizationID: conv.OrganizationID, ConversationID: &conv.ID, Type: eventlog.ConversationOpened,
			Payload: eventlog.Payload(map[string]any{"channel": channel.WebChat}),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("start web chat: %w", err)
	}
	tok, _, err := s.tokens.IssueVisitor(contact.ID, conv.OrganizationID, conv.ID)
	if err != nil {
		return nil, err
	}
	// The session is read with the visitor's token.
	return &WebChatSession{Token: tok, Conversation: conv.VisitorView()}, nil
}

// SendVisitorMessage stores a web chat visitor's message. payload is the
// payload of a button the visitor pressed.
func (s *Service) SendVisitorMessage(ctx context.Context, conversationID uuid.UUID, text string, payload *string) (*Message, error) {
	p, err := auth.Require(ctx, auth.RoleVisitor)
	if err != nil {
		return nil, err
	}
	if p.ConversationID != conversationID {
		return nil, apperror.NotFoundf("conversation not found")
	}
	msg, err := newMessage(text, In, AuthorContact)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		if len(*payload) > 1000 {
			return nil, apperror.Invalid("payload", "payload must be at most 1000 bytes")
		}
		msg.Payload = *payload
	}
	if err := s.receive(ctx, p.OrgID, conversationID, msg); err != nil {
		return nil, fmt.Errorf("send visitor message: %w", err)
	}
	return msg, nil
}

// SendStaffMessage stores an employee's message in their own staff
// conversation, created on first use.
func (s *Service) SendStaffMessage(ctx context.Context, text string) (*Message, error) {
	p, err := auth.Require(ctx, auth.Staff...)
	if err != nil {
		return nil, err
	}
	msg, err := newMessage(text, In, AuthorUser)
	if err != nil {
		return nil, err
	}
	msg.AuthorUserID = &p.UserID
	conv, err := s.ensureStaffConversation(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := s.receive(ctx, p.OrgID, conv.ID, msg); err != nil {
		return nil, fmt.Errorf("send staff message: %w", err)
	}
	return msg, nil
}

func (s *Service) ensureStaffConversation(ctx context.Context, p *auth.Principal) (*Conversation, error) {
	if conv, err := s.staffConversation(ctx, s.db, p); err == nil || !errors.Is(err, apperror.ErrNotFound) {
		return conv, err
	}
	var conv *Conversation
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		acct, err := channel.FirstOfKind(ctx, tx, p.OrgID, channel.Staff, "Staff chat")
		if err != nil {
			return err
		}
		conv = &Conversation{
			ID: uuid.Must(uuid.NewV7()), OrganizationID: p.OrgID, ChannelAccountID: acct.ID,
			StaffUserID: &p.UserID, Status: StatusOpen, Owner: OwnerBot, Kind: channel.Staff,
		}
		res, err := tx.NewInsert().Model(conv).On("CONFLICT (staff_user_id) WHERE staff_user_id IS NOT NULL DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("insert staff conversation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			conv = nil // created concurrently; read it below
			return nil
		}
		return eventlog.Append(ctx, tx, &eventlog.Event{
			OrganizationID: p.OrgID, ConversationID: &conv.ID, Type: eventlog.ConversationOpened, ActorUserID: &p.UserID,
			Payload: eventlog.Payload(map[string]any{"channel": channel.Staff}),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("create staff conversation: %w", err)
	}
	if conv == nil {
		return s.staffConversation(ctx, s.db, p)
	}
	return conv, nil
}

// receive stores an inbound message, updates the conversation (reopening
// it when closed) and appends the events, in one transaction.
func (s *Service) receive(ctx context.Context, orgID, conversationID uuid.UUID, msg *Message) error {
	_, err := s.receiveWith(ctx, orgID, msg, func(ctx context.Context, tx bun.Tx) (*Conversation, []*eventlog.Event, error) {
		conv, err := lockConversation(ctx, tx, orgID, conversationID)
		return conv, nil, err
	})
	return err
}

// receiveWith stores msg in the conversation that find returns (locked,
// in the same transaction) together with its processing job, updates the
// conversation and appends the events (find's first), then starts the
// eager run. find returning a nil conversation means there is nothing to
// store (a duplicate), and receiveWith reports stored = false.
func (s *Service) receiveWith(ctx context.Context, orgID uuid.UUID, msg *Message,
	find func(ctx context.Context, tx bun.Tx) (*Conversation, []*eventlog.Event, error)) (stored bool, err error) {
	args := jobs.ProcessMessageArgs{OrganizationID: orgID, MessageID: msg.ID}
	var opts *river.InsertOpts
	eager := s.eager != nil && s.eager.Reserve()
	if eager {
		opts = &river.InsertOpts{ScheduledAt: s.eager.ScheduleAt()}
	}
	var jobID int64
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		conv, events, err := find(ctx, tx)
		if err != nil || conv == nil {
			return err
		}
		msg.OrganizationID, msg.ConversationID = orgID, conv.ID
		if _, err := tx.NewInsert().Model(msg).Returning("created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		// The message and the job that acts on it commit together: an
		// accepted message is never lost, whatever crashes next.
		res, err := s.jobs.InsertTx(ctx, tx.Tx, args, opts)
		if err != nil {
			return fmt.Errorf("enqueue processing: %w", err)
		}
		jobID = res.Job.ID
		if conv.Status == StatusClosed {
			events = append(events, &eventlog.Event{OrganizationID: orgID, ConversationID: &conv.ID, Type: eventlog.ConversationReopened})
		}
		events = append(events, &eventlog.Event{
			OrganizationID: orgID, ConversationID: &conv.ID, MessageID: &msg.ID, ActorUserID: msg.AuthorUserID, Type: eventlog.MessageReceived,
		})
		_, err = tx.NewUpdate().Model((*Conversation)(nil)).
			Set("status = ?", StatusOpen).
			Set("unread_count = unread_count + 1").
			Set("last_inbound_at = ?", msg.CreatedAt).
			Set("last_activity_at = ?", msg.CreatedAt).
			Where("id = ?", conv.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("update conversation: %w", err)
		}
		stored = true
		return eventlog.Append(ctx, tx, events...)
	})
	switch {
	case !eager:
	case err != nil || !stored:
		s.eager.Release()
	default:
		s.eager.Run(args, jobID)
	}
	return stored, err
}

// SendAgentMessage stores a team member's reply. A human reply takes the
// conversation over from the bot, so the bot never talks over a person.
func (s *Service) SendAgentMessage(ctx context.Context, conversationID uuid.UUID, text string, files []OutgoingFile) (*Message, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	atts, err := outgoingAttachments(files)
	if err != nil {
		return nil, err
	}
	var msg *Message
	if len(atts) > 0 && strings.TrimSpace(text) == "" {
		// Files alone are a message too.
		msg = &Message{ID: uuid.Must(uuid.NewV7()), Direction: Out, Author: AuthorUser, Buttons: []Button{}, DeliveryStatus: DeliveryNone}
	} else if msg, err = newMessage(text, Out, AuthorUser); err != nil {
		return nil, err
	}
	msg.Attachments = atts
	msg.AuthorUserID = &p.UserID
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		conv, err := lockConversation(ctx, tx, p.OrgID, conversationID)
		if err != nil {
			return err
		}
		msg.OrganizationID, msg.ConversationID = p.OrgID, conv.ID
		msg.DeliveryStatus = deliveryFor(conv)
		if _, err := tx.NewInsert().Model(msg).Returning("created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		if err := enqueueDelivery(ctx, tx, s.jobs, msg); err != nil {
			return err
		}
		events := []*eventlog.Event{{OrganizationID: p.OrgID, ConversationID: &conv.ID, MessageID: &msg.ID, ActorUserID: &p.UserID, Type: eventlog.MessageSent}}
		q := tx.NewUpdate().Model((*Conversation)(nil)).
			Set("last_outbound_at = ?", msg.CreatedAt).
			Set("last_human_reply_at = ?", msg.CreatedAt).
			Set("last_activity_at = ?", msg.CreatedAt).
			Set("unread_count = 0").
			Where("id = ?", conv.ID)
		if conv.Owner == OwnerBot {
			q.Set("owner = ?", OwnerHuman).Set("handoff_reason = ?", "agent replied")
			events = append(events, &eventlog.Event{
				OrganizationID: p.OrgID, ConversationID: &conv.ID, ActorUserID: &p.UserID, Type: eventlog.HandedOff,
				Payload: eventlog.Payload(map[string]any{"reason": "agent replied"}),
			})
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("update conversation: %w", err)
		}
		return eventlog.Append(ctx, tx, events...)
	})
	if err != nil {
		return nil, fmt.Errorf("send agent message: %w", err)
	}
	return msg, nil
}

// AddNote stores a private note that customers never see.
func (s *Service) AddNote(ctx context.Context, conversationID uuid.UUID, text string) (*Message, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	msg, err := newMessage(text, Out, AuthorUser)
	if err != nil {
		return nil, err
	}
	msg.AuthorUserID, msg.Private = &p.UserID, true
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		conv, err := lockConversation(ctx, tx, p.OrgID, conversationID)
		if err != nil {
			return err
		}
		msg.OrganizationID, msg.ConversationID = p.OrgID, conv.ID
		if _, err := tx.NewInsert().Model(msg).Returning("created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		return eventlog.Append(ctx, tx, &eventlog.Event{
			OrganizationID: p.OrgID, ConversationID: &conv.ID, MessageID: &msg.ID, ActorUserID: &p.UserID, Type: eventlog.NoteAdded, Private: true,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("add note: %w", err)
	}
	return msg, nil
}

// Assign gives the conversation to a team member, or to nobody.
func (s *Service) Assign(ctx context.Context, conversationID uuid.UUID, userID *uuid.UUID) (*Conversation, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, p, conversationID, func(ctx context.Context, tx bun.Tx, c *Conversation) (*eventlog.Event, error) {
		if userID != nil {
			var ok bool
			err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM users WHERE organization_id = ? AND id = ? AND active AND role IN (?))`,
				p.OrgID, *userID, bun.List(auth.Team)).Scan(ctx, &ok)
			if err != nil {
				return nil, fmt.Errorf("check assignee: %w", err)
			}
			if !ok {
				return nil, apperror.NotFoundf("no active team member with that id")
			}
		}
		c.AssigneeID = userID
		ev := &eventlog.Event{Type: eventlog.ConversationAssigned, Private: true, Payload: eventlog.Payload(map[string]any{"assigneeId": userID})}
		return ev, nil
	}, "assignee_id")
}

// HandOff gives the conversation to humans and schedules the SLA check:
// if no human replies within the organisation's limit, it escalates.
func (s *Service) HandOff(ctx context.Context, conversationID uuid.UUID, reason *string) (*Conversation, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	r := "requested by agent"
	if reason != nil && strings.TrimSpace(*reason) != "" {
		r = strings.TrimSpace(*reason)
		if utf8.RuneCountInString(r) > 500 {
			return nil, apperror.Invalid("reason", "reason must be at most 500 characters")
		}
	}
	return s.HandOffAs(ctx, p, conversationID, r)
}

// HandOffAs hands off on behalf of p (an agent, or the bot's pipeline).
func (s *Service) HandOffAs(ctx context.Context, p *auth.Principal, conversationID uuid.UUID, reason string) (*Conversation, error) {
	var conv *Conversation
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if conv, err = lockConversation(ctx, tx, p.OrgID, conversationID); err != nil {
			return err
		}
		ev, err := HandOffTx(ctx, tx, s.jobs, conv, reason, nil)
		if err != nil {
			return err
		}
		if p.UserID != uuid.Nil {
			ev.ActorUserID = &p.UserID
		}
		return eventlog.Append(ctx, tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	return conv, nil
}

// ReturnToBot gives the conversation back to the bot.
func (s *Service) ReturnToBot(ctx context.Context, conversationID uuid.UUID) (*Conversation, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, p, conversationID, func(ctx context.Context, tx bun.Tx, c *Conversation) (*eventlog.Event, error) {
		c.Owner, c.HandoffReason, c.HandedOffAt, c.Urgent = OwnerBot, "", nil, false
		return &eventlog.Event{Type: eventlog.ReturnedToBot}, nil
	}, "owner", "handoff_reason", "handed_off_at", "urgent")
}

// Close closes the conversation; a new inbound message reopens it.
func (s *Service) Close(ctx context.Context, conversationID uuid.UUID) (*Conversation, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, p, conversationID, func(ctx context.Context, tx bun.Tx, c *Conversation) (*eventlog.Event, error) {
		c.Status = StatusClosed
		// Closing ends the scenario the conversation was in.
		var runs []struct {
			ID       uuid.UUID `bun:"id"`
			Scenario string    `bun:"scenario"`
		}
		err := tx.NewRaw(`UPDATE scenario_runs SET outcome = 'CLOSED', finished_at = now(), updated_at = now()
			WHERE conversation_id = ? AND outcome IS NULL RETURNING id, scenario`, c.ID).Scan(ctx, &runs)
		if err != nil {
			return nil, fmt.Errorf("close scenario run: %w", err)
		}
		for _, r := range runs {
			err := eventlog.Append(ctx, tx, &eventlog.Event{OrganizationID: c.OrganizationID, ConversationID: &c.ID, Type: eventlog.ScenarioFinished, Private: true,
				Payload: eventlog.Payload(map[string]any{"runId": r.ID, "scenario": r.Scenario, "outcome": "CLOSED"})})
			if err != nil {
				return nil, err
			}
		}
		return &eventlog.Event{Type: eventlog.ConversationClosed}, nil
	}, "status")
}

// MarkRead clears the unread count.
func (s *Service) MarkRead(ctx context.Context, conversationID uuid.UUID) (*Conversation, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, p, conversationID, func(ctx context.Context, tx bun.Tx, c *Conversation) (*eventlog.Event, error) {
		c.UnreadCount = 0
		return &eventlog.Event{Type: eventlog.ConversationRead, Private: true}, nil
	}, "unread_count")
}

// change locks a conversation, lets fn modify it, writes the given
// columns back and appends fn's event, all in one transaction.
func (s *Service) change(ctx context.Context, p *auth.Principal, conversationID uuid.UUID,
	fn func(ctx context.Context, tx bun.Tx, c *Conversation) (*eventlog.Event, error), columns ...string,
) (*Conversation, error) {
	var conv *Conversation
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if conv, err = lockConversation(ctx, tx, p.OrgID, conversationID); err != nil {
			return err
		}
		ev, err := fn(ctx, tx, conv)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(conv).Column(columns...).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update conversation: %w", err)
		}
		ev.OrganizationID, ev.ConversationID = p.OrgID, &conv.ID
		if p.UserID != uuid.Nil {
			ev.ActorUserID = &p.UserID
		}
		return eventlog.Append(ctx, tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	return conv, nil
}

// EscalateIfUnanswered is the hand-off SLA check: it marks the conversation
// urgent and records an escalation unless a human has replied since the
// hand-off, or the conversation has moved on (returned to the bot, or
// handed off again). It reports whether it escalated.
func (s *Service) EscalateIfUnanswered(ctx context.Context, args jobs.HandoffSLAArgs) (bool, error) {
	escalated := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		conv, err := lockConversation(ctx, tx, args.OrganizationID, args.ConversationID)
		if errors.Is(err, apperror.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if conv.Owner != OwnerHuman || conv.HandedOffAt == nil || !conv.HandedOffAt.Equal(args.HandedOffAt) {
			return nil
		}
		if conv.LastHumanReplyAt != nil && !conv.LastHumanReplyAt.Before(args.HandedOffAt) {
			return nil
		}
		if conv.Urgent {
			return nil
		}
		conv.Urgent = true
		if _, err := tx.NewUpdate().Model(conv).Column("urgent").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("mark urgent: %w", err)
		}
		escalated = true
		return eventlog.Append(ctx, tx, &eventlog.Event{
			OrganizationID: conv.OrganizationID, ConversationID: &conv.ID, Type: eventlog.Escalated,
			Payload: eventlog.Payload(map[string]any{"reason": "no human reply within the hand-off SLA", "handedOffAt": args.HandedOffAt}),
		})
	})
	if err != nil {
		return false, fmt.Errorf("hand-off sla check: %w", err)
	}
	if escalated {
		s.notify.Notify()
	}
	return escalated, nil
}

func lockConversation(ctx context.Context, tx bun.Tx, orgID, id uuid.UUID) (*Conversation, error) {
	c := new(Conversation)
	err := database.ScanOne(ctx, tx, c, `SELECT conversation.*, ca.kind FROM conversations AS conversation
		JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id
		WHERE conversation.organization_id = $1 AND conversation.id = $2
		FOR NO KEY UPDATE OF conversation`, orgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("conversation not found")
	}
	if err != nil {
		return nil, fmt.Errorf("lock conversation: %w", err)
	}
	return c, nil
}

// OutgoingFile is a file an agent sends, by a public URL the platform
// downloads it from.
type OutgoingFile struct {
	URL      string
	MimeType string
	Name     string
}

// MaxOutgoingFiles is how many files one agent message may carry.
const MaxOutgoingFiles = 10

// outgoingAttachments checks an agent's files: public https URLs (the
// platforms fetch them), a media type, a short name.
func outgoingAttachments(files []OutgoingFile) ([]Attachment, error) {
	if len(files) > MaxOutgoingFiles {
		return nil, apperror.Invalid("attachments", "at most %d attachments", MaxOutgoingFiles)
	}
	out := make([]Attachment, 0, len(files))
	for i, f := range files {
		field := fmt.Sprintf("attachments[%d]", i)
		u, err := url.Parse(strings.TrimSpace(f.URL))
		if err != nil || u.Scheme != "https" || u.Host == "" || len(f.URL) > 2048 {
			return nil, apperror.Invalid(field+".url", "must be a public https URL of at most 2048 characters")
		}
		mt, _, err := mime.ParseMediaType(f.MimeType)
		if err != nil || !strings.Contains(mt, "/") {
			return nil, apperror.Invalid(field+".mimeType", "must be a media type such as image/jpeg")
		}
		name := strings.TrimSpace(f.Name)
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 240 {
			return nil, apperror.Invalid(field+".name", "must be valid UTF-8 of at most 240 characters")
		}
		out = append(out, Attachment{URL: u.String(), MimeType: mt, Name: name})
	}
	return out, nil
}

func newMessage(text string, dir Direction, author Author) (*Message, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, apperror.Invalid("text", "text must not be empty")
	}
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxTextLength {
		return nil, apperror.Invalid("text", "text must be valid UTF-8 of at most %d characters", MaxTextLength)
	}
	return &Message{
		ID: uuid.Must(uuid.NewV7()), Direction: dir, Author: author, Text: text,
		Attachments: []Attachment{}, Buttons: []Button{}, DeliveryStatus: DeliveryNone,
	}, nil
}
