package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// inboxSubscription is what every fan-out socket subscribes to.
const inboxSubscription = `subscription { inboxEvents { id type message { id text } } }`

// fanoutOptions configures the fan-out benchmark.
type fanoutOptions struct {
	N               int
	Events          int
	Interval        time.Duration
	Settle          time.Duration
	Drain           time.Duration
	DialConcurrency int
}

func (o *fanoutOptions) register(fs *flag.FlagSet) {
	fs.IntVar(&o.N, "n", 1000, "subscribed WebSockets")
	fs.IntVar(&o.Events, "events", 20, "visitor messages published")
	fs.DurationVar(&o.Interval, "interval", 500*time.Millisecond, "time between published messages")
	fs.DurationVar(&o.Settle, "settle", time.Second, "wait after the last subscribe before the barrier event")
	fs.DurationVar(&o.Drain, "drain", 10*time.Second, "how long to wait for late deliveries after the last message")
	fs.IntVar(&o.DialConcurrency, "dial-concurrency", 50, "sockets opened at once")
}

func cmdFanout(ctx context.Context, args []string, stdout, stderr io.Writer, clientsOnly bool) error {
	name := "fanout"
	if clientsOnly {
		name = "fanout-clients"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		d  dbFlags
		tf targetFlags
		o  fanoutOptions
	)
	d.register(fs)
	tf.register(fs)
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute+time.Duration(o.Events)*o.Interval+o.Drain)
	defer cancel()
	var t target
	switch {
	case tf.URL != "":
		var err error
		if t, err = tf.external(); err != nil {
			return err
		}
	case clientsOnly:
		return errors.New("fanout-clients needs -url and -token (see `loadgen serve`)")
	default:
		if err := d.prepare(ctx, stderr); err != nil {
			return err
		}
		c, err := spawnServe(ctx, d, stderr)
		if err != nil {
			return err
		}
		defer c.Stop()
		t = c.Target
	}
	r, err := runFanout(ctx, t, o)
	if err != nil {
		return err
	}
	r.print(stdout)
	return nil
}

// wsMessage is a graphql-transport-ws message as loadgen reads it.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// inboxNext is the payload of a `next` for the inbox subscription.
type inboxNext struct {
	Data struct {
		InboxEvents struct {
			Type    string `json:"type"`
			Message *struct {
				Text string `json:"text"`
			} `json:"message"`
		} `json:"inboxEvents"`
	} `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// wsClient is one subscribed socket.
type wsClient struct {
	conn *websocket.Conn
}

// readNext reads until the next `next` message and returns it with its
// arrival time (UnixNano). It answers pings and reports anything else
// (malformed or unexpected) to bad; it fails when the socket or ctx ends.
func (c *wsClient) readNext(ctx context.Context, bad func(raw []byte)) (wsMessage, int64, error) {
	for {
		_, b, err := c.conn.Read(ctx)
		now := time.Now().UnixNano()
		if err != nil {
			return wsMessage{}, now, err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			bad(b)
			continue
		}
		switch m.Type {
		case "next":
			return m, now, nil
		case "ping":
			_ = c.send(ctx, wsMessage{Type: "pong"})
		default:
			bad(b)
		}
	}
}

// dialSubscriber opens a socket, authenticates with token, waits for the
// ack and subscribes to the inbox.
func dialSubscriber(ctx context.Context, wsURL, token string) (*wsClient, error) {
	return dialSubscription(ctx, wsURL, token, inboxSubscription)
}

// dialSubscription opens a socket, authenticates with token, waits for the
// ack and starts the subscription query (operation id "1").
func dialSubscription(ctx context.Context, wsURL, token, query string) (*wsClient, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	c.SetReadLimit(1 << 20)
	w := &wsClient{conn: c}
	fail := func(err error) (*wsClient, error) {
		_ = c.CloseNow()
		return nil, err
	}
	if err := w.send(dctx, wsMessage{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":` + strconv.Quote("Bearer "+token) + `}`)}); err != nil {
		return fail(err)
	}
	for {
		_, b, err := c.Read(dctx)
		if err != nil {
			return fail(fmt.Errorf("wait for ack: %w", err))
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return fail(err)
		}
		if m.Type == "ping" {
			_ = w.send(dctx, wsMessage{Type: "pong"})
			continue
		}
		if m.Type != "connection_ack" {
			return fail(fmt.Errorf("want connection_ack, got %s", b))
		}
		break
	}
	q, _ := json.Marshal(map[string]any{"query": query})
	if err := w.send(dctx, wsMessage{ID: "1", Type: "subscribe", Payload: q}); err != nil {
		return fail(err)
	}
	return w, nil
}

func (w *wsClient) send(ctx context.Context, m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return w.conn.Write(ctx, websocket.MessageText, b)
}

// dialAll opens n subscribed sockets, conc at a time.
func dialAll(ctx context.Context, t target, n, conc int) ([]*wsClient, error) {
	clients := make([]*wsClient, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		failed   int
	)
	sem := make(chan struct{}, max(1, conc))
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dialSubscriber(ctx, t.WSURL, t.AgentToken)
			if err != nil {
				mu.Lock()
				failed++
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	if failed > 0 {
		closeAll(clients)
		return nil, fmt.Errorf("%d of %d sockets failed to subscribe; first error: %w", failed, n, firstErr)
	}
	return clients, nil
}

// closeAll closes every socket with a normal closure, concurrently and
// within a few seconds.
func closeAll(clients []*wsClient) {
	var wg sync.WaitGroup
	for _, c := range clients {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan struct{})
			go func() { _ = c.conn.Close(websocket.StatusNormalClosure, ""); close(done) }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				_ = c.conn.CloseNow()
			}
		}()
	}
	wg.Wait()
}

// fanoutRecorder keeps when each socket received each published message.
type fanoutRecorder struct {
	runID  string
	events int
	// arrivals[socket][seq] is the arrival time in Unix ns, 0 if none.
	arrivals   [][]int64
	sentAt     []atomic.Int64
	firstEvent []atomic.Bool
	ready      atomic.Int64
	dups       atomic.Int64
	errs       atomic.Int64
	closed     atomic.Int64
	lastErr    atomic.Value
}

// readLoop records deliveries on socket i until the socket or ctx ends.
func (r *fanoutRecorder) readLoop(ctx context.Context, i int, c *wsClient) {
	prefix := "lg:" + r.runID + ":"
	for {
		m, now, err := c.readNext(ctx, func(b []byte) {
			r.errs.Add(1)
			r.lastErr.Store(fmt.Sprintf("socket %d: unexpected %.200s", i, b))
		})
		if err != nil {
			if ctx.Err() == nil {
				r.closed.Add(1)
				r.lastErr.Store(fmt.Sprintf("socket %d: %v", i, err))
			}
			return
		}
		if !r.firstEvent[i].Swap(true) {
			r.ready.Add(1)
		}
		var p inboxNext
		if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
			r.errs.Add(1)
			r.lastErr.Store(fmt.Sprintf("socket %d: %.200s", i, m.Payload))
			continue
		}
		msg := p.Data.InboxEvents.Message
		if p.Data.InboxEvents.Type != "MESSAGE_RECEIVED" || msg == nil || !strings.HasPrefix(msg.Text, prefix) {
			continue // the barrier, the pipeline's own events about the message, bot replies
		}
		rest := strings.TrimPrefix(msg.Text, prefix)
		seqText, _, _ := strings.Cut(rest, ":")
		seq, err := strconv.Atoi(seqText)
		if err != nil || seq < 0 || seq >= r.events {
			r.errs.Add(1)
			continue
		}
		if atomic.LoadInt64(&r.arrivals[i][seq]) != 0 {
			r.dups.Add(1)
			continue
		}
		atomic.StoreInt64(&r.arrivals[i][seq], now)
	}
}

// received counts delivered (socket, message) pairs.
func (r *fanoutRecorder) received() int {
	n := 0
	for i := range r.arrivals {
		for j := range r.arrivals[i] {
			if atomic.LoadInt64(&r.arrivals[i][j]) != 0 {
				n++
			}
		}
	}
	return n
}

// gqlClient posts GraphQL operations to one server.
type gqlClient struct {
	c   *http.Client
	url string
}

func (g gqlClient) post(ctx context.Context, token, query string, vars map[string]any, out any) error {
	return post(ctx, g.c, g.url, token, query, vars, out)
}

// visitor is a web chat conversation loadgen writes into.
type visitor struct {
	Token          string
	ConversationID string
}

func (g gqlClient) startWebChat(ctx context.Context, publicKey string) (*visitor, error) {
	var out struct {
		StartWebChat struct {
			Token        string `json:"token"`
			Conversation struct {
				ID string `json:"id"`
			} `json:"conversation"`
		} `json:"startWebChat"`
	}
	err := g.post(ctx, "", `mutation($k: String!) { startWebChat(publicKey: $k, visitorName: "Loadgen visitor") { token conversation { id } } }`,
		map[string]any{"k": publicKey}, &out)
	if err != nil {
		return nil, fmt.Errorf("startWebChat: %w", err)
	}
	return &visitor{Token: out.StartWebChat.Token, ConversationID: out.StartWebChat.Conversation.ID}, nil
}

func (g gqlClient) say(ctx context.Context, v *visitor, text string) error {
	return g.post(ctx, v.Token, `mutation($c: ID!, $t: String!) { sendVisitorMessage(conversationId: $c, text: $t) { id } }`,
		map[string]any{"c": v.ConversationID, "t": text}, nil)
}

// runFanout opens o.N inbox subscriptions, waits until every one has
// received a barrier event (so all are live), then publishes o.Events
// visitor messages open-loop, each carrying its send time, and measures
// the delivery latency of every (message, socket) pair.
func runFanout(ctx context.Context, t target, o fanoutOptions) (*result, error) {
	if o.N < 1 || o.Events < 1 {
		return nil, errors.New("fanout: -n and -events must be positive")
	}
	g := gqlClient{c: newHTTPClient(30 * time.Second), url: t.URL}
	setupStart := time.Now()
	clients, err := dialAll(ctx, t, o.N, o.DialConcurrency)
	if err != nil {
		return nil, err
	}
	dialTook := time.Since(setupStart)
	rec := &fanoutRecorder{runID: strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36), events: o.Events,
		arrivals: make([][]int64, o.N), sentAt: make([]atomic.Int64, o.Events), firstEvent: make([]atomic.Bool, o.N)}
	for i := range rec.arrivals {
		rec.arrivals[i] = make([]int64, o.Events)
	}
	readCtx, stopReading := context.WithCancel(ctx)
	var readers sync.WaitGroup
	for i, c := range clients {
		readers.Add(1)
		go func() { defer readers.Done(); rec.readLoop(readCtx, i, c) }()
	}
	defer func() {
		stopReading()
		closeAll(clients)
		readers.Wait()
	}()

	// Barrier: subscribe has no acknowledgement, so wait until every socket
	// has seen an event (a new conversation, then warm-up messages).
	select {
	case <-time.After(o.Settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	v, err := g.startWebChat(ctx, t.PublicKey)
	if err != nil {
		return nil, err
	}
	barrierDeadline := time.Now().Add(30 * time.Second)
	for attempt := 0; rec.ready.Load() < int64(o.N); attempt++ {
		if time.Now().After(barrierDeadline) {
			return nil, fmt.Errorf("only %d of %d sockets received the barrier event within 30s", rec.ready.Load(), o.N)
		}
		if attempt > 0 && attempt%20 == 0 {
			if err := g.say(ctx, v, "loadgen warm-up"); err != nil {
				return nil, err
			}
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	barrierTook := time.Since(setupStart)

	var statsBefore *procStats
	if t.StatsURL != "" {
		statsBefore, _ = fetchStats(ctx, t.StatsURL, false)
	}

	// Publish on schedule; a slow mutation does not delay the next one.
	var sendLat []time.Duration
	var sendMu sync.Mutex
	var sendErrs atomic.Int64
	var lastSendErr atomic.Value
	samples, _ := openLoop(ctx, 1/o.Interval.Seconds(), time.Duration(o.Events)*o.Interval, o.Events, func(ctx context.Context, seq int) error {
		if seq >= o.Events {
			return nil
		}
		sent := time.Now()
		rec.sentAt[seq].Store(sent.UnixNano())
		err := g.say(ctx, v, fmt.Sprintf("lg:%s:%d:%d", rec.runID, seq, sent.UnixNano()))
		if err != nil {
			sendErrs.Add(1)
			lastSendErr.Store(err.Error())
			return err
		}
		sendMu.Lock()
		sendLat = append(sendLat, time.Since(sent))
		sendMu.Unlock()
		return nil
	})
	_ = samples
	want := o.N * o.Events
	drainUntil := time.Now().Add(o.Drain)
	for rec.received() < want && time.Now().Before(drainUntil) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	var statsAfter *procStats
	if statsBefore != nil {
		statsAfter, _ = fetchStats(ctx, t.StatsURL, false)
	}
	var lat []time.Duration
	perEventMax := make([]time.Duration, o.Events)
	for i := range rec.arrivals {
		for seq := range rec.arrivals[i] {
			at := atomic.LoadInt64(&rec.arrivals[i][seq])
			sent := rec.sentAt[seq].Load()
			if at == 0 || sent == 0 {
				continue
			}
			d := time.Duration(at - sent)
			lat = append(lat, d)
			perEventMax[seq] = max(perEventMax[seq], d)
		}
	}
	got := len(lat)
	sum := summarize(lat)
	lastEvent := summarize(perEventMax)
	ss := summarize(sendLat)
	r := &result{Bench: "fanout"}
	r.add("sockets", o.N, "")
	r.add("events", o.Events, "")
	r.add("interval_ms", ms(o.Interval), "ms")
	r.add("expected_deliveries", want, "")
	r.add("delivered", got, "")
	r.add("missing", want-got, "")
	r.add("duplicates", rec.dups.Load(), "")
	r.add("protocol_errors", rec.errs.Load(), "")
	r.add("sockets_dropped", rec.closed.Load(), "")
	r.add("publish_errors", sendErrs.Load(), "")
	r.addLatency("", sum)
	r.add("last_socket_p50_ms", ms(lastEvent.P50), "ms (per event, slowest socket)")
	r.add("last_socket_max_ms", ms(lastEvent.Max), "ms")
	r.add("publish_p50_ms", ms(ss.P50), "ms (sendVisitorMessage round trip)")
	r.add("publish_max_ms", ms(ss.Max), "ms")
	if statsBefore != nil && statsAfter != nil {
		r.add("server_queries_per_event", round(float64(statsAfter.Total-statsBefore.Total)/float64(o.Events), 1), "(bun statements while publishing / events)")
	}
	r.add("dial_s", round(dialTook.Seconds(), 2), "s (open + subscribe all)")
	r.add("barrier_s", round(barrierTook.Seconds(), 2), "s (until all live)")
	if e, ok := rec.lastErr.Load().(string); ok {
		r.add("last_socket_error", e, "")
	}
	if e, ok := lastSendErr.Load().(string); ok {
		r.add("last_publish_error", e, "")
	}
	r.check("no missing deliveries", want == got)
	return r, nil
}
