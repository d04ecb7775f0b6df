package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"frontdesk/internal/config"
	"frontdesk/internal/eager"
)

// DefaultE2EDatabaseURL is the end-to-end benchmark's own database: its
// River workers answer every job in it, so it must not hold the ingest
// benchmark's unworked jobs.
const DefaultE2EDatabaseURL = "postgres://postgres@127.0.0.1:5432/frontdesk_bench_e2e?sslmode=disable"

// e2eOptions configures the end-to-end benchmark.
type e2eOptions struct {
	Rate        float64
	Duration    time.Duration
	Drain       time.Duration
	MaxInFlight int
	Warmup      int
	CPUProfile  string
	// Pgbench is pgbench's path for the floor phase ("" looks for it,
	// "none" skips it); FloorClients and FloorDuration configure it.
	Pgbench       string
	FloorClients  string
	FloorDuration time.Duration
	// FloorWritesOnly runs the floor script without its SELECTs.
	FloorWritesOnly bool
	Log             io.Writer
	// noVacuum skips the vacuum before measuring (tests: a fresh database).
	noVacuum bool
}

func (o *e2eOptions) register(fs *flag.FlagSet) {
	fs.Float64Var(&o.Rate, "rate", 300, "signed WhatsApp webhooks per second, open loop, each from a new customer")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "measured duration")
	fs.DurationVar(&o.Drain, "drain", 30*time.Second, "how long to wait for the last replies after the last webhook")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", 2000, "webhooks outstanding at once; beyond it a webhook counts as an error")
	fs.IntVar(&o.Warmup, "warmup", 50, "customers answered before measuring (checks the path end to end)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured run (client, server and fake Graph API) to this file")
	fs.StringVar(&o.Pgbench, "pgbench", "", `pgbench binary for the floor phase (empty: PATH, then /usr/lib/postgresql/*/bin); "none" skips it`)
	fs.StringVar(&o.FloorClients, "floor-clients", "4,8,16", "pgbench clients (-c) of the floor phase's runs, comma-separated; the best run is the floor")
	fs.DurationVar(&o.FloorDuration, "floor-duration", 20*time.Second, "length of each floor run: pgbench running one customer's SQL, with the app stopped")
	fs.BoolVar(&o.FloorWritesOnly, "floor-writes-only", false, "leave every SELECT out of the floor script: the rows and commits alone")
}

func cmdE2E(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := ownDatabase(fs, DefaultE2EDatabaseURL)
	var o e2eOptions
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration+o.Drain+5*time.Minute)
	defer cancel()
	pgbench, err := findPgbench(o.Pgbench)
	if err != nil {
		return err
	}
	if err := d.prepare(ctx, stderr); err != nil {
		return err
	}
	graph := newFakeGraph()
	defer graph.Close()
	s, err := startServer(ctx, serverOptions{DatabaseURL: d.DatabaseURL, Log: d.logger(stderr),
		Configure: func(c *config.Config) { c.MetaGraphURL = graph.URL }})
	if err != nil {
		return err
	}
	defer s.Stop()
	o.Log = stderr
	r, err := runE2E(ctx, s, graph, o)
	if err != nil {
		return err
	}
	if pgbench != "" {
		// The floor runs on the same database with the app stopped, so
		// that pgbench has the machine to itself.
		s.Stop()
		clients, err := parseCounts(o.FloorClients)
		if err != nil {
			return fmt.Errorf("e2e: -floor-clients: %w", err)
		}
		fmt.Fprintf(stderr, "e2e: floor: pgbench -c %s, %s each\n", o.FloorClients, o.FloorDuration)
		f, err := runFloor(ctx, pgbench, d.DatabaseURL, clients, o.FloorDuration, o.FloorWritesOnly)
		if err != nil {
			return err
		}
		f.report(r)
	}
	r.print(stdout)
	return nil
}

// fakeGraph is a local WhatsApp Cloud API: it accepts sends as
// shared/fixtures/channels/whatsapp/send_response.json documents, each
// with a new wamid, and records when each customer's replies arrive.
type fakeGraph struct {
	*httptest.Server
	seq      atomic.Int64
	conns    atomic.Int64
	sends    atomic.Int64
	rejected atomic.Int64

	mu sync.Mutex
	// first and last are the arrival times (unix ns) of each customer's
	// first and latest accepted send; count how many were sent.
	first, last map[string]int64
	// texts are each customer's replies in the order they arrived.
	texts      map[string][]string
	lastReject string
}

func newFakeGraph() *fakeGraph {
	f := &fakeGraph{first: map[string]int64{}, last: map[string]int64{}, texts: map[string][]string{}}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.Start()
	return f
}

// waSend is the part of a Cloud API send request the fake reads.
type waSend struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Text             *struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive *struct {
		Body struct {
			Text string `json:"text"`
		} `json:"body"`
	} `json:"interactive"`
}

func (f *fakeGraph) reject(w http.ResponseWriter, status int, why string) {
	f.rejected.Add(1)
	f.mu.Lock()
	f.lastReject = why
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"OAuthException","code":100,"fbtrace_id":"loadgen"}}`, why)
}

func (f *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now().UnixNano()
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/"+benchWAPhoneNumberID+"/messages") {
		f.reject(w, http.StatusNotFound, fmt.Sprintf("unexpected %s %s", r.Method, r.URL.Path))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+benchWAAccessToken {
		f.reject(w, http.StatusUnauthorized, "bad access token")
		return
	}
	var m waSend
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil || m.To == "" || m.MessagingProduct != "whatsapp" {
		f.reject(w, http.StatusBadRequest, fmt.Sprintf("bad send request (%v)", err))
		return
	}
	text := ""
	switch {
	case m.Text != nil:
		text = m.Text.Body
	case m.Interactive != nil:
		text = m.Interactive.Body.Text
	}
	f.mu.Lock()
	if _, ok := f.first[m.To]; !ok {
		f.first[m.To] = at
	}
	f.last[m.To] = at
	f.texts[m.To] = append(f.texts[m.To], text)
	f.mu.Unlock()
	f.sends.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+%s","wa_id":"%s"}],"messages":[{"id":"wamid.HBgLbG9hZGdlbi1ncmFwaBUCABEYEj%012dAA="}]}`,
		m.To, m.To, f.seq.Add(1))
}

// answered is how many customers got at least one reply.
func (f *fakeGraph) answered() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.first)
}

// replyOf returns a customer's first and last reply times and the
// replies' texts in arrival order.
func (f *fakeGraph) replyOf(waID string) (first, last int64, texts []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first[waID], f.last[waID], f.texts[waID]
}

// backlogSample is the state of the run at one moment.
type backlogSample struct {
	at                time.Duration // since the run's start
	accepted, replied int
}

// runE2E sends signed WhatsApp price questions from new customers
// open-loop at o.Rate through the real webhook handler, lets the app answer
// them (eager run, pipeline, outbox, River's delivery workers) and times
// each from its scheduled send to the first reply the fake Graph API
// accepted for that customer.
func runE2E(ctx context.Context, s *server, graph *fakeGraph, o e2eOptions) (*result, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return nil, errors.New("e2e: -rate and -duration must be positive")
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "e2e: "+format+"\n", args...)
		}
	}
	accountID, url, err := connectWhatsApp(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := setPriceList(ctx, s); err != nil {
		return nil, fmt.Errorf("e2e: price list: %w", err)
	}
	// Earlier runs left their customers waiting for the lead scenario's
	// follow-up timers, and their undelivered replies pointed at a fake
	// Graph API that is gone: such jobs firing now would load this run.
	if err := dropE2EJobs(ctx, s); err != nil {
		return nil, err
	}
	defer func() { _ = dropE2EJobs(context.WithoutCancel(ctx), s) }()
	wh := newWAWebhook(url)
	client := newHTTPClient(30 * time.Second)
	setupStart := time.Now()

	// Warm-up: a few customers, each answered, before measuring. Their
	// wa_ids are above the measured ones'.
	if o.Warmup > 0 {
		// A few at a time: all at once would pass the server's webhook
		// admission limit and be refused with 503.
		var wg sync.WaitGroup
		errs := make(chan error, o.Warmup)
		ids := make([]string, o.Warmup)
		slots := make(chan struct{}, 8)
		for i := range o.Warmup {
			ids[i] = wh.newSenderWaID(9_000_000 + i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				slots <- struct{}{}
				defer func() { <-slots }()
				errs <- wh.post(ctx, client, waText{WaID: ids[i], Name: customerNames[i%len(customerNames)], WAMID: wh.wamid("W", i), Text: priceQuestions[i%len(priceQuestions)]})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				return nil, fmt.Errorf("e2e warm-up: %w", err)
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			missing := 0
			for _, id := range ids {
				if first, _, _ := graph.replyOf(id); first == 0 {
					missing++
				}
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return nil, fmt.Errorf("e2e warm-up: %d of %d customers got no reply at the fake Graph API within 30s (rejected sends: %d)", missing, o.Warmup, graph.rejected.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Dead rows of earlier runs, as in the pipeline benchmark; the
	// account's row most of all: every webhook updates it, and a row with
	// thousands of dead versions slows every statement that reads or locks
	// it. River's finished jobs of earlier runs go too.
	if !o.noVacuum {
		if _, err := s.App.DB.Pool.Exec(ctx, `DELETE FROM river_job WHERE state IN ('completed', 'cancelled', 'discarded') AND finalized_at < now() - interval '1 minute'`); err != nil {
			return nil, fmt.Errorf("e2e: drop finished jobs: %w", err)
		}
		if _, err := s.App.DB.Pool.Exec(ctx, `VACUUM (ANALYZE) `+e2eTables); err != nil {
			return nil, fmt.Errorf("e2e: vacuum before measuring: %w", err)
		}
	}
	setupTook := time.Since(setupStart)
	// Ids are UUIDv7: rows made from here on have ids at or above this one.
	runStart := v7At(time.Now())

	n := int(o.Rate * o.Duration.Seconds())
	waIDs := make([]string, n)
	for i := range n {
		waIDs[i] = wh.newSenderWaID(i)
	}
	sendsBefore := graph.sends.Load()
	connsBefore := graph.conns.Load()
	var eagerBefore eager.Stats
	if s.App.Eager != nil {
		eagerBefore = s.App.Eager.Stats()
	}
	answeredBefore := graph.answered()
	var accepted atomic.Int64

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	waits := startWaitSampler(ctx, s.App.Config.DatabaseURL)
	cpuBefore, _ := cpuTime(os.Getpid())
	pgBefore, pgErr := backendCPU(ctx, s.App.Config.DatabaseURL)
	// The backlog, sampled: webhooks accepted minus customers answered.
	t0 := time.Now()
	var samples []backlogSample
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
				samples = append(samples, backlogSample{at: time.Since(t0), accepted: int(accepted.Load()), replied: graph.answered() - answeredBefore})
			}
		}
	}()
	logf("%d webhooks at %.0f/s", n, o.Rate)
	sent, start := openLoop(ctx, o.Rate, o.Duration, max(1, o.MaxInFlight), func(ctx context.Context, i int) error {
		err := wh.post(ctx, client, waText{WaID: waIDs[i], Name: customerNames[i%len(customerNames)], WAMID: wh.wamid("E", i), Text: priceQuestions[i%len(priceQuestions)]})
		if err == nil {
			accepted.Add(1)
		}
		return err
	})
	sendEnd := time.Now()
	windowSends := graph.sends.Load() - sendsBefore
	windowAnswered := graph.answered() - answeredBefore
	stopSampling()
	<-sampled
	dbWaits := waits.stop()
	// What was still to do when the last webhook was accepted.
	var unprocessed, undelivered int
	if err := s.App.DB.Pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE m.direction = 'IN' AND m.processed_at IS NULL),
		count(*) FILTER (WHERE m.direction = 'OUT' AND m.delivery_status = 'PENDING')
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.id >= $1 AND c.channel_account_id = $2`, runStart, accountID).Scan(&unprocessed, &undelivered); err != nil {
		return nil, fmt.Errorf("e2e: read backlog: %w", err)
	}
	logf("sent; draining (up to %s)", o.Drain)
	var ok []int
	var sendErrs int
	var lastSendErr error
	var lastDone time.Time
	for i, x := range sent {
		if x.err != nil {
			sendErrs++
			lastSendErr = x.err
			continue
		}
		ok = append(ok, i)
		if x.done.After(lastDone) {
			lastDone = x.done
		}
	}
	drainUntil := time.Now().Add(o.Drain)
	for graph.answered()-answeredBefore < len(ok) && time.Now().Before(drainUntil) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	// Then the turns' later replies (the qualifying question): until no
	// reply of this run waits for delivery.
	for time.Now().Before(drainUntil) && ctx.Err() == nil {
		var pending int
		if err := s.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.id >= $1 AND c.channel_account_id = $2 AND m.direction = 'OUT' AND m.delivery_status = 'PENDING'`,
			runStart, accountID).Scan(&pending); err != nil {
			return nil, fmt.Errorf("e2e: read pending replies: %w", err)
		}
		if pending == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cpuAfter, _ := cpuTime(os.Getpid())
	pgAfter, _ := backendCPU(ctx, s.App.Config.DatabaseURL)
	measured := time.Since(start)
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}

	interval := time.Duration(float64(time.Second) / o.Rate)
	var firstLat, lastLat []time.Duration
	replies, missing := 0, 0
	sample := ""
	arrived := make(map[string][]string, len(ok))
	for _, i := range ok {
		first, last, texts := graph.replyOf(waIDs[i])
		if first == 0 {
			missing++
			continue
		}
		scheduled := start.Add(time.Duration(i) * interval).UnixNano()
		firstLat = append(firstLat, time.Duration(first-scheduled))
		lastLat = append(lastLat, time.Duration(last-scheduled))
		replies += len(texts)
		arrived[waIDs[i]] = texts
	}
	// The order the bot wrote its replies in, per customer, against the
	// order they reached the platform.
	outOfOrder := 0
	rows, err := s.App.DB.Pool.Query(ctx, `SELECT ci.external_id, array_agg(m.text ORDER BY m.id)
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		JOIN contact_identities ci ON ci.contact_id = c.contact_id AND ci.channel_account_id = c.channel_account_id
		WHERE m.id >= $1 AND c.channel_account_id = $2 AND m.direction = 'OUT' AND m.author = 'BOT'
		GROUP BY ci.external_id`, runStart, accountID)
	if err != nil {
		return nil, fmt.Errorf("e2e: read replies: %w", err)
	}
	for rows.Next() {
		var waID string
		var written []string
		if err := rows.Scan(&waID, &written); err != nil {
			rows.Close()
			return nil, fmt.Errorf("e2e: read replies: %w", err)
		}
		got, ok := arrived[waID]
		if !ok {
			continue
		}
		if sample == "" {
			sample = strings.Join(written, "\n---\n")
		}
		if len(got) == len(written) && !slices.Equal(got, written) {
			outOfOrder++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("e2e: read replies: %w", err)
	}
	var handedOff int
	if err := s.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM conversations WHERE id >= $1 AND channel_account_id = $2 AND owner <> 'BOT'`,
		runStart, accountID).Scan(&handedOff); err != nil {
		return nil, fmt.Errorf("e2e: count hand-offs: %w", err)
	}

	window := sendEnd.Sub(start)
	fl, ll := summarize(firstLat), summarize(lastLat)
	r := &result{Bench: "e2e"}
	r.add("target_rate", o.Rate, "webhooks/s (each a new customer's price question)")
	if span := lastDone.Sub(start); span > 0 {
		r.add("achieved_inbound_rate", round(float64(len(ok))/span.Seconds(), 1), "webhooks/s (accepted / send span)")
	}
	r.add("webhooks", n, "")
	r.add("accepted", len(ok), "")
	r.add("webhook_errors", sendErrs, "")
	r.add("replies_accepted_per_s", round(float64(windowSends)/window.Seconds(), 1), "sends/s accepted by the Graph API while sending (a turn is 1-2 messages)")
	r.add("customers_answered_per_s", round(float64(windowAnswered)/window.Seconds(), 1), "customers/s whose first reply arrived while sending")
	r.add("customers_answered", len(ok)-missing, "")
	r.add("customers_missing_reply", missing, fmt.Sprintf("(no reply within the %s drain)", o.Drain))
	r.add("replies_total", replies, "(sends accepted for the measured customers)")
	r.add("replies_out_of_order", outOfOrder, "customers whose replies reached the platform in another order than the bot wrote them")
	r.add("handed_off", handedOff, "(conversations of this run given to a person)")
	r.addLatency("reply_", fl)
	r.add("reply_what", "webhook scheduled -> first reply accepted by the Graph API", "")
	r.add("turn_p50_ms", ms(ll.P50), "ms (webhook scheduled -> last reply of the turn accepted)")
	r.add("turn_p99_ms", ms(ll.P99), "ms")
	st := backlogTrend(samples, o.Duration)
	r.add("backlog_end", st.end, "customers (webhook accepted, no reply yet) when the last webhook was accepted")
	r.add("backlog_max", st.max, "customers")
	r.add("backlog_slope", round(st.slope, 1), "customers/s (least squares after the first 20% of the run)")
	r.add("backlog_grew", st.grew, "(slope x window > max(25, rate x 0.25 s): the run did not keep up)")
	r.add("db_unprocessed_at_end", unprocessed, "inbound messages not yet processed when sending ended")
	r.add("db_undelivered_at_end", undelivered, "bot replies PENDING delivery when sending ended")
	if s.App.Eager != nil {
		after := s.App.Eager.Stats()
		r.add("eager_answered", after.Done-eagerBefore.Done, "(messages answered by the eager run)")
		r.add("eager_handed_to_river", after.HandedOver-eagerBefore.HandedOver, "(eager run failed or waited too long; River's worker answered)")
		r.add("eager_slots_full", after.Full-eagerBefore.Full, "(accepted while every eager slot was taken; River's worker answered)")
	}
	r.add("db_waits", dbWaits, "(while sending: share of busy backends' samples, by wait event)")
	r.add("graph_connections_opened", graph.conns.Load()-connsBefore, "(TCP connections the app opened to the Graph API while measuring)")
	r.add("graph_rejected", graph.rejected.Load(), "(malformed sends)")
	if secs := measured.Seconds(); secs > 0 {
		r.add("loadgen_cpu_pct", round(100*float64(cpuAfter-cpuBefore)/float64(measured), 0), "% of one core (client, server, fake Graph API)")
		if pgErr == nil {
			pg := cpuDelta(pgBefore, pgAfter)
			r.add("postgres_cpu_pct", round(100*float64(pg)/float64(measured), 0), "% of one core (backends of this database)")
			if answered := len(ok) - missing; answered > 0 {
				r.add("cpu_ms_per_customer", round(float64(cpuAfter-cpuBefore+pg)/float64(time.Millisecond)/float64(answered), 2),
					"ms (loadgen process and PostgreSQL, per customer answered: webhook, turn, deliveries, client, fake Graph API)")
			}
		}
	}
	r.add("setup_s", round(setupTook.Seconds(), 2), "s (connect, warm-up, vacuum)")
	if sample != "" {
		r.add("sample_turn", sample, "(one customer's replies, as written)")
	}
	if lastSendErr != nil {
		r.add("last_webhook_error", lastSendErr.Error(), "")
	}
	graph.mu.Lock()
	if graph.lastReject != "" {
		r.add("last_graph_reject", graph.lastReject, "")
	}
	graph.mu.Unlock()
	r.check(fmt.Sprintf("sustained at %.0f/s (backlog did not grow)", o.Rate), len(ok) == n && !st.grew)
	r.check("every customer answered", missing == 0 && sendErrs == 0)
	r.check(">= 300 messages/s end to end", o.Rate >= 300 && len(ok) == n && !st.grew && missing == 0)
	return r, nil
}

// parseCounts reads a comma-separated list of positive counts.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// e2eTables are the tables a customer's path writes, vacuumed before
// measuring.
const e2eTables = "channel_accounts, contacts, contact_identities, conversations, messages, message_deliveries, events, scenario_runs, leads, river_job"

// dropE2EJobs deletes the jobs waiting in the e2e database (scenario
// timers, hand-off checks, retried deliveries): each run's customers are
// its own, and nothing of an earlier run should fire during a later one.
func dropE2EJobs(ctx context.Context, s *server) error {
	if _, err := s.App.DB.Pool.Exec(ctx, `DELETE FROM river_job WHERE state IN ('scheduled', 'retryable', 'available')`); err != nil {
		return fmt.Errorf("e2e: drop waiting jobs: %w", err)
	}
	return nil
}

// backlogStats summarises the backlog samples.
type backlogStats struct {
	end, max int
	slope    float64
	grew     bool
}

// backlogTrend fits a line to the backlog (accepted - replied) after the
// first 20% of the run, when it has reached its steady level: a run that
// keeps up has a flat backlog of about rate x latency; one that does not
// adds the difference between the rates every second. It grew when the
// fitted rise over the window exceeds a quarter second of input (at least
// 25 customers).
func backlogTrend(samples []backlogSample, d time.Duration) backlogStats {
	var st backlogStats
	var xs, ys []float64
	for _, s := range samples {
		b := max(0, s.accepted-s.replied)
		st.max = max(st.max, b)
		st.end = b
		if s.at >= d/5 && s.at <= d {
			xs = append(xs, s.at.Seconds())
			ys = append(ys, float64(b))
		}
	}
	if len(xs) < 3 {
		return st
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return st
	}
	st.slope = sxy / sxx
	rise := st.slope * (xs[len(xs)-1] - xs[0])
	rate := float64(samples[len(samples)-1].accepted) / max(samples[len(samples)-1].at.Seconds(), 1e-9)
	st.grew = rise > max(25, rate*0.25)
	return st
}
