package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"frontdesk/internal/database"
)

// The seeded organisation. Its users have no password: loadgen mints their
// tokens with the app's own signer.
const (
	benchSlug      = "loadgen-bench"
	benchPublicKey = "wc_loadgen_bench_key"
	benchAgents    = 10
	// seedLockKey serialises concurrent seeders of one database.
	seedLockKey = 7_361_024_190
)

// DefaultDatabaseURL is the dedicated benchmark database.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/frontdesk_bench?sslmode=disable"

func benchEmail(local string) string { return local + "@loadgen.frontdesk.test" }

// seedOptions sizes the data set.
type seedOptions struct {
	Conversations int
	Messages      int
}

func (o *seedOptions) flags(fs *flag.FlagSet) {
	fs.IntVar(&o.Conversations, "conversations", 10_000, "web chat conversations to seed")
	fs.IntVar(&o.Messages, "messages", 20, "messages per conversation")
}

func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", DefaultDatabaseURL, "PostgreSQL database to create and seed (127.0.0.1 only)")
	var o seedOptions
	o.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	created, took, err := seed(ctx, *dbURL, o, logger(stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "seeded %d conversations x %d messages in %s\n", o.Conversations, o.Messages, took.Round(time.Millisecond))
	} else {
		fmt.Fprintf(stdout, "already seeded (checked in %s)\n", took.Round(time.Millisecond))
	}
	return nil
}

// seed creates the database if needed, migrates it and inserts the data set
// in one transaction, unless the bench organisation already exists. It
// reports whether it inserted anything and how long it took.
func seed(ctx context.Context, dbURL string, o seedOptions, log *slog.Logger) (bool, time.Duration, error) {
	start := time.Now()
	if err := checkLoopbackURL(dbURL); err != nil {
		return false, 0, err
	}
	if o.Conversations < 1 || o.Messages < 1 {
		return false, 0, fmt.Errorf("seed: need at least one conversation and one message each")
	}
	if err := database.EnsureDatabase(ctx, dbURL); err != nil {
		return false, 0, err
	}
	db, err := database.Open(ctx, dbURL, 4)
	if err != nil {
		return false, 0, err
	}
	defer db.Close()
	if err := database.Migrate(ctx, db, log); err != nil {
		return false, 0, fmt.Errorf("migrate: %w", err)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return false, 0, fmt.Errorf("seed: %w", err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, 0, fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, seedLockKey); err != nil {
		return false, 0, fmt.Errorf("seed lock: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organizations WHERE slug = $1)`, benchSlug).Scan(&exists); err != nil {
		return false, 0, fmt.Errorf("seed check: %w", err)
	}
	if exists {
		return false, time.Since(start), nil
	}
	// The rows are consistent by construction: skip the per-row foreign key
	// triggers for this transaction (a dedicated database, as superuser);
	// where that is not allowed, load with them.
	if _, err := tx.Exec(ctx, `SAVEPOINT fk`); err != nil {
		return false, 0, fmt.Errorf("seed: %w", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT fk`); err != nil {
			return false, 0, fmt.Errorf("seed: %w", err)
		}
	}
	if err := insertDataSet(ctx, tx, o); err != nil {
		return false, 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, 0, fmt.Errorf("seed commit: %w", err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE`); err != nil {
		return false, 0, fmt.Errorf("analyze: %w", err)
	}
	return true, time.Since(start), nil
}

// v7At returns a UUIDv7 whose timestamp is t, so ids sort like the seeded
// (past) times do, as they would had the rows been written at t.
func v7At(t time.Time) uuid.UUID {
	u := uuid.Must(uuid.NewV7())
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	return u
}

func b16(u uuid.UUID) [16]byte { return u }

// insertDataSet writes one organisation with users, a web chat channel and
// o.Conversations conversations of o.Messages messages each, with contacts
// and the event log rows the services would have appended. Conversation i's
// last k = i%4 messages are inbound after the bot's last reply, and its
// unread_count is k; last_*_at match its messages.
func insertDataSet(ctx context.Context, tx pgx.Tx, o seedOptions) error {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC().Truncate(time.Microsecond)
	origin := now.Add(-30 * 24 * time.Hour)
	orgID := v7At(origin)
	channelID := v7At(origin)

	if _, err := tx.Exec(ctx, `INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, 'Loadgen Bench', $2, $3)`,
		b16(orgID), benchSlug, origin); err != nil {
		return fmt.Errorf("insert organization: %w", err)
	}
	users := [][]any{}
	addUser := func(local, name, role string) {
		users = append(users, []any{b16(v7At(origin)), b16(orgID), benchEmail(local), name, role, origin, origin})
	}
	addUser("owner", "Bench Owner", "OWNER")
	addUser("admin", "Bench Admin", "ADMIN")
	addUser("manager", "Bench Manager", "MANAGER")
	addUser("employee", "Bench Employee", "EMPLOYEE")
	for i := 1; i <= benchAgents; i++ {
		addUser(fmt.Sprintf("agent%d", i), fmt.Sprintf("Bench Agent %d", i), "AGENT")
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "organization_id", "email", "name", "role", "created_at", "updated_at"}, pgx.CopyFromRows(users)); err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO channel_accounts (id, organization_id, kind, name, public_key, created_at) VALUES ($1, $2, 'WEBCHAT', 'Website chat', $3, $4)`,
		b16(channelID), b16(orgID), benchPublicKey, origin); err != nil {
		return fmt.Errorf("insert channel: %w", err)
	}

	n, per := o.Conversations, o.Messages
	spacing := (29 * 24 * time.Hour) / time.Duration(n)
	contacts := make([][]any, 0, n)
	convs := make([][]any, 0, n)
	msgs := make([][]any, 0, n*per)
	events := make([][]any, 0, n*(per+1))
	for i := range n {
		start := origin.Add(time.Duration(i)*spacing + time.Duration(rng.Int64N(int64(spacing/2)+1)))
		contactID, convID := v7At(start), v7At(start)
		contacts = append(contacts, []any{b16(contactID), b16(orgID), fmt.Sprintf("Visitor %d", i),
			fmt.Sprintf("visitor%d@example.test", i), fmt.Sprintf("+4930%07d", i), "en", start})
		k := min(i%4, per)
		var lastIn, lastOut *time.Time
		at := start
		events = append(events, []any{b16(orgID), b16(convID), nil, "CONVERSATION_OPENED", `{"channel":"WEBCHAT"}`, start})
		for j := range per {
			at = at.Add(30*time.Second + time.Duration(rng.Int64N(int64(2*time.Minute))))
			in := j%2 == 0
			if j == per-k-1 {
				in = false // the bot's last reply, before k unanswered messages
			}
			if j >= per-k {
				in = true
			}
			id := v7At(at)
			t := at
			dir, author, status, typ, text := "OUT", "BOT", "SENT", "MESSAGE_SENT", fmt.Sprintf("Thanks, visitor %d: answer %d.", i, j)
			if in {
				dir, author, status, typ, text = "IN", "CONTACT", "NONE", "MESSAGE_RECEIVED", fmt.Sprintf("Question %d from visitor %d: how much is it?", j, i)
				lastIn = &t
			} else {
				lastOut = &t
			}
			msgs = append(msgs, []any{b16(id), b16(orgID), b16(convID), dir, author, text, status, at})
			events = append(events, []any{b16(orgID), b16(convID), b16(id), typ, `{}`, at})
		}
		status := "OPEN"
		switch i % 10 {
		case 0:
			status = "CLOSED"
		case 1:
			status = "WAITING"
		}
		owner, reason, handedOff := "BOT", "", (*time.Time)(nil)
		if i%3 == 0 {
			owner, reason, handedOff = "HUMAN", "requested by agent", &start
		}
		convs = append(convs, []any{b16(convID), b16(orgID), b16(channelID), b16(contactID), status, owner, reason, handedOff,
			"en", k, lastIn, lastOut, at, start})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"contacts", []string{"id", "organization_id", "name", "email", "phone", "language", "created_at"}, contacts},
		{"conversations", []string{"id", "organization_id", "channel_account_id", "contact_id", "status", "owner", "handoff_reason", "handed_off_at",
			"language", "unread_count", "last_inbound_at", "last_outbound_at", "last_activity_at", "created_at"}, convs},
		{"messages", []string{"id", "organization_id", "conversation_id", "direction", "author", "text", "delivery_status", "created_at"}, msgs},
		{"events", []string{"organization_id", "conversation_id", "message_id", "type", "payload", "occurred_at"}, events},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return nil
}
