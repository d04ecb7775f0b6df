package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/channel"
	"frontdesk/internal/config"
)

const channelFields = `id kind name status externalId webhookUrl lastInboundAt lastError lastErrorAt publicKey createdAt updatedAt`

type channelJSON struct {
	ID, Kind, Name, Status string
	ExternalID             *string
	WebhookURL             *string
	LastError              *string
	PublicKey              *string
}

var connect = `mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { ` + channelFields + ` } }`

func whatsappInput(phoneID string) map[string]any {
	return map[string]any{"kind": "WHATSAPP", "name": "Sales number", "whatsapp": map[string]any{
		"phoneNumberId": phoneID, "wabaId": "102290129340398", "accessToken": "EAAG-secret-access-token-0123456789",
		"appSecret": "whatsapp-app-secret-0123", "verifyToken": "verify-me-please"}}
}

func TestConnectEveryKindSealsSecrets(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Channels")
	inputs := map[string]map[string]any{
		"WHATSAPP": whatsappInput("106540352242922"),
		"MESSENGER": {"kind": "MESSENGER", "name": "Page", "messenger": map[string]any{
			"pageId": "1234567890", "pageToken": "EAAG-page-token-secret-0123456789", "appSecret": "messenger-app-secret-01", "verifyToken": "verify-me-please"}},
		"INSTAGRAM": {"kind": "INSTAGRAM", "name": "Insta", "instagram": map[string]any{
			"accountId": "17841400000000000", "accessToken": "IGQV-access-token-secret-0123456789", "appSecret": "instagram-app-secret-0", "verifyToken": "verify-me-please"}},
		"TELEGRAM": {"kind": "TELEGRAM", "name": "Bot", "telegram": map[string]any{"botToken": "7123456789:AAH-telegram-secret-token-0123456789"}},
		"WEBCHAT":  {"kind": "WEBCHAT", "name": "Second widget"},
	}
	secrets := []string{"EAAG-secret-access-token", "whatsapp-app-secret", "EAAG-page-token-secret", "messenger-app-secret",
		"IGQV-access-token-secret", "instagram-app-secret", "AAH-telegram-secret-token", "verify-me-please"}
	for kind, in := range inputs {
		var out struct{ ConnectChannel channelJSON }
		s.MustDo(org.OwnerToken, connect, map[string]any{"i": in}, &out)
		got := out.ConnectChannel
		require.Equal(t, kind, got.Kind)
		require.Equal(t, "ACTIVE", got.Status)
		if kind == "WEBCHAT" {
			require.Nil(t, got.WebhookURL)
			require.NotNil(t, got.PublicKey)
			continue
		}
		require.NotNil(t, got.WebhookURL)
		require.True(t, strings.HasPrefix(*got.WebhookURL, "http"), *got.WebhookURL)
		require.Contains(t, *got.WebhookURL, "/webhooks/"+strings.ToLower(kind)+"/"+got.ID)
		require.NotNil(t, got.ExternalID)
	}
	// No query returns a secret, and the table holds them sealed.
	r := s.Do(org.OwnerToken, `{ channelAccounts { `+channelFields+` } }`, nil)
	require.Empty(t, r.Errors)
	var dump string
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT string_agg(row_to_json(c)::text, ' ') FROM channel_accounts c`).Scan(&dump))
	for _, secret := range secrets {
		require.NotContains(t, string(r.Data), secret)
		require.NotContains(t, dump, secret)
	}
}

func TestConnectChannelRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Bad channels")
	agentID, _, agentToken := inviteWithToken(t, s, org, "AGENT")
	require.NotEmpty(t, agentID)
	wa := func(edit func(c map[string]any)) map[string]any {
		in := whatsappInput("106540352242922")
		edit(in["whatsapp"].(map[string]any))
		return in
	}
	for name, in := range map[string]map[string]any{
		"no credentials":         {"kind": "WHATSAPP", "name": "x"},
		"credentials of another": {"kind": "TELEGRAM", "name": "x", "whatsapp": whatsappInput("1")["whatsapp"]},
		"two credentials": {"kind": "TELEGRAM", "name": "x", "whatsapp": whatsappInput("1")["whatsapp"],
			"telegram": map[string]any{"botToken": "7123456789:AAH-telegram-secret-token-0123456789"}},
		"web chat with credentials": {"kind": "WEBCHAT", "name": "x", "telegram": map[string]any{"botToken": "7123456789:AAH-telegram-secret-token-0123456789"}},
		"staff chat":                {"kind": "STAFF", "name": "x"},
		"empty name":                {"kind": "WEBCHAT", "name": "   "},
		"long name":                 {"kind": "WEBCHAT", "name": strings.Repeat("n", 101)},
		"phone id not numeric":      wa(func(c map[string]any) { c["phoneNumberId"] = "+1 650 555 0123" }),
		"waba id empty":             wa(func(c map[string]any) { c["wabaId"] = "" }),
		"short access token":        wa(func(c map[string]any) { c["accessToken"] = "short" }),
		"token with a space":        wa(func(c map[string]any) { c["accessToken"] = "EAAG secret access token 0123456789" }),
		"short verify token":        wa(func(c map[string]any) { c["verifyToken"] = "abc" }),
		"bad bot token":             {"kind": "TELEGRAM", "name": "x", "telegram": map[string]any{"botToken": "not-a-token"}},
	} {
		r := s.Do(org.OwnerToken, connect, map[string]any{"i": in})
		require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), "%s: %+v", name, r.Errors)
	}
	requireOneCode(t, s.Do(agentToken, connect, map[string]any{"i": whatsappInput("106540352242922")}), "FORBIDDEN")
	var n int
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT count(*) FROM channel_accounts WHERE kind <> 'WEBCHAT' AND kind <> 'STAFF'`).Scan(&n))
	require.Zero(t, n, "a refused connect wrote nothing")
}

func TestUpdateAndDisconnectChannel(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Lifecycle")
	other := s.SignUp("Other")
	var out struct{ ConnectChannel channelJSON }
	s.MustDo(org.OwnerToken, connect, map[string]any{"i": whatsappInput("106540352242922")}, &out)
	id := out.ConnectChannel.ID

	// The same number cannot feed another organisation while connected.
	requireOneCode(t, s.Do(other.OwnerToken, connect, map[string]any{"i": whatsappInput("106540352242922")}), "CONFLICT")

	update := `mutation($id: ID!, $i: ConnectChannelInput!) { updateChannel(id: $id, input: $i) { ` + channelFields + ` } }`
	renamed := whatsappInput("106540352242923")
	renamed["name"] = "Support number"
	var up struct{ UpdateChannel channelJSON }
	s.MustDo(org.OwnerToken, update, map[string]any{"id": id, "i": renamed}, &up)
	require.Equal(t, "Support number", up.UpdateChannel.Name)
	require.Equal(t, "106540352242923", *up.UpdateChannel.ExternalID)
	requireOneCode(t, s.Do(org.OwnerToken, update, map[string]any{"id": id, "i": map[string]any{"kind": "TELEGRAM", "name": "x",
		"telegram": map[string]any{"botToken": "7123456789:AAH-telegram-secret-token-0123456789"}}}), "INVALID_INPUT")

	var dis struct{ DisconnectChannel channelJSON }
	s.MustDo(org.OwnerToken, `mutation($id: ID!) { disconnectChannel(id: $id) { `+channelFields+` } }`, map[string]any{"id": id}, &dis)
	require.Equal(t, "DISCONNECTED", dis.DisconnectChannel.Status)
	var sealed *[]byte
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT credentials FROM channel_accounts WHERE id = $1`, id).Scan(&sealed))
	require.Nil(t, sealed, "disconnecting erases the credentials")

	// Once disconnected, the number may be connected elsewhere, and
	// updating the old account connects it again (then it conflicts).
	s.MustDo(other.OwnerToken, connect, map[string]any{"i": whatsappInput("106540352242923")}, nil)
	requireOneCode(t, s.Do(org.OwnerToken, update, map[string]any{"id": id, "i": renamed}), "CONFLICT")
	requireOneCode(t, s.Do(org.OwnerToken, `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`,
		map[string]any{"id": "01a20b86-b703-7a53-8e67-b1b34d969070"}), "NOT_FOUND")
}

// Connecting a Telegram bot checks its token and points its webhook here,
// with the generated secret; problems show on the account.
func TestTelegramConnectRegistersTheWebhook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var calls []string
	var hook struct {
		URL         string `json:"url"`
		SecretToken string `json:"secret_token"`
	}
	tg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		calls = append(calls, method)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(r.URL.Path, "/bot7000000001:"):
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"ok":false,"error_code":401,"description":"Unauthorized"}`))
		case method == "getMe":
			_, _ = w.Write([]byte(`{"ok":true,"result":{"id":7123456789,"is_bot":true,"first_name":"Shop","username":"shop_bot"}}`))
		case method == "setWebhook":
			_ = json.NewDecoder(r.Body).Decode(&hook)
			_, _ = w.Write([]byte(`{"ok":true,"result":true,"description":"Webhook was set"}`))
		}
	}))
	t.Cleanup(tg.Close)
	s := apptest.Start(t, func(c *config.Config) {
		c.TelegramAPIURL = tg.URL
		c.PublicURL = "https://frontdesk.example.com"
	})
	org := s.SignUp("Bots")
	tgInput := func(token string) map[string]any {
		return map[string]any{"kind": "TELEGRAM", "name": "Bot", "telegram": map[string]any{"botToken": token}}
	}
	var out struct{ ConnectChannel channelJSON }
	s.MustDo(org.OwnerToken, connect, map[string]any{"i": tgInput("7123456789:AAH-telegram-secret-token-0123456789")}, &out)
	require.Equal(t, "ACTIVE", out.ConnectChannel.Status)
	require.Nil(t, out.ConnectChannel.LastError)
	mu.Lock()
	require.Equal(t, []string{"getMe", "setWebhook"}, calls)
	require.Equal(t, *out.ConnectChannel.WebhookURL, hook.URL)
	require.True(t, strings.HasPrefix(hook.URL, "https://frontdesk.example.com/webhooks/telegram/"))
	secret := hook.SecretToken
	mu.Unlock()
	var c channel.TelegramCredentials
	require.NoError(t, s.App.Connections.Credentials(context.Background(), &channel.Account{ID: uuid.MustParse(out.ConnectChannel.ID), OrganizationID: uuid.MustParse(org.ID)}, &c))
	require.Equal(t, c.WebhookSecret, secret, "Telegram repeats the stored secret on every update")

	s.MustDo(org.OwnerToken, connect, map[string]any{"i": tgInput("7000000001:AAH-telegram-wrong-token-0123456789")}, &out)
	require.Equal(t, "ERROR", out.ConnectChannel.Status)
	require.NotNil(t, out.ConnectChannel.LastError)
	require.Contains(t, *out.ConnectChannel.LastError, "did not accept the bot token")
}
