package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/wire"
)

// reply is one canned answer of the fake Graph server.
type reply struct {
	status int
	header map[string]string
	body   string
}

type testBundle struct {
	client *Client
	server *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

// setup starts a fake Graph API that checks every request the way Meta
// would (POST, /<ver>/<id>/messages, Bearer token, JSON) and answers with
// replies in turn, the last one repeating.
func setup(t *testing.T, wantPath, wantToken string, replies ...reply) *testBundle {
	t.Helper()
	b := &testBundle{}
	n := 0
	b.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != wantPath ||
			r.Header.Get("Authorization") != "Bearer "+wantToken ||
			r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprintf(w, "unexpected %s %s auth=%q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
			t.Errorf("unexpected request %s %s auth=%q ct=%q", r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"))
			return
		}
		raw, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		var body map[string]any
		require.NoError(t, json.Unmarshal(raw, &body), string(raw))
		b.bodies = append(b.bodies, body)
		rp := replies[min(n, len(replies)-1)]
		n++
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rp.status)
		io.WriteString(w, rp.body)
	}))
	t.Cleanup(b.server.Close)
	b.client = &Client{BaseURL: b.server.URL, Version: "v24.0", HTTP: b.server.Client()}
	return b
}

func (b *testBundle) requests() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bodies
}

func fixtureJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(readFixture(t, name), &m))
	return m
}

func ok(t *testing.T, name string) reply {
	return reply{status: 200, body: string(readFixture(t, name))}
}

// numbered answers send_response-shaped bodies with distinct ids.
func numberedWA(i int) reply {
	return reply{status: 200, body: fmt.Sprintf(`{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.%d"}]}`, i)}
}

var (
	waCreds = WhatsAppCredentials{PhoneNumberID: "109876543210987", AccessToken: "wa-token"}
	fbCreds = MessengerCredentials{PageID: "100200300400500", PageToken: "page-token"}
	igCreds = InstagramCredentials{AccountID: "17841400000000001", AccessToken: "ig-token"}
)

const (
	waPath = "/v24.0/109876543210987/messages"
	fbPath = "/v24.0/100200300400500/messages"
	igPath = "/v24.0/17841400000000001/messages"
)

func TestSendMatchesFixtures(t *testing.T) {
	t.Parallel()
	withoutFooter := func(m map[string]any) map[string]any {
		// wire.Outbound has no footer, so we never send one.
		delete(m["interactive"].(map[string]any), "footer")
		return m
	}
	tests := []struct {
		name     string
		creds    Credentials
		path     string
		token    string
		out      wire.Outbound
		fixture  string
		adjust   func(map[string]any) map[string]any
		response string
		wantID   string
	}{
		{
			name: "whatsapp text", creds: waCreds, path: waPath, token: "wa-token",
			out:     wire.Outbound{ChatID: "+16505550123", Text: "Здравствуйте! Доставка по Москве стоит 350 ₽."},
			fixture: "whatsapp/send_text_request.json", response: "whatsapp/send_response.json",
			wantID: "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBJGQTk0QjdDMjE5RTBBMTc3MEEA",
		},
		{
			name: "whatsapp three reply buttons", creds: waCreds, path: waPath, token: "wa-token",
			out: wire.Outbound{ChatID: "+16505550123", Text: "Чем можем помочь? / How can we help?", Buttons: []wire.Button{
				{Title: "Статус заказа", Payload: "order_status"}, {Title: "Сколько стоит?", Payload: "price_info"}, {Title: "Talk to a human", Payload: "human_agent"},
			}},
			fixture: "whatsapp/send_interactive_buttons_request.json", adjust: withoutFooter, response: "whatsapp/send_response.json",
			wantID: "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBJGQTk0QjdDMjE5RTBBMTc3MEEA",
		},
		{
			name: "messenger text", creds: fbCreds, path: fbPath, token: "page-token",
			out:     wire.Outbound{ChatID: "6543210987654321", Text: "Ваш заказ #A-10234 передан в доставку."},
			fixture: "messenger/send_text_request.json", response: "messenger/send_response.json",
			wantID: "m_TESTsentMid9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAabcd",
		},
		{
			name: "messenger quick replies", creds: fbCreds, path: fbPath, token: "page-token",
			out: wire.Outbound{ChatID: "6543210987654321", Text: "Что вас интересует? / What do you need?", Buttons: []wire.Button{
				{Title: "Доставка", Payload: "DELIVERY_INFO"}, {Title: "Order status", Payload: "ORDER_STATUS"}, {Title: "Сколько стоит?", Payload: "PRICE_INFO"},
			}},
			fixture: "messenger/send_quick_replies_request.json", response: "messenger/send_response.json",
			wantID: "m_TESTsentMid9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAabcd",
		},
		{
			name: "messenger human agent", creds: fbCreds, path: fbPath, token: "page-token",
			out:     wire.Outbound{ChatID: "6543210987654321", HumanAgent: true, Text: "Это оператор Мария. Заказ #A-10234 будет у вас завтра."},
			fixture: "messenger/send_human_agent_request.json", response: "messenger/send_response.json",
			wantID: "m_TESTsentMid9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAabcd",
		},
		{
			name: "instagram text", creds: igCreds, path: igPath, token: "ig-token",
			out:     wire.Outbound{ChatID: "987654321098765", Text: "Доставка по Москве — 350 ₽. Delivery in Moscow is 350 RUB."},
			fixture: "instagram/send_text_request.json", response: "instagram/send_response.json",
			wantID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTQ3ODQ2NjI5NDI1Mjg2OjMxNjk4NjM2NDY1NzU1NzA2ODE5MzAwMDAwMDAwMDAwMDAz",
		},
		{
			name: "instagram quick replies", creds: igCreds, path: igPath, token: "ig-token",
			out: wire.Outbound{ChatID: "987654321098765", Text: "Выберите тему / Pick a topic", Buttons: []wire.Button{
				{Title: "Order status", Payload: "ORDER_STATUS"}, {Title: "Доставка", Payload: "DELIVERY_INFO"},
			}},
			fixture: "instagram/send_quick_replies_request.json", response: "instagram/send_response.json",
			wantID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTQ3ODQ2NjI5NDI1Mjg2OjMxNjk4NjM2NDY1NzU1NzA2ODE5MzAwMDAwMDAwMDAwMDAz",
		},
		{
			name: "instagram human agent", creds: igCreds, path: igPath, token: "ig-token",
			out:     wire.Outbound{ChatID: "987654321098765", HumanAgent: true, Text: "Hi, this is Maria from support. Order #A-10234 ships tomorrow."},
			fixture: "instagram/send_human_agent_request.json", response: "instagram/send_response.json",
			wantID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTQ3ODQ2NjI5NDI1Mjg2OjMxNjk4NjM2NDY1NzU1NzA2ODE5MzAwMDAwMDAwMDAwMDAz",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.path, tt.token, ok(t, tt.response))
			sent, err := b.client.Send(context.Background(), tt.creds, tt.out)
			require.NoError(t, err)
			require.Equal(t, []string{tt.wantID}, sent.IDs)
			want := fixtureJSON(t, tt.fixture)
			if tt.adjust != nil {
				want = tt.adjust(want)
			}
			// Same keys, same JSON types, same values as Meta's example.
			require.Equal(t, []map[string]any{want}, b.requests())
		})
	}
}

func TestSendWhatsAppShapes(t *testing.T) {
	t.Parallel()
	buttons := func(n int) []wire.Button {
		var bs []wire.Button
		for i := range n {
			bs = append(bs, wire.Button{Title: fmt.Sprintf("Вариант номер %d очень длинный", i+1), Payload: fmt.Sprintf("opt_%d", i+1)})
		}
		return bs
	}
	t.Run("template with reference and reply context", func(t *testing.T) {
		t.Parallel()
		b := setup(t, waPath, "wa-token", numberedWA(1))
		_, err := b.client.Send(context.Background(), waCreds, wire.Outbound{
			ChatID: "16505550123", ReplyTo: "wamid.prev", Reference: "msg-42",
			Template: &wire.Template{Name: "order_update", Language: "ru", BodyParams: []string{"A-10234", "завтра"}},
		})
		require.NoError(t, err)
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505550123","type":"template",
			"context":{"message_id":"wamid.prev"},"biz_opaque_callback_data":"msg-42",
			"template":{"name":"order_update","language":{"code":"ru"},"components":[{"type":"body","parameters":[
				{"type":"text","text":"A-10234"},{"type":"text","text":"завтра"}]}]}}`, mustJSON(t, b.requests()[0]))
	})
	t.Run("three buttons with long titles are shortened to 20 runes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, waPath, "wa-token", numberedWA(1))
		_, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "1", Text: "?", Buttons: buttons(3)})
		require.NoError(t, err)
		in := b.requests()[0]["interactive"].(map[string]any)
		require.Equal(t, "button", in["type"])
		bs := in["action"].(map[string]any)["buttons"].([]any)
		require.Len(t, bs, 3)
		for _, x := range bs {
			title := x.(map[string]any)["reply"].(map[string]any)["title"].(string)
			require.LessOrEqual(t, utf8.RuneCountInString(title), 20)
			require.True(t, strings.HasSuffix(title, "…"))
		}
	})
	t.Run("more than three buttons become a list", func(t *testing.T) {
		t.Parallel()
		b := setup(t, waPath, "wa-token", numberedWA(1))
		b.client.ListButton = "Выбрать"
		_, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "1", Text: "Выберите", Buttons: buttons(5)})
		require.NoError(t, err)
		in := b.requests()[0]["interactive"].(map[string]any)
		require.Equal(t, "list", in["type"])
		action := in["action"].(map[string]any)
		require.Equal(t, "Выбрать", action["button"])
		rows := action["sections"].([]any)[0].(map[string]any)["rows"].([]any)
		require.Len(t, rows, 5)
		for i, x := range rows {
			row := x.(map[string]any)
			require.Equal(t, fmt.Sprintf("opt_%d", i+1), row["id"])
			require.LessOrEqual(t, utf8.RuneCountInString(row["title"].(string)), 24)
		}
	})
	t.Run("more than ten buttons become numbered text", func(t *testing.T) {
		t.Parallel()
		b := setup(t, waPath, "wa-token", numberedWA(1))
		_, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "1", Text: "Выберите", Buttons: buttons(11)})
		require.NoError(t, err)
		req := b.requests()[0]
		require.Equal(t, "text", req["type"])
		body := req["text"].(map[string]any)["body"].(string)
		require.True(t, strings.HasPrefix(body, "Выберите\n\n1. Вариант номер 1 очень длинный\n"))
		require.Contains(t, body, "\n11. Вариант номер 11 очень длинный")
	})
	t.Run("duplicate titles fall back to numbered text", func(t *testing.T) {
		t.Parallel()
		b := setup(t, waPath, "wa-token", numberedWA(1))
		_, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "1", Text: "?", Buttons: []wire.Button{{Title: "Да", Payload: "a"}, {Title: "Да", Payload: "b"}}})
		require.NoError(t, err)
		require.Equal(t, "?\n\n1. Да\n2. Да", b.requests()[0]["text"].(map[string]any)["body"])
	})
	t.Run("long text is split, buttons ride on the last part", func(t *testing.T) {
		t.Parallel()
		para := strings.Repeat("Доставка по Москве стоит 350 ₽. ", 60) // ~1920 runes
		text := strings.TrimSpace(para) + "\n\n" + strings.TrimSpace(para) + "\n\n" + strings.TrimSpace(para)
		var replies []reply
		for i := range 10 {
			replies = append(replies, numberedWA(i))
		}
		b := setup(t, waPath, "wa-token", replies...)
		sent, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "1", Text: text, Reference: "r1", ReplyTo: "wamid.q",
			Buttons: []wire.Button{{Title: "OK", Payload: "ok"}}})
		require.NoError(t, err)
		reqs := b.requests()
		require.Equal(t, len(reqs), len(sent.IDs))
		require.Greater(t, len(reqs), 2)
		var words []string
		for i, r := range reqs {
			require.Equal(t, "r1", r["biz_opaque_callback_data"])
			if i == 0 {
				require.Equal(t, map[string]any{"message_id": "wamid.q"}, r["context"])
			} else {
				require.NotContains(t, r, "context")
			}
			var body string
			if i == len(reqs)-1 {
				require.Equal(t, "interactive", r["type"])
				body = r["interactive"].(map[string]any)["body"].(map[string]any)["text"].(string)
				require.LessOrEqual(t, utf8.RuneCountInString(body), 1024)
			} else {
				require.Equal(t, "text", r["type"])
				body = r["text"].(map[string]any)["body"].(string)
				require.LessOrEqual(t, utf8.RuneCountInString(body), 4096)
			}
			require.True(t, strings.HasSuffix(body, "₽."), "parts end at a sentence: %q", body[max(0, len(body)-20):])
			words = append(words, strings.Fields(body)...)
		}
		require.Equal(t, strings.Fields(text), words)
	})
}

func TestSendMessagingShapes(t *testing.T) {
	t.Parallel()
	qr := func(n int) []wire.Button {
		var bs []wire.Button
		for i := range n {
			bs = append(bs, wire.Button{Title: fmt.Sprintf("Option number %d long", i+1), Payload: fmt.Sprintf("P%d", i+1)})
		}
		return bs
	}
	t.Run("thirteen quick replies with metadata", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fbPath, "page-token", ok(t, "messenger/send_response.json"))
		_, err := b.client.Send(context.Background(), fbCreds, wire.Outbound{ChatID: "U", Text: "Pick", Buttons: qr(13), Reference: "msg-7"})
		require.NoError(t, err)
		msg := b.requests()[0]["message"].(map[string]any)
		require.Equal(t, "msg-7", msg["metadata"])
		qrs := msg["quick_replies"].([]any)
		require.Len(t, qrs, 13)
		for _, x := range qrs {
			q := x.(map[string]any)
			require.Equal(t, "text", q["content_type"])
			require.LessOrEqual(t, utf8.RuneCountInString(q["title"].(string)), 20)
		}
	})
	t.Run("more than thirteen quick replies become numbered text", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fbPath, "page-token", ok(t, "messenger/send_response.json"))
		_, err := b.client.Send(context.Background(), fbCreds, wire.Outbound{ChatID: "U", Text: "Pick", Buttons: qr(14)})
		require.NoError(t, err)
		msg := b.requests()[0]["message"].(map[string]any)
		require.NotContains(t, msg, "quick_replies")
		require.Contains(t, msg["text"], "\n14. Option number 14 long")
	})
	t.Run("messenger long text split under 2000", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fbPath, "page-token", ok(t, "messenger/send_response.json"))
		text := strings.Repeat("word ", 1000)
		sent, err := b.client.Send(context.Background(), fbCreds, wire.Outbound{ChatID: "U", Text: text, HumanAgent: true})
		require.NoError(t, err)
		require.Len(t, sent.IDs, 3)
		for _, r := range b.requests() {
			require.Equal(t, "MESSAGE_TAG", r["messaging_type"])
			require.Equal(t, "HUMAN_AGENT", r["tag"])
			require.Less(t, utf8.RuneCountInString(r["message"].(map[string]any)["text"].(string)), 2000)
		}
	})
	t.Run("instagram splits at 1000 bytes and sends no metadata", func(t *testing.T) {
		t.Parallel()
		b := setup(t, igPath, "ig-token", ok(t, "instagram/send_response.json"))
		text := strings.Repeat("Сколько стоит доставка? ", 100) // 2 bytes a letter
		_, err := b.client.Send(context.Background(), igCreds, wire.Outbound{ChatID: "S", Text: text, Reference: "r"})
		require.NoError(t, err)
		reqs := b.requests()
		require.Greater(t, len(reqs), 2)
		var words []string
		for _, r := range reqs {
			msg := r["message"].(map[string]any)
			require.NotContains(t, msg, "metadata")
			require.NotContains(t, r, "messaging_type")
			s := msg["text"].(string)
			require.LessOrEqual(t, len(s), 1000)
			words = append(words, strings.Fields(s)...)
		}
		require.Equal(t, strings.Fields(text), words)
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	fixture := func(name string) string { return string(readFixture(t, name)) }
	tests := []struct {
		name   string
		creds  Credentials
		path   string
		token  string
		reply  reply
		want   wire.SendError
		detail string
	}{
		{name: "whatsapp rate limit", creds: waCreds, path: waPath, token: "wa-token",
			reply: reply{status: 400, body: fixture("whatsapp/error_rate_limit.json")},
			want:  wire.SendError{Platform: wire.WhatsApp, HTTPStatus: 400, Retry: true, Err: wire.PlatformError{Code: 130429, Subcode: 2494055, Message: "(#130429) Rate limit hit", Details: "Cloud API message throughput has been reached."}}},
		{name: "whatsapp 131047 outside window", creds: waCreds, path: waPath, token: "wa-token",
			reply: reply{status: 400, body: fixture("whatsapp/error_reengagement_131047.json")},
			want:  wire.SendError{Platform: wire.WhatsApp, HTTPStatus: 400, OutsideWindow: true, Err: wire.PlatformError{Code: 131047, Message: "(#131047) Re-engagement message", Details: "More than 24 hours have passed since the recipient last replied to the sender number."}}},
		{name: "whatsapp undeliverable", creds: waCreds, path: waPath, token: "wa-token",
			reply: reply{status: 400, body: `{"error":{"message":"(#131026) Message Undeliverable","code":131026}}`},
			want:  wire.SendError{Platform: wire.WhatsApp, HTTPStatus: 400, Unreachable: true, Err: wire.PlatformError{Code: 131026, Message: "(#131026) Message Undeliverable"}}},
		{name: "whatsapp token expired is permanent", creds: waCreds, path: waPath, token: "wa-token",
			reply: reply{status: 401, body: `{"error":{"message":"Error validating access token","code":190}}`},
			want:  wire.SendError{Platform: wire.WhatsApp, HTTPStatus: 401, Err: wire.PlatformError{Code: 190, Message: "Error validating access token"}}},
		{name: "messenger outside window", creds: fbCreds, path: fbPath, token: "page-token",
			reply: reply{status: 400, body: fixture("messenger/error_outside_window.json")},
			want:  wire.SendError{Platform: wire.Messenger, HTTPStatus: 400, OutsideWindow: true, Err: wire.PlatformError{Code: 10, Subcode: 2018278, Message: "(#10) This message is sent outside of allowed window."}}},
		{name: "messenger rate limit with Retry-After", creds: fbCreds, path: fbPath, token: "page-token",
			reply: reply{status: 400, header: map[string]string{"Retry-After": "30"}, body: fixture("messenger/error_rate_limit.json")},
			want:  wire.SendError{Platform: wire.Messenger, HTTPStatus: 400, Retry: true, RetryAfter: 30 * time.Second, Err: wire.PlatformError{Code: 613, Message: "(#613) Calls to this api have exceeded the rate limit."}}},
		{name: "messenger user unavailable", creds: fbCreds, path: fbPath, token: "page-token",
			reply: reply{status: 400, body: fixture("messenger/error_user_unavailable.json")},
			want:  wire.SendError{Platform: wire.Messenger, HTTPStatus: 400, Unreachable: true, Err: wire.PlatformError{Code: 551, Subcode: 1545041, Message: "(#551) This person isn't available right now."}}},
		{name: "messenger no matching user", creds: fbCreds, path: fbPath, token: "page-token",
			reply: reply{status: 400, body: `{"error":{"message":"(#100) No matching user found","code":100,"error_subcode":2018001}}`},
			want:  wire.SendError{Platform: wire.Messenger, HTTPStatus: 400, Unreachable: true, Err: wire.PlatformError{Code: 100, Subcode: 2018001, Message: "(#100) No matching user found"}}},
		{name: "messenger invalid parameter is permanent", creds: fbCreds, path: fbPath, token: "page-token",
			reply: reply{status: 400, body: `{"error":{"message":"(#100) Param message[text] must be non-empty","code":100}}`},
			want:  wire.SendError{Platform: wire.Messenger, HTTPStatus: 400, Err: wire.PlatformError{Code: 100, Message: "(#100) Param message[text] must be non-empty"}}},
		{name: "messenger permission code 10 is not the window", creds: fbCreds, path: fbPath, token: "page-token",
			reply: reply{status: 403, body: `{"error":{"message":"(#10) Application does not have permission for this action","code":10}}`},
			want:  wire.SendError{Platform: wire.Messenger, HTTPStatus: 403, Err: wire.PlatformError{Code: 10, Message: "(#10) Application does not have permission for this action"}}},
		{name: "instagram outside window", creds: igCreds, path: igPath, token: "ig-token",
			reply: reply{status: 400, body: fixture("instagram/error_outside_window.json")},
			want:  wire.SendError{Platform: wire.Instagram, HTTPStatus: 400, OutsideWindow: true, Err: wire.PlatformError{Code: 10, Subcode: 2534022, Message: "(#10) This message is sent outside of allowed window."}}},
		{name: "5xx without JSON is retried", creds: igCreds, path: igPath, token: "ig-token",
			reply: reply{status: 502, body: `<html>Bad Gateway</html>`},
			want:  wire.SendError{Platform: wire.Instagram, HTTPStatus: 502, Retry: true, Err: wire.PlatformError{Message: "<html>Bad Gateway</html>"}}},
		{name: "429 with HTTP-date Retry-After", creds: waCreds, path: waPath, token: "wa-token",
			reply: reply{status: 429, header: map[string]string{"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, body: `{}`},
			want:  wire.SendError{Platform: wire.WhatsApp, HTTPStatus: 429, Retry: true, Err: wire.PlatformError{Message: "{}"}}},
		{name: "200 without an id is not retried", creds: waCreds, path: waPath, token: "wa-token",
			reply: reply{status: 200, body: `{"messaging_product":"whatsapp","messages":[]}`},
			want:  wire.SendError{Platform: wire.WhatsApp, HTTPStatus: 200, Err: wire.PlatformError{Message: "response has no message id"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.path, tt.token, tt.reply)
			sent, err := b.client.Send(context.Background(), tt.creds, wire.Outbound{ChatID: "U", Text: "hi"})
			require.Empty(t, sent.IDs)
			se, ok := wire.AsSendError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.want, *se)
		})
	}
}

func TestSendRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	when := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	b := setup(t, waPath, "wa-token", reply{status: 503, header: map[string]string{"Retry-After": when}, body: `{}`})
	_, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "U", Text: "hi"})
	se, ok := wire.AsSendError(err)
	require.True(t, ok)
	require.True(t, se.Retry)
	require.InDelta(t, 90, se.RetryAfter.Seconds(), 3)
}

func TestSendSplitFailsHalfWay(t *testing.T) {
	t.Parallel()
	b := setup(t, fbPath, "page-token", ok(t, "messenger/send_response.json"), reply{status: 500, body: `{"error":{"message":"An unexpected error has occurred.","code":2,"is_transient":true}}`})
	sent, err := b.client.Send(context.Background(), fbCreds, wire.Outbound{ChatID: "U", Text: strings.Repeat("слово ", 700)})
	se, ok := wire.AsSendError(err)
	require.True(t, ok)
	require.True(t, se.Retry)
	want := []string{"m_TESTsentMid9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAabcd"}
	require.Equal(t, want, se.Sent)
	require.Equal(t, want, sent.IDs)
	require.Len(t, b.requests(), 2)
}

func TestSendNetworkError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := &Client{BaseURL: url, Version: "v24.0"}
	_, err := c.Send(context.Background(), waCreds, wire.Outbound{ChatID: "U", Text: "hi"})
	se, ok := wire.AsSendError(err)
	require.True(t, ok)
	require.True(t, se.Retry)
	require.Zero(t, se.HTTPStatus)
	require.Error(t, se.Unwrap())
}

func TestSendRefusesInvalidOutbound(t *testing.T) {
	t.Parallel()
	c := &Client{BaseURL: "http://127.0.0.1:1"}
	tests := []struct {
		name  string
		creds Credentials
		out   wire.Outbound
	}{
		{"no recipient", waCreds, wire.Outbound{Text: "hi"}},
		{"nothing to send", fbCreds, wire.Outbound{ChatID: "U"}},
		{"template on messenger", fbCreds, wire.Outbound{ChatID: "U", Template: &wire.Template{Name: "t", Language: "en"}}},
		{"template without language", waCreds, wire.Outbound{ChatID: "U", Template: &wire.Template{Name: "t"}}},
		{"media not over https", igCreds, wire.Outbound{ChatID: "U", Media: []wire.Media{{Kind: wire.Image, URL: "http://x/a.jpg"}}}},
		{"no token", WhatsAppCredentials{PhoneNumberID: "1"}, wire.Outbound{ChatID: "U", Text: "hi"}},
		{"no credentials", nil, wire.Outbound{ChatID: "U", Text: "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Send(context.Background(), tt.creds, tt.out)
			require.ErrorIs(t, err, ErrInvalidOutbound)
		})
	}
}

// Files an agent attaches go first, one message each, by link; the text
// follows.
func TestSendMedia(t *testing.T) {
	t.Parallel()
	media := []wire.Media{
		{Kind: wire.Image, URL: "https://cdn.example.com/p.jpg", MIMEType: "image/jpeg"},
		{Kind: wire.File, URL: "https://cdn.example.com/offer.pdf", MIMEType: "application/pdf", Caption: "offer.pdf"},
	}
	t.Run("whatsapp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, waPath, "wa-token", numberedWA(1))
		sent, err := b.client.Send(context.Background(), waCreds, wire.Outbound{ChatID: "16505550123", Text: "Наше предложение", Media: media, Reference: "m-1"})
		require.NoError(t, err)
		require.Len(t, sent.IDs, 3)
		reqs := b.requests()
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505550123","type":"image",
			"image":{"link":"https://cdn.example.com/p.jpg"},"biz_opaque_callback_data":"m-1"}`, mustJSON(t, reqs[0]))
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505550123","type":"document",
			"document":{"link":"https://cdn.example.com/offer.pdf","filename":"offer.pdf"},"biz_opaque_callback_data":"m-1"}`, mustJSON(t, reqs[1]))
		require.Equal(t, "text", reqs[2]["type"])
	})
	t.Run("messenger, file only", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fbPath, "page-token", ok(t, "messenger/send_response.json"))
		_, err := b.client.Send(context.Background(), fbCreds, wire.Outbound{ChatID: "U", Media: media, Reference: "m-2"})
		require.NoError(t, err)
		reqs := b.requests()
		require.Len(t, reqs, 2)
		require.JSONEq(t, `{"recipient":{"id":"U"},"messaging_type":"RESPONSE","message":{"metadata":"m-2",
			"attachment":{"type":"image","payload":{"url":"https://cdn.example.com/p.jpg"}}}}`, mustJSON(t, reqs[0]))
		require.Equal(t, "file", reqs[1]["message"].(map[string]any)["attachment"].(map[string]any)["type"])
	})
	t.Run("instagram sends a document as its link", func(t *testing.T) {
		t.Parallel()
		b := setup(t, igPath, "ig-token", ok(t, "instagram/send_response.json"))
		_, err := b.client.Send(context.Background(), igCreds, wire.Outbound{ChatID: "U", Text: "Вот", Media: media})
		require.NoError(t, err)
		reqs := b.requests()
		require.Len(t, reqs, 2)
		require.Equal(t, "image", reqs[0]["message"].(map[string]any)["attachment"].(map[string]any)["type"])
		require.Equal(t, "Вот\noffer.pdf: https://cdn.example.com/offer.pdf", reqs[1]["message"].(map[string]any)["text"])
	})
}
