package realtime

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
)

// TestReadUsesIndexes checks every filter's read goes through the index
// that serves it (never a sequential scan of events), from the start of the
// log and from the middle, on a log large enough for the planner to care.
// The planner may still choose a bitmap scan and a small sort when few rows
// remain after the position; that is its call.
func TestReadUsesIndexes(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := t.Context()
	for _, q := range []string{
		`INSERT INTO organizations (id, name, slug) SELECT gen_random_uuid(), 'Org', 'org-' || i FROM generate_series(1, 40) i`,
		`INSERT INTO channel_accounts (id, organization_id, kind, name) SELECT gen_random_uuid(), id, 'WEBCHAT', 'Web' FROM organizations`,
		`INSERT INTO contacts (id, organization_id) SELECT gen_random_uuid(), id FROM organizations`,
		`INSERT INTO users (id, organization_id, email, name, role) SELECT gen_random_uuid(), id, slug || '@example.com', 'Staff', 'EMPLOYEE' FROM organizations`,
		`INSERT INTO conversations (id, organization_id, channel_account_id, contact_id)
		 SELECT gen_random_uuid(), o.id, ca.id, ct.id FROM organizations o
		 JOIN channel_accounts ca ON ca.organization_id = o.id JOIN contacts ct ON ct.organization_id = o.id, generate_series(1, 10)`,
		`INSERT INTO conversations (id, organization_id, channel_account_id, staff_user_id)
		 SELECT gen_random_uuid(), o.id, ca.id, u.id FROM organizations o
		 JOIN channel_accounts ca ON ca.organization_id = o.id JOIN users u ON u.organization_id = o.id`,
	} {
		_, err := db.Bun.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	// Twenty transactions, so txids vary as they do in production.
	for range 20 {
		_, err := db.Bun.ExecContext(ctx, `INSERT INTO events (organization_id, conversation_id, type, private)
			SELECT organization_id, id, 'MESSAGE_RECEIVED', random() < 0.2 FROM conversations, generate_series(1, 10)`)
		require.NoError(t, err)
		_, err = db.Bun.ExecContext(ctx, `INSERT INTO events (organization_id, type) SELECT id, 'ESCALATED' FROM organizations`)
		require.NoError(t, err)
	}
	_, err := db.Bun.ExecContext(ctx, `ANALYZE`)
	require.NoError(t, err)

	var org, conv uuid.UUID
	require.NoError(t, db.Bun.QueryRowContext(ctx, `SELECT organization_id, id FROM conversations LIMIT 1`).Scan(&org, &conv))
	var mid eventlog.Position
	require.NoError(t, db.Bun.QueryRowContext(ctx,
		`SELECT txid::text::bigint, id FROM events ORDER BY txid, id OFFSET 40000 LIMIT 1`).Scan(&mid.TxID, &mid.ID))

	for _, tc := range []struct {
		name  string
		f     *Filter
		index string
	}{
		{"all organizations", nil, "events_log_idx"},
		{"organization", &Filter{OrgID: org}, "events_org_idx"},
		{"visitor", &Filter{OrgID: org, ConversationID: &conv, ExcludePrivate: true}, "events_conversation_idx"},
		{"conversation", &Filter{OrgID: org, ConversationID: &conv}, "events_conversation_idx"},
		{"inbox", &Filter{OrgID: org, ExcludeStaff: true}, "events_org_idx"},
		{"inbox without private", &Filter{OrgID: org, ExcludeStaff: true, ExcludePrivate: true}, "events_org_idx"},
	} {
		for _, after := range []eventlog.Position{{}, mid} {
			var rows *sql.Rows
			var err error
			if tc.f == nil {
				// The dispatcher's read, with the parameters pgx binds.
				rows, err = db.SQL.QueryContext(ctx, "EXPLAIN "+followSQL, strconv.FormatUint(after.TxID, 10), after.ID, pageSize)
			} else {
				query, args := readQuery(*tc.f, after, nil, pageSize)
				rows, err = db.Bun.QueryContext(ctx, "EXPLAIN "+query, args...)
			}
			require.NoError(t, err)
			var lines []string
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				lines = append(lines, line)
			}
			require.NoError(t, rows.Err())
			plan := strings.Join(lines, "\n")
			t.Logf("%s after %v:\n%s", tc.name, after, plan)
			require.Contains(t, plan, tc.index, tc.name)
			require.NotContains(t, plan, "Seq Scan on events", tc.name)
		}
	}
}
