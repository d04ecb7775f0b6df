package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"frontdesk/internal/eager"
)

// DefaultPipelineDatabaseURL is the pipeline benchmark's own database: it
// writes thousands of messages per run, which must not grow the query
// benchmark's data set.
const DefaultPipelineDatabaseURL = "postgres://postgres@127.0.0.1:5432/frontdesk_bench_pipeline?sslmode=disable"

// pipelineInboxSubscription is what the pipeline benchmark's inbox socket
// (-subscribe inbox) receives: enough to tell a bot reply or a hand-off
// and its conversation.
const pipelineInboxSubscription = `subscription { inboxEvents { type conversation { id } message { author } } }`

// pipelineVisitorSubscription is what each visitor's socket (-subscribe
// visitor) receives about its own conversation, as the chat widget would.
const pipelineVisitorSubscription = `subscription { conversationEvents(conversationId: %q) { type message { author } } }`

// greetings are messages the bot answers with a greeting and no hand-off,
// so a conversation stays the bot's for the whole run.
var greetings = []string{"hello", "привет", "hola", "bonjour", "hallo", "ciao", "olá", "hi there", "good morning", "здравствуйте"}

// pipelineOptions configures the pipeline benchmark.
type pipelineOptions struct {
	Rate          float64
	Duration      time.Duration
	Conversations int
	MaxInFlight   int
	Drain         time.Duration
	CPUProfile    string
	// Subscribe is where replies are observed: "visitor" (one
	// conversationEvents socket per conversation, as the widget) or
	// "inbox" (one team inboxEvents socket for all).
	Subscribe string
	// ShowSQL prints, before the measured run, every bun statement of one
	// message's round (mutation, pipeline, subscription) to TraceOut.
	ShowSQL  bool
	TraceOut io.Writer
	// databaseURL, when set, is where backend CPU is read from.
	databaseURL string
}

func (o *pipelineOptions) register(fs *flag.FlagSet) {
	fs.Float64Var(&o.Rate, "rate", 100, "visitor messages per second, open loop")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "measured duration")
	fs.IntVar(&o.Conversations, "conversations", 200, "web chat conversations the messages rotate over (one message in flight each)")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", 1000, "sendVisitorMessage requests outstanding at once; beyond it a send counts as an error")
	fs.DurationVar(&o.Drain, "drain", 10*time.Second, "how long to wait for replies after the last message")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured run (client and in-process server) to this file")
	fs.StringVar(&o.Subscribe, "subscribe", "visitor", "how replies are observed: visitor (a conversationEvents socket per conversation, like the widget) or inbox (one team inboxEvents socket)")
	fs.BoolVar(&o.ShowSQL, "show-sql", false, "before measuring, print every bun statement of one message, from the mutation to the reply event")
}

func cmdPipeline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := ownDatabase(fs, DefaultPipelineDatabaseURL)
	var o pipelineOptions
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration+o.Drain+2*time.Minute)
	defer cancel()
	if err := d.prepare(ctx, stderr); err != nil {
		return err
	}
	s, err := startServer(ctx, serverOptions{DatabaseURL: d.DatabaseURL, Log: d.logger(stderr)})
	if err != nil {
		return err
	}
	defer s.Stop()
	o.databaseURL = d.DatabaseURL
	o.TraceOut = stderr
	r, err := runPipeline(ctx, s, o)
	if err != nil {
		return err
	}
	r.print(stdout)
	return nil
}

// pipelineRecorder matches bot replies, as the inbox socket delivers them,
// to the visitor messages they answer. Each conversation has at most one
// message in flight, so the next bot reply in it is that message's.
type pipelineRecorder struct {
	convIndex map[string]int
	// pending[conv] is seq+1 of the message awaiting its reply, 0 if none.
	pending []atomic.Int64
	retired []atomic.Bool
	// idle holds the conversations with no message in flight, oldest first.
	idle chan int

	sentAt, respAt, replyAt []atomic.Int64
	msgID                   []atomic.Value

	replies, unmatched, handoffs, errs, closed atomic.Int64
	lastErr                                    atomic.Value
}

// pipelineEvent is the event of a `next` of either subscription.
type pipelineEvent struct {
	Type         string `json:"type"`
	Conversation *struct {
		ID string `json:"id"`
	} `json:"conversation"`
	Message *struct {
		Author string `json:"author"`
	} `json:"message"`
}

// pipelineNext is the payload of a `next` of either subscription.
type pipelineNext struct {
	Data struct {
		InboxEvents        *pipelineEvent `json:"inboxEvents"`
		ConversationEvents *pipelineEvent `json:"conversationEvents"`
	} `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// readLoop records bot replies and hand-offs until the socket or ctx ends.
// conv is the socket's conversation, or -1 when events name their own.
func (r *pipelineRecorder) readLoop(ctx context.Context, c *wsClient, conv int) {
	for {
		m, now, err := c.readNext(ctx, func(b []byte) {
			r.errs.Add(1)
			r.lastErr.Store(fmt.Sprintf("socket: unexpected %.200s", b))
		})
		if err != nil {
			if ctx.Err() == nil {
				r.closed.Add(1)
				r.lastErr.Store(fmt.Sprintf("socket: %v", err))
			}
			return
		}
		var p pipelineNext
		if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
			r.errs.Add(1)
			r.lastErr.Store(fmt.Sprintf("socket: %.200s", m.Payload))
			continue
		}
		ev := p.Data.InboxEvents
		if ev == nil {
			ev = p.Data.ConversationEvents
		}
		if ev == nil {
			continue
		}
		i := conv
		if i < 0 {
			var ok bool
			if ev.Conversation != nil {
				i, ok = r.convIndex[ev.Conversation.ID]
			}
			if !ok {
				continue // a conversation of another run or of the seed
			}
		}
		switch {
		case ev.Type == "HANDED_OFF":
			// The bot no longer owns it: send nothing more there.
			if !r.retired[i].Swap(true) {
				r.handoffs.Add(1)
			}
		case ev.Type == "MESSAGE_SENT" && ev.Message != nil && ev.Message.Author == "BOT":
			seq := int(r.pending[i].Swap(0)) - 1
			if seq < 0 {
				r.unmatched.Add(1)
				continue
			}
			r.replyAt[seq].Store(now)
			r.replies.Add(1)
			r.idle <- i // never blocks: it holds every conversation
		}
	}
}

// send posts text as conversation i's visitor, as message seq, and
// records when it was sent and when the mutation (and so the inbound
// transaction's commit) returned.
func (r *pipelineRecorder) send(ctx context.Context, g gqlClient, v *visitor, i, seq int, text string) error {
	r.pending[i].Store(int64(seq + 1))
	r.sentAt[seq].Store(time.Now().UnixNano())
	var out struct {
		SendVisitorMessage struct {
			ID string `json:"id"`
		} `json:"sendVisitorMessage"`
	}
	err := g.post(ctx, v.Token, `mutation($c: ID!, $t: String!) { sendVisitorMessage(conversationId: $c, text: $t) { id } }`,
		map[string]any{"c": v.ConversationID, "t": text}, &out)
	if err != nil {
		// Give the conversation back unless a reply came regardless.
		if r.pending[i].CompareAndSwap(int64(seq+1), 0) {
			r.idle <- i
		}
		return err
	}
	r.respAt[seq].Store(time.Now().UnixNano())
	r.msgID[seq].Store(out.SendVisitorMessage.ID)
	return nil
}

// runPipeline starts o.Conversations web chats, subscribes to the inbox,
// greets in each conversation once (warm-up), then sends greetings
// open-loop at o.Rate over the idle conversations, and measures each
// message from its commit to the commit of the bot's reply: as a client
// sees it (mutation response to reply event) and from River's job rows.
func runPipeline(ctx context.Context, s *server, o pipelineOptions) (*result, error) {
	if o.Rate <= 0 || o.Duration <= 0 || o.Conversations < 1 {
		return nil, errors.New("pipeline: -rate, -duration and -conversations must be positive")
	}
	t := s.Target
	g := gqlClient{c: newHTTPClient(30 * time.Second), url: t.URL}
	nConv := o.Conversations
	n := int(o.Rate * o.Duration.Seconds())
	total := nConv + n // seqs [0, nConv) are the warm-up
	rec := &pipelineRecorder{convIndex: make(map[string]int, nConv), pending: make([]atomic.Int64, nConv),
		retired: make([]atomic.Bool, nConv), idle: make(chan int, nConv),
		sentAt: make([]atomic.Int64, total), respAt: make([]atomic.Int64, total), replyAt: make([]atomic.Int64, total),
		msgID: make([]atomic.Value, total)}

	setupStart := time.Now()
	visitors := make([]*visitor, nConv)
	{
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		sem := make(chan struct{}, 16)
		for i := range nConv {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				v, err := g.startWebChat(ctx, t.PublicKey)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					firstErr = cmpErr(firstErr, err)
					return
				}
				visitors[i] = v
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return nil, firstErr
		}
	}
	convIDs := make([]string, nConv)
	for i, v := range visitors {
		rec.convIndex[v.ConversationID] = i
		convIDs[i] = v.ConversationID
	}

	var socks []*wsClient
	if o.Subscribe == "" {
		o.Subscribe = "visitor"
	}
	switch o.Subscribe {
	case "inbox":
		sock, err := dialSubscription(ctx, t.WSURL, t.AgentToken, pipelineInboxSubscription)
		if err != nil {
			return nil, err
		}
		socks = []*wsClient{sock}
	case "visitor":
		socks = make([]*wsClient, nConv)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		sem := make(chan struct{}, 16)
		for i, v := range visitors {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				c, err := dialSubscription(ctx, t.WSURL, v.Token, fmt.Sprintf(pipelineVisitorSubscription, v.ConversationID))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					firstErr = cmpErr(firstErr, err)
					return
				}
				socks[i] = c
			}()
		}
		wg.Wait()
		if firstErr != nil {
			closeAll(socks)
			return nil, firstErr
		}
	default:
		return nil, fmt.Errorf("pipeline: -subscribe must be visitor or inbox, not %q", o.Subscribe)
	}
	readCtx, stopReading := context.WithCancel(ctx)
	var readers sync.WaitGroup
	for i, c := range socks {
		conv := i
		if o.Subscribe == "inbox" {
			conv = -1
		}
		readers.Add(1)
		go func() { defer readers.Done(); rec.readLoop(readCtx, c, conv) }()
	}
	defer func() {
		stopReading()
		closeAll(socks)
		readers.Wait()
	}()

	// Warm-up: one greeting per conversation, a few at a time, each waiting
	// for its reply. The subscription has no acknowledgement, so the first
	// greeting is retried until its reply arrives; every reply puts its
	// conversation in the idle pool.
	waitReply := func(seq int, within time.Duration) bool {
		deadline := time.Now().Add(within)
		for rec.replyAt[seq].Load() == 0 {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return false
			}
			time.Sleep(2 * time.Millisecond)
		}
		return true
	}
	attempts := 0
	for ; attempts < 20 && rec.replyAt[0].Load() == 0; attempts++ {
		if err := rec.send(ctx, g, visitors[0], 0, 0, "hello"); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		waitReply(0, 500*time.Millisecond)
	}
	if rec.replyAt[0].Load() == 0 {
		return nil, errors.New("pipeline: no bot reply reached the subscription within 10s (is River working the messages queue?)")
	}
	{
		var wg sync.WaitGroup
		var warmErrs atomic.Int64
		var warmErr atomic.Value
		sem := make(chan struct{}, 8)
		for i := 1; i < nConv; i++ {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if err := rec.send(ctx, g, visitors[i], i, i, greetings[i%len(greetings)]); err != nil {
					warmErrs.Add(1)
					warmErr.Store(err.Error())
					return
				}
				if !waitReply(i, 10*time.Second) {
					warmErrs.Add(1)
					warmErr.Store(fmt.Sprintf("no reply in conversation %s", visitors[i].ConversationID))
				}
			}()
		}
		wg.Wait()
		if e := warmErrs.Load(); e > 0 {
			return nil, fmt.Errorf("pipeline warm-up: %d of %d conversations failed; last: %v", e, nConv, warmErr.Load())
		}
	}
	if attempts > 1 {
		// Let the replies to the repeated first greeting arrive, so none
		// is taken for a measured message's.
		time.Sleep(time.Second)
	}
	rec.unmatched.Store(0)
	// Earlier runs left dead row versions behind (every message updates
	// its conversation twice, answered jobs are deleted). In production
	// autovacuum clears them; development and CI servers often run with it
	// off, and then each run would be slower than the last.
	if _, err := s.App.DB.Pool.Exec(ctx, `VACUUM (ANALYZE) conversations, messages, events, scenario_runs, river_job`); err != nil {
		return nil, fmt.Errorf("pipeline: vacuum before measuring: %w", err)
	}
	setupTook := time.Since(setupStart)
	if o.ShowSQL && o.TraceOut != nil {
		// One more greeting (not measured), with every statement printed.
		i := <-rec.idle
		seq := i // reuse the warm-up slot of that conversation
		rec.replyAt[seq].Store(0)
		s.Queries.traceOut = o.TraceOut
		s.Queries.traceT0.Store(time.Now().UnixNano())
		fmt.Fprintf(o.TraceOut, "statements of one message (River's own are not bun's and are not shown):\n")
		s.Queries.traceAll.Store(true)
		err := rec.send(ctx, g, visitors[i], i, seq, "hello")
		if err == nil {
			fmt.Fprintf(o.TraceOut, "  mutation returned after %s\n", time.Duration(rec.respAt[seq].Load()-rec.sentAt[seq].Load()).Round(time.Microsecond))
			waitReply(seq, 5*time.Second)
			fmt.Fprintf(o.TraceOut, "  reply event after %s\n", time.Duration(rec.replyAt[seq].Load()-rec.sentAt[seq].Load()).Round(time.Microsecond))
			time.Sleep(200 * time.Millisecond)
		}
		s.Queries.traceAll.Store(false)
		if err != nil {
			return nil, err
		}
	}

	// The measured run.
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
	// With eager processing (the default), the server view is the eager
	// runner's own: from the inbound commit to the reply's commit, as
	// measured around the pipeline's transaction. River's job rows are
	// deleted once a message is answered.
	var eagerMu sync.Mutex
	var eagerTimes []time.Duration
	var eagerBefore eager.Stats
	if s.App.Eager != nil {
		eagerBefore = s.App.Eager.Stats()
		s.App.Eager.Observe(func(d time.Duration) {
			eagerMu.Lock()
			eagerTimes = append(eagerTimes, d)
			eagerMu.Unlock()
		})
	}
	queriesBefore := s.Queries.total.Load()
	cpuBefore, _ := cpuTime(os.Getpid())
	pgBefore, pgErr := backendCPU(ctx, o.dbURL(s))
	var noIdle atomic.Int64
	samples, start := openLoop(ctx, o.Rate, o.Duration, max(1, o.MaxInFlight), func(ctx context.Context, k int) error {
		seq := nConv + k
		for {
			select {
			case i := <-rec.idle:
				if rec.retired[i].Load() {
					continue
				}
				return rec.send(ctx, g, visitors[i], i, seq, greetings[seq%len(greetings)])
			default:
				noIdle.Add(1)
				return errors.New("no idle conversation (every one still awaits a reply): raise -conversations")
			}
		}
	})
	sendEnd := time.Now()
	var ok []int
	var sendErrs int
	var lastSendErr error
	var lastDone time.Time
	for k, x := range samples {
		if x.err != nil {
			sendErrs++
			lastSendErr = x.err
			continue
		}
		ok = append(ok, nConv+k)
		if x.done.After(lastDone) {
			lastDone = x.done
		}
	}
	drainUntil := time.Now().Add(o.Drain)
	answered := func() int {
		c := 0
		for _, seq := range ok {
			if rec.replyAt[seq].Load() != 0 {
				c++
			}
		}
		return c
	}
	for answered() < len(ok) && time.Now().Before(drainUntil) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	cpuAfter, _ := cpuTime(os.Getpid())
	pgAfter, _ := backendCPU(ctx, o.dbURL(s))
	measured := time.Since(start)
	queries := s.Queries.total.Load() - queriesBefore
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}

	// Client view: the mutation returned after the inbound commit; the
	// reply event arrives after the reply's commit, its NOTIFY and the
	// hub's dispatch.
	var e2e, sendToReply, roundTrip []time.Duration
	early := 0
	msgIDs := make(map[string]int, len(ok))
	for _, seq := range ok {
		sent, resp, reply := rec.sentAt[seq].Load(), rec.respAt[seq].Load(), rec.replyAt[seq].Load()
		roundTrip = append(roundTrip, time.Duration(resp-sent))
		if id, _ := rec.msgID[seq].Load().(string); id != "" {
			msgIDs[id] = seq
		}
		if reply == 0 {
			continue
		}
		d := time.Duration(reply - resp)
		if d < 0 {
			early++ // the reply event overtook the mutation's response
			d = 0
		}
		e2e = append(e2e, d)
		sendToReply = append(sendToReply, time.Duration(reply-sent))
	}

	// Server view, from River's rows: created_at is now() of the inbound
	// transaction (its start, a little before its commit); finalized_at is
	// when the worker returned, after the reply's commit. The completer
	// writes them in batches, so wait until every job has finished.
	var server, pickup, work []time.Duration
	var jobs []pipelineJob
	notFinal := 0
	var eagerStats eager.Stats
	if s.App.Eager != nil {
		s.App.Eager.Observe(nil)
		after := s.App.Eager.Stats()
		eagerStats = eager.Stats{Done: after.Done - eagerBefore.Done, HandedOver: after.HandedOver - eagerBefore.HandedOver, Full: after.Full - eagerBefore.Full}
		eagerMu.Lock()
		server = eagerTimes
		eagerMu.Unlock()
	} else {
		var err error
		jobs, notFinal, err = pipelineJobs(ctx, s, msgIDs, 10*time.Second)
		if err != nil {
			return nil, err
		}
		for _, j := range jobs {
			server = append(server, j.finalized.Sub(j.created))
			pickup = append(pickup, j.attempted.Sub(j.created))
			work = append(work, j.finalized.Sub(j.attempted))
		}
	}
	var notBot int
	if err := s.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM conversations WHERE id = ANY($1::uuid[]) AND owner <> 'BOT'`, convIDs).Scan(&notBot); err != nil {
		return nil, fmt.Errorf("check owners: %w", err)
	}

	es, ss, srv := summarize(e2e), summarize(sendToReply), summarize(server)
	rt, pk, wk := summarize(roundTrip), summarize(pickup), summarize(work)
	r := &result{Bench: "pipeline"}
	r.add("target_rate", o.Rate, "msg/s")
	sendSpan := lastDone.Sub(start)
	if sendSpan <= 0 {
		sendSpan = sendEnd.Sub(start)
	}
	r.add("achieved_rate", round(float64(len(ok))/max(sendSpan.Seconds(), 1e-9), 1), "msg/s (accepted sends / send span)")
	r.add("conversations", nConv, "")
	r.add("messages", n, "")
	r.add("sent", len(ok), "")
	r.add("send_errors", sendErrs, "")
	r.add("no_idle_conversation", noIdle.Load(), "")
	r.add("replies", len(e2e), "")
	r.add("missing_replies", len(ok)-len(e2e), "")
	r.add("unmatched_replies", rec.unmatched.Load(), "")
	r.add("handed_off", max(int(rec.handoffs.Load()), notBot), "(conversations no longer BOT-owned)")
	r.add("reply_before_response", early, "(reply event before the mutation's response; counted as 0 ms)")
	r.addLatency("client_", es)
	r.add("subscribe", o.Subscribe, "(where reply events are received)")
	r.add("client_what", "mutation response received -> bot reply event received over the WebSocket (upper bound: adds hub dispatch, field resolution, WebSocket)", "")
	r.add("client_send_to_reply_p50_ms", ms(ss.P50), "ms (mutation sent -> reply event)")
	r.add("client_send_to_reply_p99_ms", ms(ss.P99), "ms")
	r.add("mutation_p50_ms", ms(rt.P50), "ms (sendVisitorMessage round trip)")
	r.add("mutation_p99_ms", ms(rt.P99), "ms")
	r.addLatency("server_", srv)
	if s.App.Eager != nil {
		r.add("server_what", "eager run: inbound transaction committed -> reply transaction committed, in the accepting process", "")
		r.add("eager_answered", eagerStats.Done, "(messages answered by the eager run)")
		r.add("eager_handed_to_river", eagerStats.HandedOver, "(eager run failed or waited too long; River's worker answered)")
		r.add("eager_slots_full", eagerStats.Full, "(accepted while every eager slot was taken; River's worker answered)")
	} else {
		r.add("server_what", "river_job.finalized_at - created_at of process_message: inbound tx start -> worker done after the reply commit", "")
		r.add("server_pickup_p50_ms", ms(pk.P50), "ms (created_at -> attempted_at)")
		r.add("server_pickup_p99_ms", ms(pk.P99), "ms")
		r.add("server_work_p50_ms", ms(wk.P50), "ms (attempted_at -> finalized_at: the pipeline's transaction)")
		r.add("server_work_p99_ms", ms(wk.P99), "ms")
		r.add("jobs_found", len(jobs), "")
		r.add("jobs_not_finalized", notFinal, "")
	}
	if len(ok) > 0 {
		r.add("server_queries_per_message", round(float64(queries)/float64(len(ok)), 1), "(bun statements while measuring / messages: mutation, pipeline, subscription)")
	}
	if secs := measured.Seconds(); secs > 0 {
		r.add("loadgen_cpu_pct", round(100*float64(cpuAfter-cpuBefore)/float64(measured), 0), "% of one core (client + in-process server)")
		if pgErr == nil {
			r.add("postgres_cpu_pct", round(100*float64(cpuDelta(pgBefore, pgAfter))/float64(measured), 0), "% of one core (backends of this database)")
		}
	}
	r.add("setup_s", round(setupTook.Seconds(), 2), "s (start chats, subscribe, warm-up)")
	if e, ok := rec.lastErr.Load().(string); ok {
		r.add("last_socket_error", e, "")
	}
	if lastSendErr != nil {
		r.add("last_send_error", lastSendErr.Error(), "")
	}
	r.check("server p50 <= 10ms", srv.N > 0 && srv.P50 <= 10*time.Millisecond)
	r.check("server p99 <= 50ms", srv.N > 0 && srv.P99 <= 50*time.Millisecond)
	r.check("client p50 <= 10ms", es.N > 0 && es.P50 <= 10*time.Millisecond)
	r.check("client p99 <= 50ms", es.N > 0 && es.P99 <= 50*time.Millisecond)
	answeredAll := sendErrs == 0 && len(e2e) == len(ok) && notBot == 0
	if s.App.Eager == nil {
		answeredAll = answeredAll && len(jobs) == len(ok) && notFinal == 0
	}
	r.check("every message answered by the bot", answeredAll)
	return r, nil
}

// dbURL is the database to read backend CPU from.
func (o pipelineOptions) dbURL(s *server) string {
	if o.databaseURL != "" {
		return o.databaseURL
	}
	return s.App.Config.DatabaseURL
}

// pipelineJob is the timing of one process_message job.
type pipelineJob struct {
	created, attempted, finalized time.Time
}

// pipelineJobs reads the process_message jobs of the given messages,
// waiting up to within for every one to be finalized; it returns the
// finalized ones and how many were not.
func pipelineJobs(ctx context.Context, s *server, msgIDs map[string]int, within time.Duration) ([]pipelineJob, int, error) {
	ids := make([]string, 0, len(msgIDs))
	for id := range msgIDs {
		ids = append(ids, id)
	}
	deadline := time.Now().Add(within)
	for {
		rows, err := s.App.DB.Pool.Query(ctx, `SELECT created_at, attempted_at, finalized_at FROM river_job
			WHERE kind = 'process_message' AND args->>'message_id' = ANY($1::text[])`, ids)
		if err != nil {
			return nil, 0, fmt.Errorf("read jobs: %w", err)
		}
		var jobs []pipelineJob
		notFinal := len(ids)
		for rows.Next() {
			var c time.Time
			var a, f *time.Time
			if err := rows.Scan(&c, &a, &f); err != nil {
				rows.Close()
				return nil, 0, fmt.Errorf("read jobs: %w", err)
			}
			if a != nil && f != nil {
				jobs = append(jobs, pipelineJob{created: c, attempted: *a, finalized: *f})
				notFinal--
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, fmt.Errorf("read jobs: %w", err)
		}
		if notFinal == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return jobs, notFinal, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
