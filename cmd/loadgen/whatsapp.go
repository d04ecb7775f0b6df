package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The WhatsApp number loadgen connects to the bench organisation (ingest
// and e2e). Its ids are loadgen's own, so they never clash with a real
// account's; the secrets only sign loadgen's webhooks.
const (
	benchWAPhoneNumberID = "100000000000777"
	benchWABAID          = "100000000000778"
	benchWAAccessToken   = "EAAG-loadgen-bench-access-token-0123456789"
	benchWAAppSecret     = "loadgen-bench-app-secret-0123456789"
	benchWAVerifyToken   = "loadgen-bench-verify-token"
	// benchWADisplayPhone is the business number shown in the webhooks'
	// metadata.
	benchWADisplayPhone = "12025550777"
)

// repeatSenderWaID is the wa_id of the i-th repeat sender: the same in every
// run, so these customers exist after the first run and the pgbench script
// can name them (repeatSenderPrefix || i, zero-padded to 7 digits).
func repeatSenderWaID(i int) string { return fmt.Sprintf("%s%07d", repeatSenderPrefix, i) }

const repeatSenderPrefix = "4479"

// priceQuestions are scenario 1's first messages, as customers write them:
// each is a price question the bench price list answers.
var priceQuestions = []string{
	"Сколько стоит таргет?",
	"How much is targeting?",
	"Здравствуйте! Сколько стоит настройка таргета?",
	"Hi, how much does targeting cost?",
	"Подскажите цену на таргет",
	"What is the price of targeting for a small shop?",
	"Сколько будет стоить таргет для интернет-магазина?",
	"How much do you charge for targeting?",
}

// customerNames are the profile names the senders show.
var customerNames = []string{
	"Анна Петрова", "John Smith", "Олег", "María García", "Ирина Соколова", "Ahmed Khan",
	"Дмитрий", "Emma Brown", "Светлана К.", "Lucas Müller",
}

// waWebhook builds and signs WhatsApp Cloud API text-message webhooks as
// Meta sends them (shared/fixtures/channels/whatsapp/text_message.json).
type waWebhook struct {
	URL    string
	secret []byte
	// run makes this run's wamids and new senders' wa_ids unique.
	run int64
}

func newWAWebhook(url string) *waWebhook {
	return &waWebhook{URL: url, secret: []byte(benchWAAppSecret), run: time.Now().Unix() % 1_000_000}
}

// newSenderWaID is the wa_id of this run's seq-th new customer: a 15-digit
// number no earlier run (within 11 days) used.
func (w *waWebhook) newSenderWaID(seq int) string {
	return fmt.Sprintf("79%06d%07d", w.run, seq)
}

// wamid is message seq's platform id, unique across runs.
func (w *waWebhook) wamid(kind string, seq int) string {
	return fmt.Sprintf("wamid.HBgLNzk%s%06d%09dFQIAEhgUM0FCOEUyRjcwOUMxRDQ0NkIxQgA=", kind, w.run, seq)
}

// waText is one text message of one sender.
type waText struct {
	WaID, Name, WAMID, Text string
}

// body is the webhook payload of m, as Meta would send it.
func (w *waWebhook) body(m waText) []byte {
	type profile struct {
		Name string `json:"name"`
	}
	type contact struct {
		Profile profile `json:"profile"`
		WaID    string  `json:"wa_id"`
	}
	type text struct {
		Body string `json:"body"`
	}
	type message struct {
		From      string `json:"from"`
		ID        string `json:"id"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		Text      text   `json:"text"`
	}
	type metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	}
	type value struct {
		MessagingProduct string    `json:"messaging_product"`
		Metadata         metadata  `json:"metadata"`
		Contacts         []contact `json:"contacts"`
		Messages         []message `json:"messages"`
	}
	type change struct {
		Value value  `json:"value"`
		Field string `json:"field"`
	}
	type entry struct {
		ID      string   `json:"id"`
		Changes []change `json:"changes"`
	}
	payload := struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}{"whatsapp_business_account", []entry{{ID: benchWABAID, Changes: []change{{Field: "messages", Value: value{
		MessagingProduct: "whatsapp",
		Metadata:         metadata{DisplayPhoneNumber: benchWADisplayPhone, PhoneNumberID: benchWAPhoneNumberID},
		Contacts:         []contact{{Profile: profile{Name: m.Name}, WaID: m.WaID}},
		Messages: []message{{From: m.WaID, ID: m.WAMID, Timestamp: strconv.FormatInt(time.Now().Unix(), 10),
			Type: "text", Text: text{Body: m.Text}}},
	}}}}}}
	b, _ := json.Marshal(payload) // plain structs of strings: cannot fail
	return b
}

// signature is X-Hub-Signature-256 of body.
func (w *waWebhook) signature(body []byte) string {
	mac := hmac.New(sha256.New, w.secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post delivers m signed, as Meta does, and wants a 200.
func (w *waWebhook) post(ctx context.Context, c *http.Client, m waText) error {
	body := w.body(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", w.signature(body))
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook: HTTP %d: %.200s", res.StatusCode, raw)
	}
	return nil
}

// connectWhatsApp connects the bench WhatsApp number to the bench
// organisation through GraphQL, as an admin would (updateChannel when an
// earlier run connected it: that re-seals the credentials with this
// process's key and reactivates it), and returns the account's id and its
// webhook URL on this server.
func connectWhatsApp(ctx context.Context, s *server) (id, webhookURL string, err error) {
	var existing uuid.UUID
	err = s.App.DB.Pool.QueryRow(ctx, `SELECT ca.id FROM channel_accounts ca JOIN organizations o ON o.id = ca.organization_id
		WHERE o.slug = $1 AND ca.kind = 'WHATSAPP' AND ca.external_id = $2`, benchSlug, benchWAPhoneNumberID).Scan(&existing)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", "", fmt.Errorf("look up whatsapp account: %w", err)
	}
	input := map[string]any{"kind": "WHATSAPP", "name": "WhatsApp (loadgen)", "whatsapp": map[string]any{
		"phoneNumberId": benchWAPhoneNumberID, "wabaId": benchWABAID, "accessToken": benchWAAccessToken,
		"appSecret": benchWAAppSecret, "verifyToken": benchWAVerifyToken,
	}}
	g := gqlClient{c: newHTTPClient(30 * time.Second), url: s.Target.URL}
	var out struct {
		ConnectChannel, UpdateChannel *struct {
			ID         string `json:"id"`
			WebhookURL string `json:"webhookUrl"`
		}
	}
	if found {
		err = g.post(ctx, s.Target.AdminToken, `mutation($id: ID!, $i: ConnectChannelInput!) { updateChannel(id: $id, input: $i) { id webhookUrl } }`,
			map[string]any{"id": existing.String(), "i": input}, &out)
	} else {
		err = g.post(ctx, s.Target.AdminToken, `mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id webhookUrl } }`,
			map[string]any{"i": input}, &out)
	}
	if err != nil {
		return "", "", fmt.Errorf("connect whatsapp: %w", err)
	}
	acc := out.ConnectChannel
	if acc == nil {
		acc = out.UpdateChannel
	}
	if acc == nil || acc.ID == "" {
		return "", "", errors.New("connect whatsapp: no account in the response")
	}
	// The webhook URL is absolute on the configured public URL; this
	// server listens on its own port.
	i := strings.Index(acc.WebhookURL, "/webhooks/")
	if i < 0 {
		return "", "", fmt.Errorf("connect whatsapp: webhook URL %q", acc.WebhookURL)
	}
	return acc.ID, strings.TrimSuffix(s.Target.URL, "/graphql") + acc.WebhookURL[i:], nil
}

// setPriceList gives the bench organisation scenario 1's price list, so a
// price question is answered with a price and the qualifying questions.
func setPriceList(ctx context.Context, s *server) error {
	g := gqlClient{c: newHTTPClient(30 * time.Second), url: s.Target.URL}
	return g.post(ctx, s.Target.AdminToken, `mutation($i: LeadSettingsInput!) { updateLeadSettings(input: $i) { slotMinutes } }`,
		map[string]any{"i": map[string]any{
			"priceList": []map[string]any{{"name": "Таргет", "keywords": []string{"таргет", "target", "targeting"}, "priceFrom": 30000, "priceTo": 90000, "currency": "RUB"}},
			"consultationHours": []map[string]any{
				{"weekday": 1, "opens": "10:00", "closes": "18:00"}, {"weekday": 2, "opens": "10:00", "closes": "18:00"},
				{"weekday": 3, "opens": "10:00", "closes": "18:00"}, {"weekday": 4, "opens": "10:00", "closes": "18:00"},
				{"weekday": 5, "opens": "10:00", "closes": "18:00"},
			},
		}}, nil)
}
