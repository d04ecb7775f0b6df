package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// floorScriptParams fills the end-to-end floor script.
type floorScriptParams struct {
	OrgID, AccountID string
	// WritesOnly leaves out every SELECT (the locks, the lookups and the
	// reads that guard the writes): what remains is the rows and the
	// commits alone, a bound for any implementation that keeps them.
	WritesOnly bool
}

// floorScript is a pgbench script whose one run is one customer's whole
// path through the database in the end-to-end benchmark, with no
// application in between: the webhook's transaction (ingestScript's new
// customer, its job scheduled as the eager run inserts it), the turn's
// transaction (scenario 1's first answer: a run, a lead, two replies, six
// events, a follow-up timer and two delivery jobs), then for each reply
// the delivery's four statements (read, claim, recipient, record SENT),
// and last the deletion of the message's and the replies' jobs.
//
// The statements are the app's, as captured with log_statement = 'all',
// values written in. It is a floor, not a copy: it leaves out what the app
// adds on top of the data it must write, that is the organisation's and
// its lead settings' reads in the turn, the realtime hub's notifications
// and reads, River's fetches and the account's last inbound time. So its
// throughput on a machine is the most this design could reach there; with
// WritesOnly, the most any design that writes these rows in these commits
// could. TestE2ERuns checks that one run, either way, leaves the rows one
// answered customer leaves.
func floorScript(p floorScriptParams) string {
	var b strings.Builder
	b.WriteString(ingestScript(ingestScriptParams{OrgID: p.OrgID, AccountID: p.AccountID, Scheduled: true, JobVars: "job_"}))
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	org := p.OrgID
	contact := "':c1-0000-7000-8000-:c2'"
	w("-- the turn\n")
	w("BEGIN;\n")
	w("UPDATE messages AS m SET processed_at = clock_timestamp() WHERE m.organization_id = '%s' AND m.id = ':m_id' AND m.direction = 'IN' AND m.processed_at IS NULL AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id AND e.direction = 'IN' AND e.processed_at IS NULL AND e.id < m.id AND e.created_at > now() - interval '1 minute') RETURNING m.*;\n", org)
	w("SELECT conversation.*, ca.kind FROM conversations AS conversation JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id WHERE conversation.organization_id = '%s' AND conversation.id = ':cv_id' FOR NO KEY UPDATE OF conversation;\n", org)
	w("SELECT * FROM scenario_runs WHERE conversation_id = ':cv_id' AND outcome IS NULL FOR UPDATE;\n")
	w("INSERT INTO \"scenario_runs\" (\"id\", \"organization_id\", \"conversation_id\", \"scenario\", \"state\", \"fields\", \"outcome\", \"version\", \"started_at\", \"updated_at\", \"finished_at\") VALUES (%s, '%s', ':cv_id', 'LEAD_QUALIFICATION', 'qualifying', '{}', DEFAULT, 0, now(), now(), DEFAULT) RETURNING id, started_at, updated_at \\gset run_\n", uuidV7SQL, org)
	w("INSERT INTO \"leads\" AS \"lead\" (\"id\", \"organization_id\", \"conversation_id\", \"contact_id\", \"status\", \"budget_amount\", \"budget_currency\", \"budget_per\", \"need\", \"city\", \"start_date\", \"preferred_contact\", \"channel\", \"created_at\", \"updated_at\") VALUES (%s, '%s', ':cv_id', %s, 'QUALIFYING', DEFAULT, '', '', '', '', DEFAULT, '', 'WHATSAPP', DEFAULT, DEFAULT) "+
		"ON CONFLICT (conversation_id) DO UPDATE SET status = CASE WHEN lead.status IN ('WON', 'LOST') THEN lead.status ELSE EXCLUDED.status END, contact_id = coalesce(EXCLUDED.contact_id, lead.contact_id), budget_amount = coalesce(EXCLUDED.budget_amount, lead.budget_amount), budget_currency = CASE WHEN EXCLUDED.budget_amount IS NULL THEN lead.budget_currency ELSE EXCLUDED.budget_currency END, budget_per = CASE WHEN EXCLUDED.budget_amount IS NULL THEN lead.budget_per ELSE EXCLUDED.budget_per END, need = coalesce(nullif(EXCLUDED.need, ''), lead.need), city = coalesce(nullif(EXCLUDED.city, ''), lead.city), start_date = coalesce(EXCLUDED.start_date, lead.start_date), preferred_contact = coalesce(nullif(EXCLUDED.preferred_contact, ''), lead.preferred_contact), channel = coalesce(nullif(EXCLUDED.channel, ''), lead.channel), updated_at = now() WHERE (lead.organization_id = EXCLUDED.organization_id) RETURNING id \\gset lead_\n",
		uuidV7SQL, org, contact)
	w("UPDATE \"scenario_runs\" AS \"run\" SET \"state\" = 'qualifying', \"fields\" = '{\"fields\":{},\"asked\":\"budget\"}', \"version\" = 1, \"updated_at\" = now() WHERE (\"run\".\"id\" = ':run_id');\n")
	for i, text := range floorReplies {
		w("INSERT INTO \"messages\" (\"id\", \"organization_id\", \"conversation_id\", \"direction\", \"author\", \"author_user_id\", \"text\", \"attachments\", \"buttons\", \"payload\", \"external_id\", \"delivery_status\", \"private\", \"processed_at\", \"created_at\") VALUES (%s, '%s', ':cv_id', 'OUT', 'BOT', DEFAULT, '%s', '[]', '[]', '', DEFAULT, 'PENDING', FALSE, DEFAULT, DEFAULT) RETURNING id, created_at \\gset r%d_\n",
			uuidV7SQL, org, text, i+1)
	}
	w("UPDATE \"conversations\" AS \"conversation\" SET \"clarifications\" = 0, \"disclosed_at\" = now(), \"language\" = 'ru', \"last_outbound_at\" = ':m_created_at', \"last_activity_at\" = ':m_created_at' WHERE (\"conversation\".\"id\" = ':cv_id');\n")
	event := func(message, typ string, private bool, payload string) string {
		return fmt.Sprintf("('%s', ':cv_id', '%s', DEFAULT, '%s', %t, '%s')", org, message, typ, private, payload)
	}
	run := `{"runId":":run_id","scenario":"LEAD_QUALIFICATION","state":"qualifying"}`
	w("INSERT INTO \"events\" (\"organization_id\", \"conversation_id\", \"message_id\", \"actor_user_id\", \"type\", \"private\", \"payload\") VALUES %s RETURNING id, txid::text::bigint AS txid, occurred_at;\n", strings.Join([]string{
		event(":m_id", "MESSAGE_CLASSIFIED", true, `{"Language":"ru","Intent":"price_inquiry","Confidence":0.9997813594985373,"Urgency":"normal","Escalate":false,"Sensitive":null,"CustomerType":"unknown"}`),
		event(":m_id", "SCENARIO_STARTED", true, run),
		event(":m_id", "LEAD_UPDATED", true, `{"leadId":":lead_id","status":"QUALIFYING"}`),
		event(":m_id", "SCENARIO_UPDATED", true, run),
		event(":r1_id", "MESSAGE_SENT", false, `{"author":"BOT"}`),
		event(":r2_id", "MESSAGE_SENT", false, `{"author":"BOT"}`),
	}, ", "))
	// River's insert of the turn's three jobs (the follow-up timer and a
	// delivery per reply), scheduled as the eager run schedules them,
	// each with its unique key; the delivery jobs' ids are kept.
	delivery := func(reply string) riverJob {
		return riverJob{Kind: "deliver_message", Queue: "delivery", MaxAttempts: 25, State: "scheduled", UniqueStates: 245,
			Args:        fmt.Sprintf(`{"message_id": ":%s_id", "organization_id": "%s"}`, reply, org),
			ScheduledAt: "clock_timestamp() + interval '10 seconds'", UniqueKey: fmt.Sprintf("sha256(convert_to('delivery/:%s_id', 'UTF8'))", reply)}
	}
	timer := riverJob{Kind: "scenario_timer", Queue: "default", MaxAttempts: 10, State: "scheduled", UniqueStates: 245,
		Args:        fmt.Sprintf(`{"due": "2030-01-01T00:00:00Z", "run_id": ":run_id", "purpose": "follow_up", "version": 1, "organization_id": "%s"}`, org),
		ScheduledAt: "now() + interval '1 day'", UniqueKey: "sha256(convert_to('timer/:run_id', 'UTF8'))"}
	w("WITH j AS (%s) SELECT string_agg(id::text, ',' ORDER BY id) FILTER (WHERE kind = 'deliver_message') AS deliveries FROM j \\gset turn_\n",
		riverInsert([]riverJob{timer, delivery("r1"), delivery("r2")}, "river_job.id, river_job.kind"))
	w("END;\n")
	for _, r := range []string{"r1", "r2"} {
		w("-- delivery of %s: each statement its own transaction, as the app sends them\n", r)
		w("SELECT message.*, (SELECT d.claimed_at IS NULL AND d.error_reason IS NOT NULL FROM messages e LEFT JOIN message_deliveries d ON d.message_id = e.id WHERE e.conversation_id = message.conversation_id AND e.id < message.id AND e.direction = 'OUT' AND e.delivery_status = 'PENDING' AND e.created_at > message.created_at - make_interval(secs => 600) LIMIT 1) AS earlier_retrying FROM messages AS message WHERE message.organization_id = '%s' AND message.id = ':%s_id';\n", org, r)
		w("WITH m AS (SELECT id, organization_id FROM messages WHERE organization_id = '%s' AND id = ':%s_id' AND delivery_status = 'PENDING' FOR NO KEY UPDATE) INSERT INTO message_deliveries AS d (message_id, organization_id, claimed_at, attempts) SELECT id, organization_id, now(), 1 FROM m ON CONFLICT (message_id) DO UPDATE SET claimed_at = now(), attempts = d.attempts + 1, updated_at = now() WHERE d.claimed_at IS NULL OR d.claimed_at < now() - make_interval(secs => 300) RETURNING d.attempts;\n", org, r)
		w("SELECT conversation.*, ca.kind, ci.id AS ident_id, ci.external_id AS ident_external_id, ci.unreachable_at AS ident_unreachable_at, ci.unreachable_reason AS ident_unreachable_reason, now() AS db_now FROM conversations AS conversation JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id LEFT JOIN LATERAL (SELECT id, external_id, unreachable_at, unreachable_reason FROM contact_identities WHERE channel_account_id = conversation.channel_account_id AND contact_id = conversation.contact_id ORDER BY created_at DESC LIMIT 1) AS ci ON true WHERE conversation.id = ':cv_id';\n")
		wamid := floorWAMIDPrefix + ":" + r + "_id"
		w("WITH m AS (UPDATE messages SET delivery_status = 'SENT', external_id = coalesce('%[1]s', external_id) WHERE id = ':%[2]s_id' AND delivery_status = 'PENDING' RETURNING id, organization_id, conversation_id), "+
			"d AS (UPDATE message_deliveries SET claimed_at = NULL, platform_ids = '{%[1]s}', error_reason = NULL, error_code = NULL, error_message = NULL, updated_at = now() WHERE message_id IN (SELECT id FROM m)) "+
			"INSERT INTO events (organization_id, conversation_id, message_id, type, private, payload) SELECT organization_id, conversation_id, id, 'MESSAGE_DELIVERY_UPDATED', true, '{\"status\": \"SENT\", \"externalIds\": [\"%[1]s\"]}'::jsonb FROM m;\n", wamid, r)
	}
	// The eager run deletes answered jobs in batches of many customers';
	// here one statement per customer deletes its three.
	w("DELETE FROM river_job WHERE id = any('{:job_id,:turn_deliveries}'::bigint[]) AND state != 'running';\n")
	if !p.WritesOnly {
		return b.String()
	}
	// Every read is one line that starts with SELECT; none of them sets a
	// variable a later write needs on the new customer's path.
	var kept strings.Builder
	for line := range strings.Lines(b.String()) {
		if !strings.HasPrefix(line, "SELECT ") {
			kept.WriteString(line)
		}
	}
	return kept.String()
}

// floorWAMIDPrefix starts the platform ids the floor script records for
// its replies, which tell its customers from the app's.
const floorWAMIDPrefix = "wamid.HBgLZmxvb3IVAgARGBI"

// floorReplies are the turn's two replies (scenario 1's answer to a price
// question in Russian), as the bench organisation's bot writes them.
var floorReplies = []string{
	"Я виртуальный помощник компании Loadgen Bench.\nТаргет: от 30 000 ₽ до 90 000 ₽.",
	"Чтобы подготовить точное предложение, задам пару вопросов:\nНа какой бюджет вы рассчитываете?\nРасскажите, что вы ищете?\nКогда хотели бы начать?\nИз какого вы города?\nКак вам удобнее держать связь: телефон, WhatsApp, Telegram или e-mail?",
}

// floorResult is what the floor phase measured: a pgbench run per client
// count.
type floorResult struct {
	runs       []floorRun
	writesOnly bool
}

type floorRun struct {
	clients int
	pgbench *pgbenchResult
}

// best is the run with the highest throughput: the floor is the most the
// machine's PostgreSQL answers, at whatever concurrency suits it.
func (f *floorResult) best() floorRun {
	var b floorRun
	for _, r := range f.runs {
		if b.pgbench == nil || r.pgbench.TPS > b.pgbench.TPS {
			b = r
		}
	}
	return b
}

// runFloor runs floorScript with pgbench on dbURL for d at each client
// count, each after a vacuum, and deletes the jobs a run cut short left
// waiting. Nothing else may use the database meanwhile: stop the app
// first.
func runFloor(ctx context.Context, pgbench, dbURL string, clients []int, d time.Duration, writesOnly bool) (*floorResult, error) {
	if len(clients) == 0 {
		return nil, errors.New("floor: no client count")
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var orgID, accountID string
	if err := conn.QueryRow(ctx, `SELECT ca.organization_id::text, ca.id::text FROM channel_accounts ca JOIN organizations o ON o.id = ca.organization_id
		WHERE o.slug = $1 AND ca.kind = 'WHATSAPP' AND ca.external_id = $2`, benchSlug, benchWAPhoneNumberID).Scan(&orgID, &accountID); err != nil {
		return nil, fmt.Errorf("floor: the bench WhatsApp account: %w", err)
	}
	script := floorScript(floorScriptParams{OrgID: orgID, AccountID: accountID, WritesOnly: writesOnly})
	f := &floorResult{writesOnly: writesOnly}
	for _, c := range clients {
		if _, err = conn.Exec(ctx, `VACUUM (ANALYZE) `+e2eTables); err != nil {
			err = fmt.Errorf("floor: vacuum: %w", err)
			break
		}
		var pb *pgbenchResult
		if pb, err = runPgbench(ctx, pgbench, dbURL, script, "", pgbenchRun{Clients: c, Duration: d}); err != nil {
			break
		}
		f.runs = append(f.runs, floorRun{clients: c, pgbench: pb})
	}
	// A run cut short leaves its customer's jobs scheduled: nothing of
	// the floor's may fire in a later run.
	if _, derr := conn.Exec(context.WithoutCancel(ctx), `DELETE FROM river_job WHERE state IN ('scheduled', 'retryable', 'available')`); derr != nil && err == nil {
		err = fmt.Errorf("floor: drop waiting jobs: %w", derr)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// report adds the floor's figures to the end-to-end result.
func (f *floorResult) report(r *result) {
	b := f.best()
	r.add("pgbench_floor_customers_per_s", round(b.pgbench.TPS, 1), "customers/s (pgbench running one customer's SQL floor per script, app stopped, best of the client counts: the most this machine's PostgreSQL answers end to end)")
	what := "the full script: writes, locks and reads"
	if f.writesOnly {
		what = "writes only: every SELECT left out"
	}
	r.add("pgbench_floor_script", what, "")
	runs := make([]string, len(f.runs))
	failed := 0
	for i, run := range f.runs {
		runs[i] = fmt.Sprintf("-c %d: %.1f/s", run.clients, run.pgbench.TPS)
		failed += run.pgbench.Failed
	}
	r.add("pgbench_floor_runs", strings.Join(runs, ", "), "")
	r.add("pgbench_floor_latency_avg_ms", round(b.pgbench.LatencyAvgMS, 3), "ms per script in the best run (one customer's five commits)")
	r.add("pgbench_floor_failed", failed, "scripts")
	r.add("pgbench_floor_command", b.pgbench.Command, "")
}
