package intake_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// lastError reads an account's lastError (empty when there is none).
func (h *harness) lastError(t *testing.T, kind string) string {
	t.Helper()
	var s *string
	require.NoError(t, h.s.App.DB.SQL.QueryRow(`SELECT last_error FROM channel_accounts WHERE id = $1`, h.id[kind]).Scan(&s))
	if s == nil {
		return ""
	}
	return *s
}

// A NUL in a signed message's text or its sender's name cannot be stored
// in PostgreSQL: the message is stored without it and acknowledged, so the
// platform does not redeliver it forever (and Telegram does not hold back
// the bot's later updates); nothing of the failure reaches lastError.
func TestWebhookNULIsStrippedAndAcknowledged(t *testing.T) {
	t.Parallel()
	h := setup(t)

	wa, err := os.ReadFile(filepath.Join(metaFixtures, "whatsapp", "text_message.json"))
	require.NoError(t, err)
	body := strings.Replace(string(wa), `"body":"`, `"body":"NUL\u0000inside `, 1)
	body = strings.Replace(body, `"name":"`, `"name":"Nul\u0000`, 1)
	require.Contains(t, body, `NUL\u0000inside`)
	for range 2 { // the redelivery is recognised as the same message
		require.Equal(t, http.StatusOK, post(t, h.url["WHATSAPP"], []byte(body), map[string]string{"X-Hub-Signature-256": sign([]byte(body))}))
	}

	tg, err := os.ReadFile(filepath.Join(telegramFixtures, "update_text.json"))
	require.NoError(t, err)
	body = strings.Replace(string(tg), `"first_name": "Анна"`, `"first_name": "Ан\u0000на"`, 1)
	body = strings.Replace(body, `"text": "Сколько стоит?"`, `"text": "Сколько\u0000 стоит?"`, 1)
	require.Contains(t, body, `Ан\u0000на`)
	hdr := map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}
	for range 2 {
		require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], []byte(body), hdr))
	}

	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.channel_account_id = $1 AND m.text LIKE 'NULinside %'`, h.id["WHATSAPP"]))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.channel_account_id = $1 AND m.text = 'Сколько стоит?'`, h.id["TELEGRAM"]))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM contacts WHERE name LIKE 'Nul%'`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM contacts WHERE name LIKE 'Анна%'`))
	h.s.WaitProcessed()
	// (The bot's replies fail to deliver in tests, which lastError shows;
	// no webhook failed.)
	for _, kind := range []string{"WHATSAPP", "TELEGRAM"} {
		require.NotContains(t, h.lastError(t, kind), "webhook")
		require.NotContains(t, h.lastError(t, kind), "SQLSTATE")
	}
}

// lastError is for admins: a fixed description of what went wrong, or the
// platform's own words, never our internal text; and it is cut on a
// character boundary, so a long message in Cyrillic is still stored.
func TestWebhookLastErrorIsSafe(t *testing.T) {
	t.Parallel()
	h := setup(t)

	// Signed but unreadable: acknowledged, with a fixed description.
	hdr := map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}
	require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], []byte(`{"update_id": "not a number"}`), hdr))
	require.Equal(t, "webhook: a delivery could not be read; it was acknowledged and skipped", h.lastError(t, "TELEGRAM"))

	// The platform's error, in its words, cut to 500 characters.
	long := strings.Repeat("Ошибка ", 200)
	body := `{"object":"whatsapp_business_account","entry":[{"id":"102938475610293","changes":[{"value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"12025550142","phone_number_id":"109876543210987"},` +
		`"errors":[{"code":130429,"title":"Rate limit hit","message":"` + long + `\u0000"}]},"field":"messages"}]}]}`
	require.Equal(t, http.StatusOK, post(t, h.url["WHATSAPP"], []byte(body), map[string]string{"X-Hub-Signature-256": sign([]byte(body))}))
	got := h.lastError(t, "WHATSAPP")
	require.True(t, strings.HasPrefix(got, "webhook: the platform reported an error: 130429 Ошибка"), got)
	require.True(t, utf8.ValidString(got))
	require.LessOrEqual(t, utf8.RuneCountInString(got), 500)
	require.NotContains(t, got, "\x00")
}
