package media_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/channel"
	"frontdesk/internal/config"
	"frontdesk/internal/media"
	"frontdesk/jobs"
)

const (
	appSecret   = "test_app_secret_do_not_use"
	verifyToken = "test-verify-token"
	waToken     = "EAAG-test-access-token-0123456789"
	botToken    = "7123456789:AAH-telegram-test-token-0123456789"
)

// platform is a fake WhatsApp Graph API, Telegram Bot API and Meta CDN in
// one server, answering as the platforms document it.
type platform struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// files by WhatsApp media id, Telegram file_id or CDN name.
	files map[string][]byte
	// announced overrides the sha256 the media endpoint gives (a bad hash).
	announced map[string]string
	// fail answers the next n downloads of a file with 503.
	fail map[string]int
	// gate, when set for a file, holds its download until closed.
	gate      map[string]chan struct{}
	downloads map[string]int
}

func newPlatform(t *testing.T) *platform {
	p := &platform{t: t, files: map[string][]byte{}, announced: map[string]string{}, fail: map[string]int{},
		gate: map[string]chan struct{}{}, downloads: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *platform) add(id string, content []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files[id] = content
}

func (p *platform) downloaded(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.downloads[id]
}

func (p *platform) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch path := r.URL.Path; {
	case strings.HasPrefix(path, "/bot"+botToken+"/"):
		p.telegramMethod(w, r, strings.TrimPrefix(path, "/bot"+botToken+"/"))
	case strings.HasPrefix(path, "/file/bot"+botToken+"/"):
		p.download(w, strings.TrimPrefix(path, "/file/bot"+botToken+"/files/"))
	case strings.HasPrefix(path, "/wa-files/"):
		if r.Header.Get("Authorization") != "Bearer "+waToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p.download(w, strings.TrimPrefix(path, "/wa-files/"))
	case strings.HasPrefix(path, "/cdn/"):
		p.download(w, strings.TrimPrefix(path, "/cdn/"))
	case strings.HasPrefix(path, "/v24.0/"):
		// GET /<version>/<media-id>: the media URL JSON.
		id := strings.TrimPrefix(path, "/v24.0/")
		p.mu.Lock()
		content, ok := p.files[id]
		hash, bad := p.announced[id]
		p.mu.Unlock()
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer "+waToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"fbtrace_id":"T"}}`)
			return
		}
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"T"}}`)
			return
		}
		if !bad {
			sum := sha256.Sum256(content)
			hash = hex.EncodeToString(sum[:])
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp", "url": p.srv.URL + "/wa-files/" + id,
			"mime_type": "image/jpeg", "sha256": hash, "file_size": fmt.Sprint(len(content)), "id": id})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (p *platform) telegramMethod(w http.ResponseWriter, r *http.Request, method string) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	switch method {
	case "getMe":
		_, _ = io.WriteString(w, `{"ok":true,"result":{"id":7123456789,"is_bot":true,"first_name":"Shop","username":"shop_bot"}}`)
	case "getFile":
		id, _ := body["file_id"].(string)
		p.mu.Lock()
		content, ok := p.files[id]
		p.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{
			"file_id": id, "file_unique_id": "u" + id, "file_size": len(content), "file_path": "files/" + id}})
	default:
		_, _ = io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

func (p *platform) download(w http.ResponseWriter, id string) {
	p.mu.Lock()
	content, ok := p.files[id]
	gate := p.gate[id]
	failing := p.fail[id] > 0
	if failing {
		p.fail[id]--
	}
	p.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if failing {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	p.mu.Lock()
	p.downloads[id]++
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(content)
}

type testBundle struct {
	s   *apptest.Server
	p   *platform
	org *apptest.Org
	// webhook URLs and ids of the connected accounts, by kind.
	url map[string]string
	id  map[string]string
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	p := newPlatform(t)
	s := apptest.Start(t, func(c *config.Config) { c.MetaGraphURL, c.TelegramAPIURL = p.srv.URL, p.srv.URL })
	b := &testBundle{s: s, p: p, org: s.SignUp("Media"), url: map[string]string{}, id: map[string]string{}}
	for kind, creds := range map[string]map[string]any{
		"WHATSAPP":  {"phoneNumberId": "109876543210987", "wabaId": "102938475610293", "accessToken": waToken, "appSecret": appSecret, "verifyToken": verifyToken},
		"MESSENGER": {"pageId": "100200300400500", "pageToken": "EAAG-test-page-token-0123456789", "appSecret": appSecret, "verifyToken": verifyToken},
		"TELEGRAM":  {"botToken": botToken},
	} {
		var out struct {
			ConnectChannel struct{ ID, WebhookURL string }
		}
		s.MustDo(b.org.OwnerToken, `mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id webhookUrl } }`,
			map[string]any{"i": map[string]any{"kind": kind, "name": kind, strings.ToLower(kind): creds}}, &out)
		b.id[kind] = out.ConnectChannel.ID
		b.url[kind] = b.local(out.ConnectChannel.WebhookURL)
	}
	return b
}

// local points an absolute URL on the public base URL at the test server.
func (b *testBundle) local(u string) string {
	parsed, err := url.Parse(u)
	require.NoError(b.s.T, err)
	return strings.TrimSuffix(b.s.URL, "/graphql") + parsed.Path
}

func (b *testBundle) post(t *testing.T, kind string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url[kind], bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if kind == "TELEGRAM" {
		var c channel.TelegramCredentials
		require.NoError(t, b.s.App.Connections.Credentials(context.Background(),
			&channel.Account{ID: uuid.MustParse(b.id["TELEGRAM"]), OrganizationID: uuid.MustParse(b.org.ID)}, &c))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", c.WebhookSecret)
	} else {
		m := hmac.New(sha256.New, []byte(appSecret))
		m.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// whatsAppImage is the image_message fixture's shape with our own ids.
func whatsAppImage(wamid, mediaID, sha string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{"id": "102938475610293",
		"changes": []any{map[string]any{"field": "messages", "value": map[string]any{"messaging_product": "whatsapp",
			"metadata": map[string]any{"display_phone_number": "12025550142", "phone_number_id": "109876543210987"},
			"contacts": []any{map[string]any{"profile": map[string]any{"name": "Anna"}, "wa_id": "16505550123"}},
			"messages": []any{map[string]any{"from": "16505550123", "id": wamid, "timestamp": "1781000060", "type": "image",
				"image": map[string]any{"caption": "Where is my order #A-10234?", "mime_type": "image/jpeg", "sha256": sha, "id": mediaID}}}}}}}}})
	return b
}

func telegramPhoto(updateID int, fileID string, size int) []byte {
	return fmt.Appendf(nil, `{"update_id":%d,"message":{"message_id":%d,"from":{"id":7012345678,"is_bot":false,"first_name":"Anna"},
		"chat":{"id":7012345678,"type":"private"},"date":1781000660,"caption":"receipt",
		"photo":[{"file_id":"small-%s","file_unique_id":"s","file_size":10,"width":90,"height":67},{"file_id":%q,"file_unique_id":"x","file_size":%d,"width":1280,"height":960}]}}`,
		updateID, updateID, fileID, fileID, size)
}

func messengerImage(mid, url string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{"id": "100200300400500", "time": 1781000260610,
		"messaging": []any{map[string]any{"sender": map[string]any{"id": "6543210987654321"}, "recipient": map[string]any{"id": "100200300400500"},
			"timestamp": 1781000260300, "message": map[string]any{"mid": mid, "attachments": []any{
				map[string]any{"type": "image", "payload": map[string]any{"url": url}}}}}}}}})
	return b
}

// waitFetched waits until no fetch_media job is left to run. It polls the
// job table with a deadline: River signals nothing when a job finishes.
func (b *testBundle) waitFetched(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var open int
		require.NoError(t, b.s.App.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'fetch_media'
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&open))
		if open == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d fetch_media jobs still open", open)
		time.Sleep(20 * time.Millisecond)
	}
}

type attachmentJSON struct {
	URL, MimeType, Name, Status string
	Size                        *int
	SHA256                      *string
	Error                       *string
	FetchedAt                   *time.Time
}

// attachments reads the attachments of the conversation's inbound
// messages on account kind, oldest first, with their message ids.
func (b *testBundle) attachments(t *testing.T, token, kind string) (ids []string, atts [][]attachmentJSON) {
	t.Helper()
	var out struct {
		Conversations struct {
			Edges []struct {
				Node struct {
					Channel  struct{ ID string }
					Messages struct {
						Edges []struct {
							Node struct {
								ID          string
								Direction   string
								Attachments []attachmentJSON
							}
						}
					}
				}
			}
		}
	}
	b.s.MustDo(token, `{ conversations(first: 5) { edges { node { channel { id } messages(first: 20) { edges { node {
		id direction attachments { url mimeType name status size sha256 error fetchedAt } } } } } } } }`, nil, &out)
	for _, c := range out.Conversations.Edges {
		if c.Node.Channel.ID != b.id[kind] {
			continue
		}
		for i := len(c.Node.Messages.Edges) - 1; i >= 0; i-- {
			m := c.Node.Messages.Edges[i].Node
			if m.Direction == "IN" {
				ids = append(ids, m.ID)
				atts = append(atts, m.Attachments)
			}
		}
	}
	return ids, atts
}

func (b *testBundle) get(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

func (b *testBundle) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.s.App.DB.SQL.QueryRow(query, args...).Scan(&n))
	return n
}

func jpeg(n int) []byte {
	return append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{byte(n)}, 1000+n)...)
}

// A WhatsApp image is resolved through its media id, downloaded with the
// account's token, checked against the webhook's base64 SHA-256, stored,
// and served to its own organisation only. Until then it shows as pending.
func TestWhatsAppImageIsFetchedAndServedToItsOrganisation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	img := jpeg(1)
	sum := sha256.Sum256(img)
	b.p.add("1098765432109876", img)
	gate := make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release) // before the fake platform closes
	b.p.mu.Lock()
	b.p.gate["1098765432109876"] = gate
	b.p.mu.Unlock()

	body := whatsAppImage("wamid.MEDIA1", "1098765432109876", base64.StdEncoding.EncodeToString(sum[:]))
	b.post(t, "WHATSAPP", body)
	// The download is held: the attachment is pending, with the URL it
	// will be served from.
	ids, atts := b.attachments(t, b.org.OwnerToken, "WHATSAPP")
	require.Len(t, ids, 1)
	require.Len(t, atts[0], 1)
	pending := atts[0][0]
	require.Equal(t, "PENDING", pending.Status)
	require.Equal(t, "image/jpeg", pending.MimeType)
	require.Equal(t, "Where is my order #A-10234?", pending.Name)
	require.True(t, strings.HasSuffix(pending.URL, "/media/"+ids[0]+"/0"), pending.URL)
	require.Nil(t, pending.FetchedAt)
	status, _, _ := b.get(t, b.local(pending.URL), b.org.OwnerToken)
	require.Equal(t, http.StatusNotFound, status, "not served before it is stored")

	release()
	b.waitFetched(t)
	// A redelivery of the webhook stores nothing more and fetches nothing
	// again.
	b.post(t, "WHATSAPP", body)
	b.waitFetched(t)
	require.Equal(t, 1, b.p.downloaded("1098765432109876"))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM river_job WHERE kind = 'fetch_media'`))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM message_media`))

	_, atts = b.attachments(t, b.org.OwnerToken, "WHATSAPP")
	got := atts[0][0]
	require.Equal(t, "READY", got.Status)
	require.Equal(t, len(img), *got.Size)
	require.Equal(t, hex.EncodeToString(sum[:]), *got.SHA256)
	require.Nil(t, got.Error)
	require.NotNil(t, got.FetchedAt)

	fileURL := b.local(got.URL)
	status, hdr, served := b.get(t, fileURL, b.org.OwnerToken)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, img, served)
	require.Equal(t, "image/jpeg", hdr.Get("Content-Type"))
	require.Equal(t, "nosniff", hdr.Get("X-Content-Type-Options"))
	require.Contains(t, hdr.Get("Content-Disposition"), "inline")

	// Every team member of the organisation may read it; another
	// organisation may not even learn that it exists; no token is 401.
	_, agentToken := b.s.Invite(b.org, "AGENT")
	status, _, _ = b.get(t, fileURL, agentToken)
	require.Equal(t, http.StatusOK, status)
	other := b.s.SignUp("Other")
	status, _, served = b.get(t, fileURL, other.OwnerToken)
	require.Equal(t, http.StatusNotFound, status)
	require.NotEqual(t, img, served)
	status, _, _ = b.get(t, fileURL, "")
	require.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = b.get(t, fileURL, "not-a-token")
	require.Equal(t, http.StatusUnauthorized, status)
	// A web chat visitor of the same organisation is not in that
	// conversation.
	v := b.s.StartWebChat(b.org)
	status, _, _ = b.get(t, fileURL, v.Token)
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = b.get(t, strings.TrimSuffix(fileURL, "/0")+"/1", b.org.OwnerToken)
	require.Equal(t, http.StatusNotFound, status)
	// And the other organisation's GraphQL never lists it.
	r := b.s.Do(other.OwnerToken, `{ conversations(first: 5) { edges { node { messages(first: 20) { edges { node { id attachments { url } } } } } } } }`, nil)
	require.Empty(t, r.Errors)
	require.NotContains(t, string(r.Data), ids[0])

	// Running the job again (a retry after a crash) changes nothing.
	require.NoError(t, b.s.App.Media.Fetch(context.Background(),
		jobs.FetchMediaArgs{OrganizationID: uuid.MustParse(b.org.ID), MessageID: uuid.MustParse(ids[0])}, media.Attempt{}))
	require.Equal(t, 1, b.p.downloaded("1098765432109876"))
	_, atts = b.attachments(t, b.org.OwnerToken, "WHATSAPP")
	require.Equal(t, got, atts[0][0])
}

// A file whose bytes do not match the hash the platform announced is not
// stored: the attachment fails, visibly, and nothing is served.
func TestSHA256MismatchFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.p.add("2000000000000001", jpeg(2))
	wrong := sha256.Sum256([]byte("another file"))
	b.p.mu.Lock()
	b.p.announced["2000000000000001"] = hex.EncodeToString(wrong[:])
	b.p.mu.Unlock()
	// The webhook's own hash is left out: the media endpoint's counts.
	b.post(t, "WHATSAPP", whatsAppImage("wamid.MEDIA2", "2000000000000001", ""))
	b.waitFetched(t)

	_, atts := b.attachments(t, b.org.OwnerToken, "WHATSAPP")
	got := atts[0][0]
	require.Equal(t, "FAILED", got.Status)
	require.NotNil(t, got.Error)
	require.Contains(t, *got.Error, "SHA-256")
	require.Nil(t, got.SHA256)
	status, _, _ := b.get(t, b.local(got.URL), b.org.OwnerToken)
	require.Equal(t, http.StatusNotFound, status)
	require.Zero(t, b.count(t, `SELECT count(*) FROM message_media WHERE content IS NOT NULL`))
}

// Telegram photos go through getFile and the bot's file URL; Messenger's
// through the payload's URL, retried while the CDN answers 503; an expired
// link and a file over the limit are recorded, not retried.
func TestTelegramAndMessengerFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	photo, picture := jpeg(3), jpeg(4)
	b.p.add("AgACAgIAAxkBAAIBAWTESTfileIdLarge", photo)
	b.p.add("receipt.jpg", picture)
	b.p.mu.Lock()
	b.p.fail["receipt.jpg"] = 1
	b.p.mu.Unlock()

	b.post(t, "TELEGRAM", telegramPhoto(843219003, "AgACAgIAAxkBAAIBAWTESTfileIdLarge", len(photo)))
	b.post(t, "TELEGRAM", telegramPhoto(843219004, "huge-video", media.MaxSize+1))
	b.post(t, "MESSENGER", messengerImage("m_media_1", b.p.srv.URL+"/cdn/receipt.jpg"))
	b.post(t, "MESSENGER", messengerImage("m_media_2", b.p.srv.URL+"/cdn/expired.jpg"))
	b.waitFetched(t)

	_, tg := b.attachments(t, b.org.OwnerToken, "TELEGRAM")
	require.Len(t, tg, 2)
	require.Equal(t, "READY", tg[0][0].Status)
	status, hdr, served := b.get(t, b.local(tg[0][0].URL), b.org.OwnerToken)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, photo, served)
	// Telegram gives photos no MIME type: it is sniffed.
	require.Equal(t, "image/jpeg", hdr.Get("Content-Type"))
	require.Equal(t, "TOO_LARGE", tg[1][0].Status)
	require.Equal(t, media.MaxSize+1, *tg[1][0].Size)
	require.Zero(t, b.p.downloaded("huge-video"))

	_, fb := b.attachments(t, b.org.OwnerToken, "MESSENGER")
	require.Len(t, fb, 2)
	require.Equal(t, "READY", fb[0][0].Status)
	status, _, served = b.get(t, b.local(fb[0][0].URL), b.org.OwnerToken)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, picture, served)
	require.Equal(t, 2, b.count(t, `SELECT attempts FROM message_media WHERE status = 'READY' AND mime_type = 'image/jpeg' AND size = $1`, len(picture)))
	require.Equal(t, "FAILED", fb[1][0].Status)
	require.Contains(t, *fb[1][0].Error, "HTTP 404")
	// Each settled file told subscribers, once, with its status.
	require.Equal(t, b.count(t, `SELECT count(*) FROM message_media WHERE status <> 'PENDING'`),
		b.count(t, `SELECT count(*) FROM events e JOIN message_media f ON f.message_id = e.message_id
			AND f.attachment_index = (e.payload->>'index')::int AND f.status = e.payload->>'status' WHERE e.type = 'MEDIA_UPDATED'`))
	require.Equal(t, 4, b.count(t, `SELECT count(*) FROM events WHERE type = 'MEDIA_UPDATED'`))
}
