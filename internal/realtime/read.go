package realtime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	"frontdesk/internal/eventlog"
)

// Filter selects the events a subscriber receives. The zero value of every
// field but OrgID lets everything through.
type Filter struct {
	// OrgID is the organisation whose events are read; it is required.
	OrgID uuid.UUID
	// ConversationID, when set, keeps only that conversation's events.
	ConversationID *uuid.UUID
	// ExcludePrivate drops private events (notes, assignments): visitors
	// must never see them.
	ExcludePrivate bool
	// ExcludeStaff drops events of staff conversations, which the customer
	// inbox does not show. Events without a conversation are kept.
	ExcludeStaff bool
}

// ErrNoOrganization is returned for a Filter without an OrgID: every read
// and subscription is scoped to one organisation.
var ErrNoOrganization = errors.New("realtime: filter has no organization")

// Match reports whether e passes f. It is the in-memory twin of the SQL
// that ReadAfter builds, and needs e.StaffConversation to be filled in.
func (f Filter) Match(e *eventlog.Event) bool {
	if e.OrganizationID != f.OrgID {
		return false
	}
	if f.ConversationID != nil && (e.ConversationID == nil || *e.ConversationID != *f.ConversationID) {
		return false
	}
	if f.ExcludePrivate && e.Private {
		return false
	}
	if f.ExcludeStaff && e.StaffConversation {
		return false
	}
	return true
}

// ReadAfter returns up to limit events that match f and come after the
// position after, in log order.
//
// Only events of transactions below the statement's horizon (the oldest
// transaction of this database still running, event_horizon() in the
// migrations) are returned: every such
// transaction has ended, so no event can later appear before a position
// this read has passed. The horizon is computed in the same statement as
// the read, from the same snapshot. A short page therefore means "nothing
// more below the horizon", not "nothing more at all": events of
// transactions that committed after an older one that is still open are
// held back until it ends.
//
// Each filter is served by an index: the conversation filter by
// events_conversation_idx, the others by events_org_idx. StaffConversation
// is filled in from the conversation (a primary-key lookup per event).
func ReadAfter(ctx context.Context, db bun.IDB, f Filter, after eventlog.Position, limit int) ([]*eventlog.Event, error) {
	return readEvents(ctx, db, f, after, nil, limit)
}

// readThrough returns up to limit events that match f, after the position
// after and at or before through, in log order. It has no horizon: through
// is a position the dispatcher has published, so every transaction at or
// below it has ended and the events up to it are final. A short page means
// nothing more up to through.
//
// Why not ReadAfter: its horizon comes from the snapshot and the backends'
// status read a moment apart, so it can come out lower on a later read
// than on an earlier one (a transaction of another database that ended in
// between is taken for one of this database's). A catching-up subscriber
// that took such a short page for "caught up" skipped events the
// dispatcher had already published.
func readThrough(ctx context.Context, db bun.IDB, f Filter, after, through eventlog.Position, limit int) ([]*eventlog.Event, error) {
	return readEvents(ctx, db, f, after, &through, limit)
}

func readEvents(ctx context.Context, db bun.IDB, f Filter, after eventlog.Position, through *eventlog.Position, limit int) ([]*eventlog.Event, error) {
	if f.OrgID == uuid.Nil {
		return nil, ErrNoOrganization
	}
	if limit <= 0 {
		return nil, fmt.Errorf("read events: limit %d is not positive", limit)
	}
	query, args := readQuery(f, after, through, limit)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	events := make([]*eventlog.Event, 0, min(limit, 64))
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return events, nil
}

// readQuery builds the read's SQL. Arguments use bun's ? placeholders (bun
// interpolates them); positions and ids travel as text and are cast, which
// keeps uint64 transaction ids away from database/sql's int64 limits.
func readQuery(f Filter, after eventlog.Position, through *eventlog.Position, limit int) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 7)
	b.WriteString(`SELECT e.id, e.txid::text::bigint, e.organization_id, e.conversation_id,
	e.message_id, e.actor_user_id, e.type, e.private, e.payload, e.occurred_at,
	c.staff_user_id IS NOT NULL
FROM events e
LEFT JOIN conversations c ON c.id = e.conversation_id
WHERE (e.txid, e.id) > (?::xid8, ?::bigint)`)
	args = append(args, strconv.FormatUint(after.TxID, 10), strconv.FormatInt(after.ID, 10))
	if through != nil {
		b.WriteString("\n  AND (e.txid, e.id) <= (?::xid8, ?::bigint)")
		args = append(args, strconv.FormatUint(through.TxID, 10), strconv.FormatInt(through.ID, 10))
	} else {
		b.WriteString("\n  AND e.txid < (SELECT event_horizon())")
	}
	if f.ConversationID != nil {
		b.WriteString("\n  AND e.conversation_id = ?::uuid")
		args = append(args, f.ConversationID.String())
	}
	b.WriteString("\n  AND e.organization_id = ?::uuid")
	args = append(args, f.OrgID.String())
	if f.ExcludePrivate {
		b.WriteString("\n  AND NOT e.private")
	}
	if f.ExcludeStaff {
		b.WriteString("\n  AND c.staff_user_id IS NULL")
	}
	b.WriteString("\nORDER BY e.txid, e.id\nLIMIT ?")
	args = append(args, limit)
	return b.String(), args
}

// scanEvent reads one row of readQuery.
func scanEvent(rows *sql.Rows) (*eventlog.Event, error) {
	var (
		e                eventlog.Event
		txid             int64
		conv, msg, actor uuid.NullUUID
		typ              string
		payload          []byte
	)
	err := rows.Scan(&e.ID, &txid, &e.OrganizationID, &conv, &msg, &actor,
		&typ, &e.Private, &payload, &e.OccurredAt, &e.StaffConversation)
	if err != nil {
		return nil, err
	}
	e.TxID = uint64(txid)
	e.Type = eventlog.Type(typ)
	e.Payload = payload
	e.ConversationID = nullable(conv)
	e.MessageID = nullable(msg)
	e.ActorUserID = nullable(actor)
	return &e, nil
}

func nullable(u uuid.NullUUID) *uuid.UUID {
	if !u.Valid {
		return nil
	}
	return &u.UUID
}

// readTail returns the position of the last event below the horizon: the
// point from which a process starts following the log.
func readTail(ctx context.Context, db bun.IDB) (eventlog.Position, error) {
	var (
		txid int64
		id   int64
	)
	err := db.QueryRowContext(ctx, `SELECT txid::text::bigint, id FROM events
WHERE txid < (SELECT event_horizon())
ORDER BY txid DESC, id DESC
LIMIT 1`).Scan(&txid, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return eventlog.Position{}, nil
	}
	if err != nil {
		return eventlog.Position{}, fmt.Errorf("read log tail: %w", err)
	}
	return eventlog.Position{TxID: uint64(txid), ID: id}, nil
}

// followSQL is the dispatcher's read: every organisation's events after a
// position, each with whether it is settled (its transaction is below the
// horizon, so nothing can later commit before it). Rows come in log order,
// so the settled ones form a prefix; an unsettled row after it means events
// are held back behind a transaction still open. Reading both from one
// statement, and so one snapshot, leaves no race between "read up to the
// horizon" and "is anything beyond it".
//
// The cheap bound goes first: below the oldest transaction running
// anywhere in the cluster (the snapshot's xmin) everything is settled. Only
// a row beyond it evaluates event_horizon(), which ignores other databases'
// transactions but reads every backend's status; PostgreSQL evaluates that
// InitPlan on first use, so most reads never pay for it.
//
// It is a fixed text with parameters so pgx prepares it once per
// connection: the dispatcher runs it after every commit, and planning it
// anew each time cost as much as running it.
const followSQL = `SELECT e.id, e.txid::text::bigint, e.organization_id, e.conversation_id,
	e.message_id, e.actor_user_id, e.type, e.private, e.payload, e.occurred_at,
	c.staff_user_id IS NOT NULL,
	e.txid < (SELECT pg_snapshot_xmin(pg_current_snapshot())) OR e.txid < (SELECT event_horizon())
FROM events e
LEFT JOIN conversations c ON c.id = e.conversation_id
WHERE (e.txid, e.id) > ($1::text::xid8, $2::bigint)
ORDER BY e.txid, e.id
LIMIT $3`

// follow returns up to limit settled events after the position, in log
// order, and whether committed events beyond them are held back.
func follow(ctx context.Context, pool *pgxpool.Pool, after eventlog.Position, limit int) (events []*eventlog.Event, held bool, err error) {
	rows, err := pool.Query(ctx, followSQL, pgx.QueryExecModeCacheStatement,
		strconv.FormatUint(after.TxID, 10), after.ID, limit)
	if err != nil {
		return nil, false, fmt.Errorf("follow events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e                eventlog.Event
			txid             int64
			conv, msg, actor uuid.NullUUID
			typ              string
			settled          bool
		)
		if err := rows.Scan(&e.ID, &txid, &e.OrganizationID, &conv, &msg, &actor,
			&typ, &e.Private, &e.Payload, &e.OccurredAt, &e.StaffConversation, &settled); err != nil {
			return nil, false, fmt.Errorf("follow events: %w", err)
		}
		if !settled {
			held = true
			break
		}
		e.TxID = uint64(txid)
		e.Type = eventlog.Type(typ)
		e.ConversationID = nullable(conv)
		e.MessageID = nullable(msg)
		e.ActorUserID = nullable(actor)
		events = append(events, &e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("follow events: %w", err)
	}
	return events, held, nil
}
