package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/meta"
	"frontdesk/internal/clock"
	"frontdesk/internal/config"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
)

// The accounts setup connects, as the Graph API knows them: the path's id
// and the token that must come with each send.
var graphAccounts = map[string]struct{ id, token string }{
	"WHATSAPP":  {"109876543210987", "EAAG-test-access-token-0123456789"},
	"MESSENGER": {"100200300400500", "EAAG-test-page-token-0123456789"},
	"INSTAGRAM": {"17841400000000001", "IGQV-test-access-token-0123456789"},
}

// jsonShape is the set of keys and JSON types the documented payloads of
// one platform use, learnt from the fixtures themselves: a request may
// leave keys out, but every key it sends must be documented, with the
// documented type.
type jsonShape struct {
	kind   string // object, array, string, number, bool, null
	fields map[string]*jsonShape
	elem   *jsonShape
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	default:
		return "null"
	}
}

// learn merges the keys and types of v into s.
func (s *jsonShape) learn(t *testing.T, path string, v any) *jsonShape {
	t.Helper()
	if s == nil {
		s = &jsonShape{kind: jsonKind(v)}
	}
	require.Equal(t, s.kind, jsonKind(v), "the fixtures disagree on the type of %s", path)
	switch v := v.(type) {
	case map[string]any:
		if s.fields == nil {
			s.fields = map[string]*jsonShape{}
		}
		for k, fv := range v {
			s.fields[k] = s.fields[k].learn(t, path+"."+k, fv)
		}
	case []any:
		for _, e := range v {
			s.elem = s.elem.learn(t, path+"[]", e)
		}
	}
	return s
}

// check lists every key of v the shape does not document and every value
// of another JSON type.
func (s *jsonShape) check(path string, v any) []string {
	if k := jsonKind(v); k != s.kind {
		return []string{fmt.Sprintf("%s is a JSON %s, documented as %s", path, k, s.kind)}
	}
	var problems []string
	switch v := v.(type) {
	case map[string]any:
		for k, fv := range v {
			f, ok := s.fields[k]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.%s is not a documented key", path, k))
				continue
			}
			problems = append(problems, f.check(path+"."+k, fv)...)
		}
	case []any:
		for i, e := range v {
			problems = append(problems, s.elem.check(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
	}
	return problems
}

// sendShape learns the request shape of a platform from its send_*_request
// fixtures, plus extras: keys Meta documents that the fixtures happen not
// to show, written as JSON with a value of the documented type.
func sendShape(t *testing.T, dir string, extras ...string) *jsonShape {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(metaFixtures, dir, "send_*_request.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var s *jsonShape
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(b, &v), f)
		s = s.learn(t, dir, v)
	}
	for _, e := range extras {
		var v any
		require.NoError(t, json.Unmarshal([]byte(e), &v), e)
		s = s.learn(t, dir, v)
	}
	return s
}

// checks collects the problems of one request.
type checks []string

func (c *checks) add(format string, args ...any) { *c = append(*c, fmt.Sprintf(format, args...)) }

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// length checks that s has from 1 to max units of count.
func (c *checks) length(what, s string, max int, count func(string) int) {
	if n := count(s); n < 1 || n > max {
		c.add("%s has %d characters, want 1 to %d: %q", what, n, max, s)
	}
}

func runes(s string) int      { return utf8.RuneCountInString(s) }
func utf16Units(s string) int { return len(utf16.Encode([]rune(s))) }
func utf8Bytes(s string) int  { return len(s) }

var phoneOrWaID = regexp.MustCompile(`^\+?[0-9]{6,20}$`)

// whatsAppLimits checks the values and limits channels.md §2 documents for
// a Cloud API send (WA/messages/text-messages, interactive reply buttons).
func whatsAppLimits(b map[string]any) checks {
	var c checks
	if b["messaging_product"] != "whatsapp" {
		c.add("messaging_product is %v, want whatsapp", b["messaging_product"])
	}
	if b["recipient_type"] != "individual" {
		c.add("recipient_type is %v, want individual", b["recipient_type"])
	}
	if !phoneOrWaID.MatchString(str(b["to"])) {
		c.add("to is %v, want a phone number or wa_id as a string", b["to"])
	}
	if r, ok := b["biz_opaque_callback_data"]; ok {
		c.length("biz_opaque_callback_data", str(r), 512, runes)
	}
	switch b["type"] {
	case "text":
		if _, ok := b["interactive"]; ok {
			c.add("a text message carries interactive")
		}
		c.length("text.body", str(obj(b["text"])["body"]), 4096, runes)
	case "interactive":
		if _, ok := b["text"]; ok {
			c.add("an interactive message carries text")
		}
		in := obj(b["interactive"])
		if in["type"] != "button" {
			c.add("interactive.type is %v, want button (reply buttons)", in["type"])
		}
		c.length("interactive.body.text", str(obj(in["body"])["text"]), 1024, runes)
		if f, ok := in["footer"]; ok {
			c.length("interactive.footer.text", str(obj(f)["text"]), 60, runes)
		}
		buttons, _ := obj(in["action"])["buttons"].([]any)
		if len(buttons) < 1 || len(buttons) > 3 {
			c.add("%d reply buttons, want 1 to 3", len(buttons))
		}
		ids, titles := map[string]bool{}, map[string]bool{}
		for i, v := range buttons {
			btn := obj(v)
			if btn["type"] != "reply" {
				c.add("button %d has type %v, want reply", i, btn["type"])
			}
			r := obj(btn["reply"])
			id, title := str(r["id"]), str(r["title"])
			c.length(fmt.Sprintf("button %d reply.id", i), id, 256, runes)
			c.length(fmt.Sprintf("button %d reply.title", i), title, 20, runes)
			if ids[id] || titles[title] {
				c.add("button %d repeats an id or a title", i)
			}
			ids[id], titles[title] = true, true
		}
	default:
		c.add("type is %v, want text or interactive", b["type"])
	}
	return c
}

// messagingLimits checks the values and limits channels.md §3-4 document
// for a Messenger or Instagram Send API request.
func messagingLimits(kind string) func(b map[string]any) checks {
	return func(b map[string]any) checks {
		var c checks
		if !regexp.MustCompile(`^[0-9]{5,30}$`).MatchString(str(obj(b["recipient"])["id"])) {
			c.add("recipient.id is %v, want the customer's scoped id as a string", obj(b["recipient"])["id"])
		}
		mt, hasType := b["messaging_type"]
		switch {
		case !hasType && kind == "MESSENGER":
			c.add("Messenger needs messaging_type")
		case hasType && !slices.Contains([]any{"RESPONSE", "UPDATE", "MESSAGE_TAG"}, mt):
			c.add("messaging_type is %v", mt)
		}
		tag, hasTag := b["tag"]
		if hasTag != (mt == "MESSAGE_TAG") {
			c.add("tag %v with messaging_type %v: a tag goes with MESSAGE_TAG only, and MESSAGE_TAG needs one", tag, mt)
		}
		if hasTag && tag != "HUMAN_AGENT" {
			c.add("tag is %v, want HUMAN_AGENT", tag)
		}
		m := obj(b["message"])
		if kind == "INSTAGRAM" {
			c.length("message.text", str(m["text"]), 1000, utf8Bytes) // UTF-8 bytes
		} else {
			c.length("message.text", str(m["text"]), 1999, utf16Units) // under 2000
		}
		if md, ok := m["metadata"]; ok {
			c.length("message.metadata", str(md), 1000, runes)
		}
		qrs, hasQRs := m["quick_replies"].([]any)
		if hasQRs && (len(qrs) < 1 || len(qrs) > 13) {
			c.add("%d quick replies, want 1 to 13", len(qrs))
		}
		for i, v := range qrs {
			q := obj(v)
			if q["content_type"] != "text" {
				c.add("quick reply %d has content_type %v, want text", i, q["content_type"])
			}
			c.length(fmt.Sprintf("quick reply %d title", i), str(q["title"]), 20, runes)
			c.length(fmt.Sprintf("quick reply %d payload", i), str(q["payload"]), 1000, runes)
		}
		return c
	}
}

// graphSent is one message the fake Graph API accepted.
type graphSent struct {
	Kind string
	To   string
	// ID is the platform id the fake answered with.
	ID      string
	Text    string
	Tag     string
	Choices []choice // reply buttons or quick replies, in order
}

type choice struct{ ID, Title string }

// graphAccount is what the fake knows of one connected account.
type graphAccount struct {
	kind, token string
	shape       *jsonShape
	limits      func(map[string]any) checks
	// response is the platform's send_response.json.
	response map[string]any
}

// fakeGraph answers the Graph API's send endpoint as the fixtures document
// and checks every request against the send fixtures as it goes. For
// Messenger it also sends back the message_echoes webhook Meta sends for
// every message a page sends, with our metadata.
type fakeGraph struct {
	*httptest.Server
	t        *testing.T
	accounts map[string]*graphAccount // by the path's id

	mu   sync.Mutex
	sent []graphSent
	// echoTo is the Messenger account's webhook URL, once it is connected.
	echoTo string
	echoes sync.WaitGroup
}

func newFakeGraph(t *testing.T) *fakeGraph {
	f := &fakeGraph{t: t, accounts: map[string]*graphAccount{}}
	for kind, dir := range map[string]string{"WHATSAPP": "whatsapp", "MESSENGER": "messenger", "INSTAGRAM": "instagram"} {
		a := &graphAccount{kind: kind, token: graphAccounts[kind].token, response: fixtureJSON(t, dir+"/send_response.json")}
		switch kind {
		case "WHATSAPP":
			// biz_opaque_callback_data: "an arbitrary string, up to 512
			// characters", echoed in status webhooks (WA/messages).
			a.shape, a.limits = sendShape(t, dir, `{"biz_opaque_callback_data": ""}`), whatsAppLimits
		case "MESSENGER":
			// message.metadata: "custom string that is delivered as a
			// message echo", up to 1000 characters (MSG/reference/send-api).
			a.shape, a.limits = sendShape(t, dir, `{"message": {"metadata": ""}}`), messagingLimits(kind)
		default:
			a.shape, a.limits = sendShape(t, dir), messagingLimits(kind)
		}
		f.accounts[graphAccounts[kind].id] = a
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{version}/{id}/messages", f.send)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected Graph API call %s %s", r.Method, r.URL.Path)
		graphError(w, http.StatusNotFound, 803, "Some of the aliases you requested do not exist")
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	// Echoes still on their way when a test fails are waited for before
	// the test ends.
	t.Cleanup(f.echoes.Wait)
	return f
}

// graphError answers as Graph does when it refuses a request.
func graphError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": fmt.Sprintf("(#%d) %s", code, message), "type": "OAuthException", "code": code, "fbtrace_id": "AfakeGraphTrace",
	}})
	_, _ = w.Write(b)
}

func (f *fakeGraph) send(w http.ResponseWriter, r *http.Request) {
	t := f.t
	a, ok := f.accounts[r.PathValue("id")]
	switch {
	case r.PathValue("version") != meta.DefaultVersion:
		t.Errorf("send to Graph version %q, want %s", r.PathValue("version"), meta.DefaultVersion)
		graphError(w, http.StatusBadRequest, 2635, "unknown version")
		return
	case !ok:
		t.Errorf("send from an unknown account: %s", r.URL.Path)
		graphError(w, http.StatusBadRequest, 100, "Unsupported post request")
		return
	case r.Header.Get("Authorization") != "Bearer "+a.token:
		t.Errorf("%s send with Authorization %q", a.kind, r.Header.Get("Authorization"))
		graphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token")
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		t.Errorf("%s send with Content-Type %q", a.kind, r.Header.Get("Content-Type"))
		graphError(w, http.StatusBadRequest, 100, "Invalid parameter")
		return
	}
	var body map[string]any
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&body); err != nil || dec.More() {
		t.Errorf("%s send: the body is not one JSON object: %v", a.kind, err)
		graphError(w, http.StatusBadRequest, 100, "Invalid parameter")
		return
	}
	problems := append(a.shape.check(strings.ToLower(a.kind), body), a.limits(body)...)
	if len(problems) > 0 {
		raw, _ := json.Marshal(body)
		t.Errorf("%s send does not match the documented payload:\n  %s\nbody: %s", a.kind, strings.Join(problems, "\n  "), raw)
		graphError(w, http.StatusBadRequest, 100, "Invalid parameter")
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	s := graphSent{Kind: a.kind}
	resp := clone(t, a.response)
	n := len(f.sent) + 1
	if a.kind == "WHATSAPP" {
		s.To = str(body["to"])
		s.ID = fmt.Sprintf("wamid.TESTout%04d", n)
		s.Text = str(obj(body["text"])["body"])
		if in := obj(body["interactive"]); in != nil {
			s.Text = str(obj(in["body"])["text"])
			buttons, _ := obj(in["action"])["buttons"].([]any)
			for _, b := range buttons {
				reply := obj(obj(b)["reply"])
				s.Choices = append(s.Choices, choice{ID: str(reply["id"]), Title: str(reply["title"])})
			}
		}
		contact := obj(resp["contacts"].([]any)[0])
		contact["input"], contact["wa_id"] = s.To, strings.TrimPrefix(s.To, "+")
		obj(resp["messages"].([]any)[0])["id"] = s.ID
	} else {
		s.To = str(obj(body["recipient"])["id"])
		s.ID = fmt.Sprintf("m_TESTout%04d", n)
		s.Tag = str(body["tag"])
		m := obj(body["message"])
		s.Text = str(m["text"])
		qrs, _ := m["quick_replies"].([]any)
		for _, q := range qrs {
			s.Choices = append(s.Choices, choice{ID: str(obj(q)["payload"]), Title: str(obj(q)["title"])})
		}
		resp["recipient_id"], resp["message_id"] = s.To, s.ID
		if a.kind == "MESSENGER" && f.echoTo != "" {
			f.echo(s, str(m["metadata"]))
		}
	}
	f.sent = append(f.sent, s)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// echo posts, a moment later, the message_echoes webhook Meta sends for a
// page's message; our metadata comes back in it.
func (f *fakeGraph) echo(s graphSent, metadata string) {
	root := fixtureJSON(f.t, "messenger/text_message.json")
	entry := obj(root["entry"].([]any)[0])
	item := obj(entry["messaging"].([]any)[0])
	now := json.Number(strconv.FormatInt(time.Now().UnixMilli(), 10))
	entry["time"], item["timestamp"] = now, now
	item["sender"], item["recipient"] = map[string]any{"id": graphAccounts["MESSENGER"].id}, map[string]any{"id": s.To}
	msg := map[string]any{"mid": s.ID, "text": s.Text, "is_echo": true, "app_id": json.Number("263902037430900")}
	if metadata != "" {
		msg["metadata"] = metadata
	}
	item["message"] = msg
	body, url := metaBody(f.t, root), f.echoTo
	f.echoes.Add(1)
	go func() {
		defer f.echoes.Done()
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			f.t.Errorf("echo: %v", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", sign(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			f.t.Errorf("echo: %v", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			f.t.Errorf("echo answered %d", resp.StatusCode)
		}
	}()
}

func (f *fakeGraph) allSent() []graphSent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

func (f *fakeGraph) setEchoTo(url string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.echoTo = url
}

// fixtureJSON decodes a Meta fixture keeping its numbers as they are
// written (millisecond timestamps, app ids).
func fixtureJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(metaFixtures, name))
	require.NoError(t, err)
	return decodeNumbers(t, b)
}

func decodeNumbers(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	return m
}

func clone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return decodeNumbers(t, b)
}

// metaBody encodes a webhook payload the way Meta writes it (and the
// fixtures store it): compact, non-ASCII escaped as lowercase \uXXXX, "/"
// as "\/".
func metaBody(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	var out strings.Builder
	for _, r := range strings.TrimSuffix(buf.String(), "\n") {
		switch {
		case r == '/':
			out.WriteString(`\/`)
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		default:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&out, `\u%04x`, u)
			}
		}
	}
	return []byte(out.String())
}

// metaCustomer writes to one account the way the platform's webhooks do,
// starting from the inbound fixtures.
type metaCustomer struct {
	t    *testing.T
	kind string
	id   string // wa_id, PSID or IGSID
	n    int
}

// message is a webhook with one customer message built by fill from the
// fixture file.
func (c *metaCustomer) message(file string, fill func(msg map[string]any)) []byte {
	c.t.Helper()
	c.n++
	root := fixtureJSON(c.t, strings.ToLower(c.kind)+"/"+file)
	entry := obj(root["entry"].([]any)[0])
	if c.kind == "WHATSAPP" {
		value := obj(obj(entry["changes"].([]any)[0])["value"])
		contact := obj(value["contacts"].([]any)[0])
		contact["wa_id"], contact["profile"] = c.id, map[string]any{"name": "Олег Смирнов"}
		msg := obj(value["messages"].([]any)[0])
		msg["from"] = c.id
		msg["id"] = fmt.Sprintf("wamid.TESTin%s%04d", c.id, c.n)
		msg["timestamp"] = strconv.FormatInt(time.Now().Unix(), 10) // a string of seconds
		fill(msg)
		return metaBody(c.t, root)
	}
	item := obj(entry["messaging"].([]any)[0])
	now := json.Number(strconv.FormatInt(time.Now().UnixMilli(), 10))
	entry["time"], item["timestamp"] = now, now
	item["sender"] = map[string]any{"id": c.id}
	fill(item)
	return metaBody(c.t, root)
}

func (c *metaCustomer) mid() string { return fmt.Sprintf("m_TESTin%s%04d", c.id, c.n) }

// text is the customer's text message.
func (c *metaCustomer) text(text string) []byte {
	return c.message("text_message.json", func(m map[string]any) {
		if c.kind == "WHATSAPP" {
			m["text"] = map[string]any{"body": text}
			return
		}
		m["message"] = map[string]any{"mid": c.mid(), "text": text}
	})
}

// press is the customer tapping ch on our message offer: a reply button's
// button_reply on WhatsApp (its context is our message), a quick reply on
// Messenger and Instagram (its text is the title).
func (c *metaCustomer) press(offer graphSent, ch choice) []byte {
	if c.kind == "WHATSAPP" {
		return c.message("interactive_button_reply.json", func(m map[string]any) {
			obj(m["context"])["id"] = offer.ID
			obj(m["interactive"])["button_reply"] = map[string]any{"id": ch.ID, "title": ch.Title}
		})
	}
	return c.message("quick_reply_message.json", func(m map[string]any) {
		m["message"] = map[string]any{"mid": c.mid(), "text": ch.Title, "quick_reply": map[string]any{"payload": ch.ID}}
	})
}

// Scenario 1 over WhatsApp, Messenger and Instagram: a price question, the
// answers in one message, a slot tapped; every reply goes out through a
// fake Graph API that holds each request to the documented payloads.
func TestLeadQualificationOverMeta(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind     string
		customer string // the fixtures' customer on that platform
	}{
		{"WHATSAPP", "16505550123"},
		{"MESSENGER", "6543210987654321"},
		{"INSTAGRAM", "987654321098765"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			graph := newFakeGraph(t)
			h := setupAt(t, clock.NewManual(scenarioNow), func(c *config.Config) { c.MetaGraphURL = graph.URL })
			graph.setEchoTo(h.url["MESSENGER"])
			scenarioSettings(t, h)
			customer := &metaCustomer{t: t, kind: tc.kind, id: tc.customer}
			hdr := func(body []byte) map[string]string { return map[string]string{"X-Hub-Signature-256": sign(body)} }
			send := func(body []byte) []graphSent {
				t.Helper()
				before := len(graph.allSent())
				require.Equal(t, http.StatusOK, post(t, h.url[tc.kind], body, hdr(body)))
				h.s.WaitProcessed()
				waitOutbox(t, h)
				sent := graph.allSent()
				require.Greater(t, len(sent), before, "the bot answered")
				return sent[before:]
			}

			// The replies of one turn are separate deliveries: their order
			// on the wire is not asserted.
			texts := func(replies []graphSent) string {
				all := ""
				for _, s := range replies {
					all += s.Text + "\n"
				}
				return all
			}
			replies := send(customer.text("Сколько стоит таргет?"))
			require.Contains(t, texts(replies), "30\u00a0000", "the price at once")
			require.Contains(t, texts(replies), "бюджет", "then the qualifying questions")

			replies = send(customer.text("бюджет 200 тысяч в месяц, продаем мебель, хотим начать на следующей неделе, Казань, лучше в WhatsApp"))
			i := slices.IndexFunc(replies, func(s graphSent) bool { return len(s.Choices) > 0 })
			require.GreaterOrEqual(t, i, 0, "slots offered: %+v", replies)
			offer := replies[i]
			require.Len(t, offer.Choices, 3, "slots offered as the platform's buttons: %+v", offer)

			replies = send(customer.press(offer, offer.Choices[1]))
			require.Contains(t, texts(replies), "WhatsApp", "the booking is confirmed")
			require.Equal(t, 1, h.count(t, `SELECT count(*) FROM meetings WHERE status = 'BOOKED'`))
			require.Equal(t, 1, h.count(t, `SELECT count(*) FROM scenario_runs WHERE outcome = 'DONE'`))
			require.Equal(t, 1, h.count(t, `SELECT count(*) FROM leads WHERE status = 'QUALIFIED' AND city = 'Казань'`))
			slot, ok := lead.ParseSlotPayload(offer.Choices[1].ID)
			require.True(t, ok, offer.Choices[1].ID)
			require.Equal(t, 1, h.count(t, `SELECT count(*) FROM meetings WHERE starts_at = $1`, slot), "the second slot is the one booked")

			// Every reply went to the customer, inside the window (no tag),
			// and is recorded SENT with the id the platform gave it.
			sent := graph.allSent()
			ids := map[string]bool{}
			for _, s := range sent {
				require.Equal(t, tc.kind, s.Kind)
				require.Equal(t, tc.customer, strings.TrimPrefix(s.To, "+"))
				require.Empty(t, s.Tag)
				ids[s.ID] = true
			}
			rows, err := h.s.App.DB.SQL.Query(`SELECT m.delivery_status, coalesce(m.external_id, ''), array_to_string(d.platform_ids, ',')
				FROM messages m LEFT JOIN message_deliveries d ON d.message_id = m.id
				WHERE m.direction = 'OUT' AND m.author = 'BOT' ORDER BY m.created_at`)
			require.NoError(t, err)
			defer rows.Close()
			recorded := 0
			for rows.Next() {
				var status, external, platformIDs string
				require.NoError(t, rows.Scan(&status, &external, &platformIDs))
				require.Equal(t, "SENT", status)
				parts := strings.Split(platformIDs, ",")
				require.Equal(t, external, parts[0], "external_id is the first part's id")
				for _, id := range parts {
					require.True(t, ids[id], "%s is an id the platform gave", id)
				}
				recorded += len(parts)
			}
			require.NoError(t, rows.Err())
			require.Equal(t, len(sent), recorded, "every request is one recorded part")

			// Meta's echoes of our own sends are recognised by their
			// metadata: nobody took the conversation over.
			graph.echoes.Wait()
			require.Zero(t, h.count(t, `SELECT count(*) FROM messages WHERE author = 'USER'`))
			require.Zero(t, h.count(t, `SELECT count(*) FROM conversations WHERE owner = 'HUMAN'`))
		})
	}
}

// scenarioNow is the pipeline's time in scenario 1: a Tuesday, 10:00 in
// Moscow, so the slots offered are known. Its server runs no River
// (setupAt): the timers set from this clock would be due by the wall.
var scenarioNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("MSK", 3*3600))

// scenarioSettings are the organisation and lead settings of scenario 1.
func scenarioSettings(t *testing.T, h *harness) {
	t.Helper()
	h.s.MustDo(h.org.OwnerToken, `mutation { updateOrganizationSettings(input: {timeZone: "Europe/Moscow", country: "RU", currency: "RUB", teamLanguage: "ru"}) { id } }`, nil, nil)
	to := 90000.0
	_, err := lead.Save(context.Background(), h.s.App.DB.Bun, uuid.MustParse(h.org.ID), lead.Settings{
		PriceList:         []lead.PriceItem{{Name: "Таргет", Keywords: []string{"таргет"}, PriceFrom: 30000, PriceTo: &to, Currency: "RUB"}},
		MinimumBudget:     &organization.Money{Amount: 100000, Currency: "RUB"},
		QualifyWithinDays: 30,
		ConsultationHours: []organization.BusinessHours{{Weekday: 2, Opens: "10:00", Closes: "18:00"}, {Weekday: 3, Opens: "10:00", Closes: "18:00"}},
		SlotMinutes:       30,
	})
	require.NoError(t, err)
}

// waitOutbox waits until no outbound message waits for delivery. The
// process that committed a reply sends it at once; a delivery handed back
// to River is worked here when River does not run (setupAt). It polls the
// messages with a deadline: the condition is in the database, with nothing
// to signal it.
func waitOutbox(t *testing.T, h *harness) {
	t.Helper()
	const pending = `SELECT count(*) FROM messages WHERE direction = 'OUT' AND delivery_status = 'PENDING'`
	for deadline := time.Now().Add(20 * time.Second); h.count(t, pending) > 0; time.Sleep(10 * time.Millisecond) {
		h.s.WorkAvailable()
		require.True(t, time.Now().Before(deadline), "messages left undelivered")
	}
}
