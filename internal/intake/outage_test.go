package intake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
)

// answer is what one request got back.
type answer struct {
	what       string
	status     int
	retryAfter string
	codes      []string // GraphQL errors' extensions.code
	err        error
}

func (a answer) String() string {
	return fmt.Sprintf("%s: %d Retry-After=%q codes=%v err=%v", a.what, a.status, a.retryAfter, a.codes, a.err)
}

// send posts body and reads the answer; safe to call from any goroutine.
func send(what, url string, body []byte, header map[string]string) answer {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{what: what, err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{what: what, err: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	a := answer{what: what, status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), err: err}
	if strings.HasSuffix(url, "/graphql") {
		var out struct {
			Errors []struct {
				Extensions struct{ Code string }
			}
		}
		if a.err = json.Unmarshal(raw, &out); a.err != nil {
			a.err = fmt.Errorf("%w: %s", a.err, raw)
		}
		for _, e := range out.Errors {
			a.codes = append(a.codes, e.Extensions.Code)
		}
	}
	return a
}

func telegramUpdate(n int) []byte {
	return fmt.Appendf(nil, `{"update_id": %d, "message": {"message_id": %d, "from": {"id": %d, "is_bot": false, "first_name": "Outage"},
		"chat": {"id": %d, "first_name": "Outage", "type": "private"}, "date": 1781000600, "text": "outage message %d"}}`,
		900000+n, 5000+n, 7000000+n%5, 7000000+n%5, n)
}

// A database outage is answered as one: webhooks get 503 with Retry-After
// (never 404, which a platform takes for a deleted endpoint, nor 500), GraphQL
// gets UNAVAILABLE with status 503 and Retry-After (also when the token's
// user cannot be read), and /readyz fails. Once the database is back every
// request is answered normally and every message the platform delivered,
// during the outage included (it redelivers what got 503), is stored once.
// The outage is a TCP proxy of the test's own, cut and restored: the shared
// PostgreSQL keeps running.
func TestDatabaseOutageAnswers503(t *testing.T) {
	t.Parallel()
	proxy := apptest.NewDBProxy(t)
	// Messages whose eager run the cut broke are River's after
	// EagerFallback: a second, not ten, keeps the test short.
	h := setup(t, proxy.Option(), func(c *config.Config) { c.EagerFallback = time.Second })
	base := strings.TrimSuffix(h.s.URL, "/graphql")
	hook := map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}
	visitor := h.s.StartWebChat(h.org)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	gql := func(q string) []byte { b, _ := json.Marshal(map[string]any{"query": q}); return b }
	queries := []struct {
		what   string
		header map[string]string
		body   []byte
	}{
		{"me (the token's user is read)", bearer(h.org.OwnerToken), gql(`{ me { id } }`)},
		{"conversations", bearer(h.org.OwnerToken), gql(`{ conversations(first: 5) { edges { node { id } } } }`)},
		{"visitor's conversation", bearer(visitor.Token), gql(`{ conversation(id: "` + visitor.ConversationID + `") { id } }`)},
		{"login", nil, gql(`mutation { login(email: "nobody@outage.test", password: "password-123") { token } }`)},
	}
	sent := map[int]bool{}
	for n := range 5 {
		require.Equal(t, http.StatusOK, send("webhook", h.url["TELEGRAM"], telegramUpdate(n), hook).status)
		sent[n] = true
	}

	proxy.Cut()
	const workers, rounds = 4, 6
	var mu sync.Mutex
	var got []answer
	var redeliver []int
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				n := 100 + w*rounds + i
				a := send(fmt.Sprintf("webhook %d", n), h.url["TELEGRAM"], telegramUpdate(n), hook)
				q := queries[(w+i)%len(queries)]
				b := send(q.what, h.s.URL, q.body, q.header)
				mu.Lock()
				got = append(got, a, b)
				sent[n] = true
				if a.status != http.StatusOK {
					redeliver = append(redeliver, n)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, a := range got {
		require.NoError(t, a.err, "%s", a)
		require.Equal(t, http.StatusServiceUnavailable, a.status, "%s", a)
		require.NotEmpty(t, a.retryAfter, "%s", a)
		if !strings.HasPrefix(a.what, "webhook") {
			require.NotEmpty(t, a.codes, "%s", a)
			for _, c := range a.codes {
				require.Equal(t, "UNAVAILABLE", c, "%s", a)
			}
		}
	}
	ready, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	ready.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, ready.StatusCode, "/readyz fails while the database is cut")

	proxy.Restore()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		require.NoError(t, err)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			break
		}
		require.True(t, time.Now().Before(deadline), "/readyz still %d after the database came back", res.StatusCode)
		time.Sleep(20 * time.Millisecond)
	}
	// The platform redelivers what was refused; everything answers again.
	for _, n := range redeliver {
		a := send("redelivered webhook", h.url["TELEGRAM"], telegramUpdate(n), hook)
		require.Equal(t, http.StatusOK, a.status, "%s", a)
	}
	for n := 1000; n < 1005; n++ {
		require.Equal(t, http.StatusOK, send("webhook", h.url["TELEGRAM"], telegramUpdate(n), hook).status)
		sent[n] = true
	}
	for _, q := range queries[:3] {
		a := send(q.what, h.s.URL, q.body, q.header)
		require.Equal(t, http.StatusOK, a.status, "%s", a)
		require.Empty(t, a.codes, "%s", a)
	}
	h.s.WaitProcessed()
	stored := h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN' AND text LIKE 'outage message %'`)
	distinct := h.count(t, `SELECT count(DISTINCT text) FROM messages WHERE direction = 'IN' AND text LIKE 'outage message %'`)
	require.Equal(t, len(sent), stored, "every delivered message is stored once")
	require.Equal(t, len(sent), distinct)
}
