package media

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"frontdesk/internal/auth"
	"frontdesk/internal/conversation"
)

// Authenticator checks a bearer token (organization.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*auth.Principal, time.Time, error)
}

// Handler serves stored files at GET /media/<message id>/<attachment
// index> to callers who may read the message's conversation: the
// organisation's team, and a web chat visitor their own conversation.
// Anything else, another organisation's file included, is 404; so is a
// file not READY (the attachment's status says why). A missing or invalid
// token is 401.
func (s *Service) Handler(authn Authenticator) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /media/{message}/{index}", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, authn) })
	return mux
}

// inlineTypes are shown in the browser; anything else is downloaded, so a
// customer's HTML or SVG never runs as this server's page.
var inlineTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"audio/ogg": true, "audio/mpeg": true, "audio/mp4": true, "audio/aac": true, "audio/amr": true, "audio/opus": true,
	"video/mp4": true, "video/3gpp": true, "video/webm": true,
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, authn Authenticator) {
	ctx := r.Context()
	token := bearer(r.Header.Get("Authorization"))
	if token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	p, _, err := authn.Authenticate(ctx, token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk", error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	msgID, err := uuid.Parse(r.PathValue("message"))
	index, ierr := strconv.Atoi(r.PathValue("index"))
	if err != nil || ierr != nil || index < 0 {
		http.NotFound(w, r)
		return
	}
	f, err := s.file(ctx, p, msgID, index)
	if errors.Is(err, errNoFile) {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "serve media", slog.String("message_id", msgID.String()), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if f.status != StatusReady {
		http.Error(w, "file not available: "+string(f.status), http.StatusNotFound)
		return
	}
	h := w.Header()
	ctype, _, err := mime.ParseMediaType(f.mimeType)
	if err != nil {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// Private: the response depends on the token. The file never changes.
	h.Set("Cache-Control", "private, max-age=86400, immutable")
	h.Set("ETag", `"`+f.sha256+`"`)
	disposition := "attachment"
	if inlineTypes[ctype] {
		disposition = "inline"
	}
	name := fmt.Sprintf("%s-%d%s", msgID, index, extension(ctype))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	// ServeContent answers Range (audio and video seek) and If-None-Match.
	http.ServeContent(w, r, "", f.fetchedAt, bytes.NewReader(f.content))
}

func extension(ctype string) string {
	switch ctype {
	case "image/jpeg":
		return ".jpg"
	case "audio/ogg":
		return ".ogg"
	}
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

var errNoFile = errors.New("no such file")

type storedFile struct {
	status    Status
	mimeType  string
	sha256    string
	content   []byte
	fetchedAt time.Time
}

// file loads attachment index of message msgID, if p may read the
// message: it must be p's organisation's and in a conversation p can see
// (conversation.CanSee); visitors never read private notes.
func (s *Service) file(ctx context.Context, p *auth.Principal, msgID uuid.UUID, index int) (*storedFile, error) {
	msgs, err := conversation.MessagesByIDs(ctx, s.db, p.OrgID, []uuid.UUID{msgID})
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 || (msgs[0].Private && p.Role == auth.RoleVisitor) {
		return nil, errNoFile
	}
	convs, err := conversation.ConversationsByIDs(ctx, s.db, p.OrgID, []uuid.UUID{msgs[0].ConversationID})
	if err != nil {
		return nil, err
	}
	if len(convs) == 0 || !conversation.CanSee(p, convs[0]) {
		return nil, errNoFile
	}
	var f storedFile
	var sum sql.NullString
	var at sql.NullTime
	err = s.db.NewRaw(`SELECT status, mime_type, sha256, content, fetched_at FROM message_media
		WHERE organization_id = ? AND message_id = ? AND attachment_index = ?`, p.OrgID, msgID, index).
		Scan(ctx, &f.status, &f.mimeType, &sum, &f.content, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoFile
	}
	if err != nil {
		return nil, fmt.Errorf("load media: %w", err)
	}
	f.sha256, f.fetchedAt = sum.String, at.Time
	return &f, nil
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
