// Package media keeps the files customers send through the platforms.
// A platform message's attachments are stored as references (a WhatsApp
// media id, a Telegram file_id, a Messenger or Instagram URL); the
// fetch_media job, enqueued in the transaction that stores the message,
// downloads each one into PostgreSQL (message_media) before the
// platform's link expires. Clients read a stored file from
// GET /media/<message id>/<attachment index> with their bearer token, and
// every organisation sees only its own files.
//
// Files are kept up to MaxSize; a bigger one is recorded as TOO_LARGE and
// never downloaded. A fetch that may succeed later (a platform outage, a
// network error, throttling) is retried by River; a refusal, a hash that
// does not match the platform's, or running out of attempts records the
// attachment as FAILED with the reason.
package media

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/channel/meta"
	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/conversation"
)

// MaxSize is the largest file kept, in bytes: 20 MiB. It is Telegram's own
// download limit for bots, and above WhatsApp's limits for images (5 MB),
// audio and video (16 MB); only WhatsApp documents (up to 100 MB) and
// large Messenger files exceed it. Files are held in memory while fetched
// and served, so the limit and the media queue's few workers bound the
// memory a burst of files can take.
const MaxSize = 20 << 20

// Status is an attachment's state; the values are the GraphQL enum's.
type Status string

// Attachment states.
const (
	// StatusPending: the fetch has not settled yet (Error tells why a
	// retried fetch failed last).
	StatusPending Status = "PENDING"
	// StatusReady: the file is stored and served.
	StatusReady Status = "READY"
	// StatusTooLarge: over MaxSize, not downloaded.
	StatusTooLarge Status = "TOO_LARGE"
	// StatusFailed: the fetch failed for good; Error says why.
	StatusFailed Status = "FAILED"
	// StatusExternal: not a platform's file; URL is where it is, and
	// Frontdesk does not keep a copy.
	StatusExternal Status = "EXTERNAL"
)

// File is the stored copy of one attachment (message_media), without its
// content.
type File struct {
	bun.BaseModel `bun:"table:message_media"`

	ID             uuid.UUID `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID `bun:"organization_id,type:uuid"`
	MessageID      uuid.UUID `bun:"message_id,type:uuid"`
	// Index is the attachment's position in the message's attachments.
	Index     int        `bun:"attachment_index"`
	Status    Status     `bun:"status"`
	MimeType  string     `bun:"mime_type"`
	Size      *int64     `bun:"size"`
	SHA256    *string    `bun:"sha256"`
	Attempts  int        `bun:"attempts"`
	Error     *string    `bun:"error"`
	FetchedAt *time.Time `bun:"fetched_at"`
	CreatedAt time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt time.Time  `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}

// fileColumns are File's columns: never content, which only the download
// endpoint reads.
var fileColumns = []string{"id", "organization_id", "message_id", "attachment_index", "status", "mime_type", "size", "sha256",
	"attempts", "error", "fetched_at", "created_at", "updated_at"}

// FilesByMessageIDs loads the stored files of messages of one
// organisation (for dataloaders), without their content.
func FilesByMessageIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*File, error) {
	var out []*File
	err := db.NewSelect().Model(&out).Column(fileColumns...).
		Where("organization_id = ? AND message_id IN (?)", orgID, bun.List(ids)).Order("message_id", "attachment_index").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load message media: %w", err)
	}
	return out, nil
}

// Attachment is a message's attachment as clients see it.
type Attachment struct {
	// URL is where a client downloads the file: for a platform's file,
	// this server's /media endpoint (with the bearer token), which serves
	// it once Status is READY; otherwise the stored URL.
	URL      string
	MimeType string
	Name     string
	Status   Status
	// Size in bytes: of the stored file, or as the platform announced it.
	Size *int
	// SHA256 is the stored file's lowercase hex SHA-256.
	SHA256    *string
	Error     *string
	FetchedAt *time.Time
}

// Fetched reports whether any of m's attachments is a platform's file,
// which has (or will have) a stored copy.
func Fetched(m *conversation.Message) bool {
	for _, a := range m.Attachments {
		if a.Platform != "" {
			return true
		}
	}
	return false
}

// Credentials opens a channel account's credentials
// (channel.Connections).
type Credentials interface {
	Credentials(ctx context.Context, a *channel.Account, dst any) error
}

// MetaMedia resolves WhatsApp media ids (meta.Client).
type MetaMedia interface {
	Media(ctx context.Context, token, mediaID string) (meta.MediaInfo, error)
}

// TelegramFiles resolves Telegram file ids (telegram.Client).
type TelegramFiles interface {
	LookupFile(ctx context.Context, token, fileID string) (telegram.File, error)
	FileURL(token string, f telegram.File) (string, error)
}

// Config is what New needs.
type Config struct {
	DB          bun.IDB
	Connections Credentials
	Meta        MetaMedia
	Telegram    TelegramFiles
	// HTTP downloads the files; a client with a two-minute timeout when
	// nil.
	HTTP *http.Client
	// PublicURL is the deployment's public base URL (FRONTDESK_PUBLIC_URL):
	// attachments' URLs point at its /media endpoint.
	PublicURL string
	// Notifier, when set, is told after a file's outcome is recorded with
	// its MEDIA_UPDATED event (realtime.Hub), so subscribers hear of it.
	Notifier interface{ Notify() }
	Logger   *slog.Logger
}

// Service fetches, stores and serves platform media.
type Service struct {
	db        bun.IDB
	conns     Credentials
	meta      MetaMedia
	tg        TelegramFiles
	http      *http.Client
	publicURL *url.URL
	notify    interface{ Notify() }
	log       *slog.Logger
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("media: public URL %q: want an absolute http(s) URL", cfg.PublicURL)
	}
	if cfg.DB == nil || cfg.Connections == nil || cfg.Meta == nil || cfg.Telegram == nil {
		return nil, fmt.Errorf("media: DB, Connections, Meta and Telegram are required")
	}
	s := &Service{db: cfg.DB, conns: cfg.Connections, meta: cfg.Meta, tg: cfg.Telegram, http: cfg.HTTP, publicURL: u, notify: cfg.Notifier, log: cfg.Logger}
	if s.http == nil {
		s.http = &http.Client{Timeout: 2 * time.Minute}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// FileURL is where a client downloads attachment index of message msgID.
func (s *Service) FileURL(msgID uuid.UUID, index int) string {
	return s.publicURL.JoinPath("media", msgID.String(), strconv.Itoa(index)).String()
}

// Attachments gives m's attachments as clients see them; files are m's
// stored files (any order; missing ones are pending).
func (s *Service) Attachments(m *conversation.Message, files []*File) []*Attachment {
	byIndex := make(map[int]*File, len(files))
	for _, f := range files {
		if f.MessageID == m.ID {
			byIndex[f.Index] = f
		}
	}
	out := make([]*Attachment, 0, len(m.Attachments))
	for i, a := range m.Attachments {
		v := &Attachment{URL: a.URL, MimeType: a.MimeType, Name: a.Name, Status: StatusExternal}
		if a.Platform != "" {
			v.URL, v.Status = s.FileURL(m.ID, i), StatusPending
			if a.Size > 0 {
				v.Size = intPtr(a.Size)
			}
		}
		if f := byIndex[i]; f != nil && a.Platform != "" {
			v.Status, v.Error, v.FetchedAt, v.SHA256 = f.Status, f.Error, f.FetchedAt, f.SHA256
			if f.MimeType != "" {
				v.MimeType = f.MimeType
			}
			if f.Size != nil {
				v.Size = intPtr(*f.Size)
			}
		}
		out = append(out, v)
	}
	return out
}

func intPtr(n int64) *int {
	i := int(n)
	return &i
}
