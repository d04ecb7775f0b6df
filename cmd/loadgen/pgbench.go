package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// findPgbench resolves the -pgbench flag: "none" is no pgbench (""), a
// path is checked, and empty looks in PATH and then in Debian's
// /usr/lib/postgresql/<version>/bin, newest first.
func findPgbench(flagValue string) (string, error) {
	switch flagValue {
	case "none":
		return "", nil
	case "":
	default:
		if _, err := exec.LookPath(flagValue); err != nil {
			return "", fmt.Errorf("pgbench %q: %w", flagValue, err)
		}
		return flagValue, nil
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	slices.SortFunc(found, func(a, b string) int { return pgVersion(b) - pgVersion(a) })
	if len(found) > 0 {
		return found[0], nil
	}
	return "", errors.New(`pgbench not found: install PostgreSQL's client tools, pass -pgbench PATH, or -pgbench none to skip the comparison`)
}

// pgVersion is the major version in a /usr/lib/postgresql/<v>/bin path.
func pgVersion(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// pgbenchResult is what loadgen reads from pgbench's report.
type pgbenchResult struct {
	TPS          float64
	LatencyAvgMS float64
	Failed       int
	Command      string
	// Latencies are each script's latency, from its scheduled start
	// (pgbench's per-transaction log), when the run had a Rate.
	Latencies []time.Duration
}

var (
	pgbenchTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	pgbenchLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	pgbenchFailed  = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// pgbenchRun is one pgbench run's shape.
type pgbenchRun struct {
	Clients  int
	Duration time.Duration
	// Rate, when positive, runs open loop (-R): scripts start on a
	// schedule at this rate, each latency counted from its scheduled
	// start, and the per-script log is read into Latencies. Scripts that
	// end in the first Skip are left out: pgbench opens its connections
	// as the run starts, and a new backend's first statements load its
	// caches.
	Rate float64
	Skip time.Duration
}

// runPgbench runs script with pgbench against dbURL: no vacuum (-n), the
// run's clients with at most one thread per core, in the simple protocol
// (-M simple: values written into the SQL text, parsed and planned on
// every execution, as bun's statements are). The script goes to keep when
// set, else to a temporary file.
func runPgbench(ctx context.Context, pgbench, dbURL, script, keep string, run pgbenchRun) (*pgbenchResult, error) {
	dir, err := os.MkdirTemp("", "loadgen-pgbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := keep
	if path == "" {
		path = filepath.Join(dir, "script.sql")
	}
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return nil, fmt.Errorf("write pgbench script: %w", err)
	}
	secs := max(1, int(math.Ceil(run.Duration.Seconds())))
	args := []string{"-n", "-M", "simple", "-c", strconv.Itoa(run.Clients), "-j", strconv.Itoa(min(run.Clients, runtime.NumCPU())),
		"-T", strconv.Itoa(secs)}
	logPrefix := filepath.Join(dir, "log")
	if run.Rate > 0 {
		args = append(args, "-R", strconv.FormatFloat(run.Rate, 'f', 1, 64), "-l", "--log-prefix="+logPrefix)
	}
	args = append(args, "-f", path, dbURL)
	cmd := exec.CommandContext(ctx, pgbench, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	shown := append([]string{filepath.Base(pgbench)}, args[:len(args)-1]...)
	if run.Rate > 0 {
		shown = slices.DeleteFunc(shown, func(a string) bool { return strings.HasPrefix(a, "--log-prefix=") })
	}
	res := &pgbenchResult{Command: strings.Join(append(shown, "DBURL"), " ")}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pgbench: %w: %s", err, tail(stderr.String()+out.String(), 1500))
	}
	m := pgbenchTPS.FindStringSubmatch(out.String())
	if m == nil {
		return nil, fmt.Errorf("pgbench: no tps in its report: %s", tail(out.String()+stderr.String(), 1500))
	}
	res.TPS, _ = strconv.ParseFloat(m[1], 64)
	if m := pgbenchLatency.FindStringSubmatch(out.String()); m != nil {
		res.LatencyAvgMS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := pgbenchFailed.FindStringSubmatch(out.String()); m != nil {
		res.Failed, _ = strconv.Atoi(m[1])
	}
	if strings.Contains(stderr.String(), "aborted") {
		return nil, fmt.Errorf("pgbench: a client aborted: %s", tail(stderr.String(), 1500))
	}
	if run.Rate > 0 {
		files, _ := filepath.Glob(logPrefix + ".*")
		var logs [][]byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("pgbench log: %w", err)
			}
			logs = append(logs, b)
		}
		if res.Latencies, err = pgbenchLatencies(logs, run.Skip); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// pgbenchLatencies reads pgbench's per-transaction logs (-l): each line is
// "client_id transaction_no time script_no time_epoch time_us [lag]",
// time in microseconds from the scheduled start under -R, time_epoch and
// time_us when the script ended. Scripts that ended within skip of the
// first one are left out.
func pgbenchLatencies(logs [][]byte, skip time.Duration) ([]time.Duration, error) {
	type entry struct {
		end     time.Time
		latency time.Duration
	}
	var all []entry
	var first time.Time
	for _, l := range logs {
		for line := range strings.Lines(string(l)) {
			f := strings.Fields(line)
			if len(f) < 6 {
				continue
			}
			us, err1 := strconv.ParseFloat(f[2], 64)
			sec, err2 := strconv.ParseInt(f[4], 10, 64)
			usec, err3 := strconv.ParseInt(f[5], 10, 64)
			if err := errors.Join(err1, err2, err3); err != nil {
				return nil, fmt.Errorf("pgbench log line %q: %w", strings.TrimSpace(line), err)
			}
			e := entry{end: time.Unix(sec, usec*1000), latency: time.Duration(us * float64(time.Microsecond))}
			if first.IsZero() || e.end.Before(first) {
				first = e.end
			}
			all = append(all, e)
		}
	}
	out := make([]time.Duration, 0, len(all))
	for _, e := range all {
		if e.end.Sub(first) >= skip {
			out = append(out, e.latency)
		}
	}
	return out, nil
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// notifyShare is the share of inserts after which River sends an insert
// notification: at most one per FetchCooldown per process and queue, so
// at rate inserts a second about 1/(rate*cooldown) of them, all of them
// below that rate.
func notifyShare(cooldown time.Duration, rate float64) float64 {
	if cooldown <= 0 || rate <= 0 {
		return 1
	}
	return min(1, 1/(rate*cooldown.Seconds()))
}

// ingestScriptParams fills the pgbench script.
type ingestScriptParams struct {
	OrgID, AccountID string
	// RepeatShare of the transactions write as one of RepeatSenders
	// existing customers (repeatSenderWaID), the others as a new one.
	RepeatShare   float64
	RepeatSenders int
	// Scheduled inserts the job as the eager mode does (scheduled
	// FallbackAfter ahead, no notification); otherwise it is available and
	// NotifyShare of the transactions send River's insert notification.
	Scheduled   bool
	NotifyShare float64
	// JobVars, when set, keeps the inserted job's row in pgbench variables
	// of this prefix (its id in :<JobVars>id): the end-to-end floor script
	// deletes the job later, as the eager run does.
	JobVars string
}

// uuidV7SQL makes a UUIDv7 in SQL (PostgreSQL 15 has no uuidv7()): the
// app's ids are v7, made in Go, and their time order keeps index inserts
// at the right edge; random v4 ids would make pgbench's inserts slower.
const uuidV7SQL = `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid`

// ingestScript is a pgbench script (simple protocol: values are written
// into the SQL text, as bun does) whose one transaction makes the
// statements one accepted webhook makes, in the same order: what
// conversation.Service.ReceiveFromChannel and River's InsertTx issue, as
// captured with log_statement = 'all' (TestIngestScriptMatchesApp keeps
// them in step with bun's). A new customer's transaction creates the
// contact, its identity and the conversation in one statement; a
// returning customer's finds them, locks the conversation and checks for
// a redelivery. Both then insert the message and its process_message job
// (River's own insert statement), update the conversation and append
// MESSAGE_RECEIVED (with CONVERSATION_OPENED for a new one). The account
// and its credentials are cached by the handler (read at most once a
// second), so they are left out.
// Differences: ids are made by the server (uuidV7SQL) and read back with
// \gset instead of being made by the client, a new contact's id is a
// random literal, and every new customer asks the same question.
func ingestScript(p ingestScriptParams) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	acc, org := p.AccountID, p.OrgID
	w("-- loadgen ingest: one accepted WhatsApp webhook's transaction (generated; see cmd/loadgen/pgbench.go)\n")
	w("\\set r random(1, 1000000)\n")
	w("\\set repeat random(0, %d)\n", max(0, p.RepeatSenders-1))
	w("\\set n random(100000000000000, 999999999999999)\n")
	// A new customer's contact id, written twice in one statement: a
	// literal made of two random numbers (all decimal digits, so valid
	// hex) instead of one the server makes and \gset reads back.
	w("\\set c1 random(10000000, 99999999)\n")
	w("\\set c2 random(100000000000, 999999999999)\n")
	w("BEGIN;\n")
	repeatPPM := int(math.Round(p.RepeatShare * 1e6))
	if p.RepeatSenders < 1 {
		repeatPPM = 0
	}
	w("\\if :r <= %d\n", repeatPPM)
	// A returning customer: the contact and its latest conversation.
	sender := fmt.Sprintf("'%s' || lpad(':repeat', 7, '0')", repeatSenderPrefix)
	w("SELECT pg_advisory_xact_lock(hashtextextended('%s/' || %s, 0));\n", acc, sender)
	w("SELECT contact_id FROM contact_identities WHERE channel_account_id = '%s' AND external_id = %s \\gset\n", acc, sender)
	w("SELECT conversation.*, ca.kind FROM \"conversations\" AS \"conversation\" JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id WHERE (conversation.organization_id = '%s' AND conversation.channel_account_id = '%s' AND conversation.contact_id = ':contact_id') ORDER BY conversation.created_at DESC LIMIT 1 FOR NO KEY UPDATE OF conversation \\gset cv_\n", org, acc)
	// The redelivery check (a conversation opened just now needs none).
	wamid := "wamid.HBgLcGdiZW5jaA:n:client_id:rFQIAEhgUM0FCOEUyRjcwOUMxRDQ0NkIxQgA="
	w("SELECT EXISTS (SELECT \"message\".\"id\", \"message\".\"organization_id\", \"message\".\"conversation_id\", \"message\".\"direction\", \"message\".\"author\", \"message\".\"author_user_id\", \"message\".\"text\", \"message\".\"attachments\", \"message\".\"buttons\", \"message\".\"payload\", \"message\".\"external_id\", \"message\".\"delivery_status\", \"message\".\"private\", \"message\".\"processed_at\", \"message\".\"created_at\" FROM \"messages\" AS \"message\" WHERE (conversation_id = ':cv_id' AND external_id = '%s'));\n", wamid)
	w("\\else\n")
	// A new customer: contact, identity and conversation in one statement.
	ctID := "':c1-0000-7000-8000-:c2'"
	w("SELECT pg_advisory_xact_lock(hashtextextended('%s/8:n', 0));\n", acc)
	w("SELECT contact_id FROM contact_identities WHERE channel_account_id = '%s' AND external_id = '8:n';\n", acc)
	w("WITH \"contact\" AS (INSERT INTO \"contacts\" (\"id\", \"organization_id\", \"name\", \"email\", \"phone\", \"language\", \"opted_out_at\", \"created_at\") VALUES (%s, '%s', 'Анна Петрова', '', '+8:n', '', DEFAULT, DEFAULT) RETURNING \"opted_out_at\", \"created_at\"), "+
		"\"identity\" AS (INSERT INTO contact_identities (id, organization_id, contact_id, channel_account_id, external_id) VALUES (%s, '%s', %s, '%s', '8:n')) "+
		"INSERT INTO \"conversations\" (\"id\", \"organization_id\", \"channel_account_id\", \"contact_id\", \"staff_user_id\", \"status\", \"owner\", \"handoff_reason\", \"handed_off_at\", \"urgent\", \"assignee_id\", \"language\", \"unread_count\", \"last_inbound_at\", \"last_outbound_at\", \"last_human_reply_at\", \"last_activity_at\", \"clarifications\", \"disclosed_at\", \"created_at\") VALUES (%s, '%s', '%s', %s, DEFAULT, 'OPEN', 'BOT', '', DEFAULT, FALSE, DEFAULT, '', 0, DEFAULT, DEFAULT, DEFAULT, DEFAULT, 0, DEFAULT, DEFAULT) RETURNING id, last_activity_at, created_at \\gset cv_\n",
		ctID, org, uuidV7SQL, org, ctID, acc, uuidV7SQL, org, acc, ctID)
	w("\\endif\n")
	// Both: the message, its job. (The account's last inbound time is
	// written after the transaction, at most once a second, and the
	// account itself is read at most once a second: left out.)
	w("INSERT INTO \"messages\" (\"id\", \"organization_id\", \"conversation_id\", \"direction\", \"author\", \"author_user_id\", \"text\", \"attachments\", \"buttons\", \"payload\", \"external_id\", \"delivery_status\", \"private\", \"processed_at\", \"created_at\") VALUES (%s, '%s', ':cv_id', 'IN', 'CONTACT', DEFAULT, 'Сколько стоит таргет?', '[]', '[]', '', '%s', 'NONE', FALSE, DEFAULT, DEFAULT) RETURNING id, created_at \\gset m_\n", uuidV7SQL, org, wamid)
	state, scheduledAt := "available", ""
	if p.Scheduled {
		state, scheduledAt = "scheduled", "clock_timestamp() + interval '10 seconds'"
	}
	end := ";\n"
	if p.JobVars != "" {
		end = " \\gset " + p.JobVars + "\n"
	}
	w("%s%s", riverInsert([]riverJob{{Kind: "process_message", Queue: "messages", MaxAttempts: 8, State: state, ScheduledAt: scheduledAt,
		Args: fmt.Sprintf(`{"message_id": ":m_id", "organization_id": "%s"}`, org)}}, riverReturning), end)
	if !p.Scheduled && p.NotifyShare > 0 {
		ppm := int(math.Round(p.NotifyShare * 1e6))
		w("\\set nt random(1, 1000000)\n\\if :nt <= %d\n", ppm)
		w("%s;\n\\endif\n", riverNotifySQL)
	}
	w("UPDATE \"conversations\" AS \"conversation\" SET status = 'OPEN', unread_count = unread_count + 1, last_inbound_at = ':m_created_at', last_activity_at = ':m_created_at' WHERE (id = ':cv_id');\n")
	received := fmt.Sprintf("('%s', ':cv_id', ':m_id', DEFAULT, 'MESSAGE_RECEIVED', FALSE, '{}')", org)
	w("\\if :r <= %d\n", repeatPPM)
	w("INSERT INTO \"events\" (\"organization_id\", \"conversation_id\", \"message_id\", \"actor_user_id\", \"type\", \"private\", \"payload\") VALUES %s RETURNING id, txid::text::bigint AS txid, occurred_at;\n", received)
	w("\\else\n")
	// A new conversation's opening event goes in with the message's.
	w("INSERT INTO \"events\" (\"organization_id\", \"conversation_id\", \"message_id\", \"actor_user_id\", \"type\", \"private\", \"payload\") VALUES ('%s', ':cv_id', DEFAULT, DEFAULT, 'CONVERSATION_OPENED', FALSE, '{\"channel\":\"WHATSAPP\"}'), %s RETURNING id, txid::text::bigint AS txid, occurred_at;\n", org, received)
	w("\\endif\n")
	w("END;\n")
	return b.String()
}

// riverJob is one row of River's insert (riverInsert).
type riverJob struct {
	Kind, Queue, State string
	MaxAttempts        int
	// Args is the job's JSON; pgbench variables may appear in it.
	Args string
	// ScheduledAt and UniqueKey are SQL expressions: "" is now() (River's
	// zero time), and no unique key.
	ScheduledAt, UniqueKey string
	// UniqueStates is River's bitmask of the states the key is unique in,
	// 0 without a key.
	UniqueStates int
}

// riverInsert is River's JobInsertFastMany (v0.51) on jobs, its arrays
// built in the SQL text, returning the columns of returning. It is one
// line: a pgbench SQL command ends at its line's semicolon.
func riverInsert(jobs []riverJob, returning string) string {
	array := func(typ string, f func(riverJob) string) string {
		items := make([]string, len(jobs))
		for i, j := range jobs {
			items[i] = f(j)
		}
		return "ARRAY[" + strings.Join(items, ", ") + "]::" + typ + "[]"
	}
	literal := func(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }
	const zeroTime = "'0001-01-01 00:00:00+00'"
	return `WITH raw_job_data AS (SELECT unnest(` + array("bigint", func(riverJob) string { return "0" }) + `) AS id, ` +
		`unnest(` + array("jsonb", func(j riverJob) string { return literal(j.Args) }) + `) AS args, ` +
		`unnest(` + array("timestamptz", func(riverJob) string { return zeroTime }) + `) AS created_at, ` +
		`unnest(` + array("text", func(j riverJob) string { return literal(j.Kind) }) + `) AS kind, ` +
		`unnest(` + array("smallint", func(j riverJob) string { return strconv.Itoa(j.MaxAttempts) }) + `) AS max_attempts, ` +
		`unnest(` + array("jsonb", func(riverJob) string { return "'{}'" }) + `) AS metadata, ` +
		`unnest(` + array("smallint", func(riverJob) string { return "1" }) + `) AS priority, ` +
		`unnest(` + array("text", func(j riverJob) string { return literal(j.Queue) }) + `) AS queue, ` +
		`unnest(` + array("timestamptz", func(j riverJob) string { return cmp.Or(j.ScheduledAt, zeroTime) }) + `) AS scheduled_at, ` +
		`unnest(` + array("text", func(j riverJob) string { return literal(j.State) }) + `) AS state, ` +
		`unnest(` + array("text", func(riverJob) string { return "''" }) + `) AS tags, ` +
		`unnest(` + array("bytea", func(j riverJob) string { return cmp.Or(j.UniqueKey, `'\x'`) }) + `) AS unique_key, ` +
		`unnest(` + array("integer", func(j riverJob) string { return strconv.Itoa(j.UniqueStates) }) + `) AS unique_states) ` +
		`INSERT INTO river_job(id, args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags, unique_key, unique_states) SELECT coalesce(nullif(id, 0), nextval('river_job_id_seq'::regclass)), args, coalesce(nullif(created_at, '0001-01-01 00:00:00 +0000'), now()) AS created_at, kind, max_attempts, coalesce(metadata, '{}'::jsonb) AS metadata, priority, queue, coalesce(nullif(scheduled_at, '0001-01-01 00:00:00 +0000'), now()) AS scheduled_at, state::river_job_state, string_to_array(tags, ',')::varchar(255)[], nullif(unique_key, '')::bytea, nullif(unique_states::integer, 0)::bit(8) FROM raw_job_data ` +
		`ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND river_job_state_in_bitmask(unique_states, state) DO UPDATE SET kind = river_job.kind ` +
		`RETURNING ` + returning
}

// riverReturning is what River's insert returns.
const riverReturning = `river_job.id, river_job.args, river_job.attempt, river_job.attempted_at, river_job.attempted_by, river_job.created_at, river_job.errors, river_job.finalized_at, river_job.kind, river_job.max_attempts, river_job.metadata, river_job.priority, river_job.queue, river_job.state, river_job.scheduled_at, river_job.tags, river_job.unique_key, river_job.unique_states, (xmax != 0) AS unique_skipped_as_duplicate`

// riverNotifySQL is River's PGNotifyMany (v0.51) for the messages queue.
const riverNotifySQL = `WITH topic_to_notify AS (SELECT concat(coalesce(NULL::text, current_schema()), '.', 'river_insert'::text) AS topic, unnest('{"{\"queue\": \"messages\"}"}'::text[]) AS payload) SELECT pg_notify(topic_to_notify.topic, topic_to_notify.payload) FROM topic_to_notify`
