package graph_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
)

// fakeTemplates is a Graph API that lists one WABA's templates, and refuses
// another's token.
func fakeTemplates(t *testing.T, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/message_templates"):
			w.WriteHeader(http.StatusNotFound)
		case r.Header.Get("Authorization") != "Bearer EAAG-secret-access-token-0123456789":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"fbtrace_id":"T"}}`)
		default:
			require.Equal(t, "/v24.0/102290129340398/message_templates", r.URL.Path)
			_, _ = io.WriteString(w, `{"data":[
				{"name":"reengage","components":[{"type":"BODY","text":"Hello! You wrote to us: {{1}}"}],"language":"en_US","status":"APPROVED","category":"UTILITY","id":"11"},
				{"name":"promo","components":[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Sale"}],"language":"en_US","status":"REJECTED","category":"MARKETING","id":"12"},
				{"name":"reengage","components":[{"type":"BODY","text":"Здравствуйте! {{1}}"}],"language":"ru","status":"PENDING","category":"UTILITY","id":"13"}],
				"paging":{"cursors":{"before":"A","after":"B"}}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type templateJSON struct {
	ID, Name, Language, Status, Category string
	Components                           []struct {
		Type, Format, Text string
	}
}

func TestChannelTemplatesAreListedFromMeta(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	graphAPI := fakeTemplates(t, &calls)
	s := apptest.Start(t, func(c *config.Config) { c.MetaGraphURL = graphAPI.URL })
	org := s.SignUp("Templates")
	var wa struct{ ConnectChannel struct{ ID string } }
	s.MustDo(org.OwnerToken, connect, map[string]any{"i": whatsappInput("106540352242922")}, &wa)
	id := wa.ConnectChannel.ID

	const q = `query($c: ID!) { channelTemplates(channelId: $c) { id name language status category components { type format text } } }`
	var out struct{ ChannelTemplates []templateJSON }
	s.MustDo(org.OwnerToken, q, map[string]any{"c": id}, &out)
	require.Len(t, out.ChannelTemplates, 3)
	// By name, then language; every status is listed.
	got := []string{}
	for _, tpl := range out.ChannelTemplates {
		got = append(got, tpl.Name+"/"+tpl.Language+"/"+tpl.Status)
	}
	require.Equal(t, []string{"promo/en_US/REJECTED", "reengage/en_US/APPROVED", "reengage/ru/PENDING"}, got)
	require.Equal(t, "IMAGE", out.ChannelTemplates[0].Components[0].Format)
	require.Empty(t, out.ChannelTemplates[0].Components[0].Text)
	require.Equal(t, "Hello! You wrote to us: {{1}}", out.ChannelTemplates[1].Components[0].Text)

	// Admins only; other kinds of account are refused before any call.
	_, _, agentToken := inviteWithToken(t, s, org, "AGENT")
	requireOneCode(t, s.Do(agentToken, q, map[string]any{"c": id}), "FORBIDDEN")
	var list struct{ ChannelAccounts []struct{ ID, Kind string } }
	s.MustDo(org.OwnerToken, `{ channelAccounts { id kind } }`, nil, &list)
	before := calls.Load()
	for _, a := range list.ChannelAccounts {
		if a.Kind == "WEBCHAT" {
			r := s.Do(org.OwnerToken, q, map[string]any{"c": a.ID})
			requireOneCode(t, r, "INVALID_INPUT")
			require.Contains(t, r.Errors[0].Message, "only WhatsApp")
		}
	}
	require.Equal(t, before, calls.Load())

	// Meta refusing the token is the account's problem, said plainly.
	expired := whatsappInput("106540352242922")
	expired["whatsapp"].(map[string]any)["accessToken"] = "EAAG-expired-access-token-0123456789"
	s.MustDo(org.OwnerToken, `mutation($id: ID!, $i: ConnectChannelInput!) { updateChannel(id: $id, input: $i) { id } }`, map[string]any{"id": id, "i": expired}, nil)
	r := s.Do(org.OwnerToken, q, map[string]any{"c": id})
	requireOneCode(t, r, "CONFLICT")
	require.Contains(t, r.Errors[0].Message, "190")
}

func TestSetChannelTemplate(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Reengage")
	var wa struct{ ConnectChannel struct{ ID string } }
	s.MustDo(org.OwnerToken, connect, map[string]any{"i": whatsappInput("106540352242922")}, &wa)
	id := wa.ConnectChannel.ID
	const set = `mutation($c: ID!, $t: ReengagementTemplateInput) { setChannelTemplate(channelId: $c, template: $t) {
		id reengagementTemplate { name language textParam } } }`

	for name, tpl := range map[string]map[string]any{
		"no language":      {"name": "reengage", "language": ""},
		"blank language":   {"name": "reengage", "language": "   "},
		"bad language":     {"name": "reengage", "language": "English"},
		"no name":          {"name": "", "language": "en_US"},
		"name with spaces": {"name": "Re engage", "language": "en_US"},
	} {
		r := s.Do(org.OwnerToken, set, map[string]any{"c": id, "t": tpl})
		requireOneCode(t, r, "INVALID_INPUT")
		require.NotEmpty(t, r.Errors[0].Extensions["field"], name)
	}
	// GraphQL itself requires the language.
	require.NotEmpty(t, s.Do(org.OwnerToken, set, map[string]any{"c": id, "t": map[string]any{"name": "reengage"}}).Errors)

	var out struct {
		SetChannelTemplate struct {
			ReengagementTemplate *struct {
				Name, Language string
				TextParam      bool
			}
		}
	}
	s.MustDo(org.OwnerToken, set, map[string]any{"c": id, "t": map[string]any{"name": "reengage", "language": "en_US", "textParam": true}}, &out)
	require.Equal(t, "reengage", out.SetChannelTemplate.ReengagementTemplate.Name)
	require.Equal(t, "en_US", out.SetChannelTemplate.ReengagementTemplate.Language)
	require.True(t, out.SetChannelTemplate.ReengagementTemplate.TextParam)
	// Stored as the setting the delivery job reads, next to other settings.
	_, err := s.App.DB.SQL.Exec(`UPDATE channel_accounts SET settings = settings || '{"other": 1}' WHERE id = $1`, id)
	require.NoError(t, err)
	var settings string
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT settings::text FROM channel_accounts WHERE id = $1`, id).Scan(&settings))
	require.JSONEq(t, `{"other": 1, "reengagementTemplate": {"name": "reengage", "language": "en_US", "textParam": true}}`, settings)

	// Null removes it and keeps the rest.
	s.MustDo(org.OwnerToken, set, map[string]any{"c": id, "t": nil}, &out)
	require.Nil(t, out.SetChannelTemplate.ReengagementTemplate)
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT settings::text FROM channel_accounts WHERE id = $1`, id).Scan(&settings))
	require.JSONEq(t, `{"other": 1}`, settings)

	// Not for other kinds of account, nor for non-admins.
	var list struct{ ChannelAccounts []struct{ ID, Kind string } }
	s.MustDo(org.OwnerToken, `{ channelAccounts { id kind } }`, nil, &list)
	for _, a := range list.ChannelAccounts {
		if a.Kind != "WHATSAPP" {
			r := s.Do(org.OwnerToken, set, map[string]any{"c": a.ID, "t": map[string]any{"name": "reengage", "language": "en"}})
			requireOneCode(t, r, "INVALID_INPUT")
		}
	}
	_, _, agentToken := inviteWithToken(t, s, org, "MANAGER")
	requireOneCode(t, s.Do(agentToken, set, map[string]any{"c": id, "t": nil}), "FORBIDDEN")
}

// A conversation's messaging window follows the channel's rules from its
// last inbound message.
func TestMessagingWindow(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Windows")
	in := whatsappInput("109876543210987")
	in["whatsapp"].(map[string]any)["appSecret"] = "whatsapp-app-secret-0123"
	var wa struct {
		ConnectChannel struct{ ID, WebhookURL string }
	}
	s.MustDo(org.OwnerToken, connect, map[string]any{"i": in}, &wa)

	// A customer writes on WhatsApp.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"12025550142","phone_number_id":"109876543210987"},"contacts":[{"profile":{"name":"Anna"},"wa_id":"16505550123"}],` +
		`"messages":[{"from":"16505550123","id":"wamid.WINDOW1","timestamp":"1781000060","type":"text","text":{"body":"hello"}}]},"field":"messages"}]}]}`)
	mac := hmac.New(sha256.New, []byte("whatsapp-app-secret-0123"))
	mac.Write(body)
	hook, err := url.Parse(wa.ConnectChannel.WebhookURL)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(s.URL, "/graphql")+hook.Path, strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	s.WaitProcessed()

	type windowJSON struct {
		State    string
		ClosesAt *time.Time
	}
	window := func() (conv string, w windowJSON, lastInbound time.Time) {
		var out struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						ID              string
						Channel         struct{ Kind string }
						LastInboundAt   *time.Time
						MessagingWindow windowJSON
					}
				}
			}
		}
		s.MustDo(org.OwnerToken, `{ conversations { edges { node { id channel { kind } lastInboundAt messagingWindow { state closesAt } } } } }`, nil, &out)
		for _, e := range out.Conversations.Edges {
			if e.Node.Channel.Kind == "WHATSAPP" {
				return e.Node.ID, e.Node.MessagingWindow, *e.Node.LastInboundAt
			}
		}
		t.Fatal("no WhatsApp conversation")
		return
	}
	conv, w, last := window()
	require.Equal(t, "OPEN", w.State)
	require.WithinDuration(t, last.Add(24*time.Hour), *w.ClosesAt, time.Millisecond)

	// Two days later the window is closed, unless a template re-engages.
	_, err = s.App.DB.SQL.Exec(`UPDATE conversations SET last_inbound_at = now() - interval '2 days' WHERE id = $1`, conv)
	require.NoError(t, err)
	_, w, _ = window()
	require.Equal(t, windowJSON{State: "CLOSED"}, w)
	s.MustDo(org.OwnerToken, `mutation($c: ID!) { setChannelTemplate(channelId: $c, template: {name: "reengage", language: "en_US"}) { id } }`,
		map[string]any{"c": wa.ConnectChannel.ID}, nil)
	_, w, _ = window()
	require.Equal(t, windowJSON{State: "TEMPLATE_ONLY"}, w)

	// The web chat is always open.
	v := s.StartWebChat(org)
	var own struct {
		Conversation struct{ MessagingWindow windowJSON }
	}
	s.MustDo(org.OwnerToken, `query($c: ID!) { conversation(id: $c) { messagingWindow { state closesAt } } }`, map[string]any{"c": v.ConversationID}, &own)
	require.Equal(t, windowJSON{State: "OPEN"}, own.Conversation.MessagingWindow)
}
