package jobs

import (
	"github.com/google/uuid"
	"github.com/riverqueue/river"
)

// FetchMediaArgs downloads the platform media of one message (WhatsApp
// media ids, Telegram file_ids, Messenger and Instagram URLs) into
// Frontdesk's own storage (internal/media). It is enqueued in the
// transaction that stores the message; the worker is idempotent per
// attachment, so a re-run fetches only what is still pending.
type FetchMediaArgs struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	MessageID      uuid.UUID `json:"message_id"`
}

// Kind is the job's stable name.
func (FetchMediaArgs) Kind() string { return "fetch_media" }

// InsertOpts puts fetches on their own small queue: a burst of large files
// is held in memory one per worker, and must not delay message processing
// or delivery. 10 attempts with River's backoff (about attempt^4 seconds)
// keep retrying a platform outage for about four hours: Messenger's and
// Instagram's links expire, so later than that rarely helps. No unique
// key, as for ProcessMessageArgs: each message is enqueued once, in its own
// transaction.
func (FetchMediaArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMedia, MaxAttempts: 10}
}

// QueueMedia is the queue of media downloads.
const QueueMedia = "media"
