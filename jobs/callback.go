package jobs

import (
	"github.com/google/uuid"
	"github.com/riverqueue/river"
)

// AnswerCallbackArgs acknowledges a Telegram button press
// (answerCallbackQuery), so the customer's button stops spinning. It is
// enqueued in the transaction that stores the press as a message.
type AnswerCallbackArgs struct {
	OrganizationID   uuid.UUID `json:"organization_id"`
	ChannelAccountID uuid.UUID `json:"channel_account_id"`
	CallbackID       string    `json:"callback_id"`
}

// Kind is the job's stable name.
func (AnswerCallbackArgs) Kind() string { return "answer_callback" }

// InsertOpts: Telegram stops accepting an answer after a short while, so
// a few quick retries are all that can help.
func (AnswerCallbackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDelivery, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}
