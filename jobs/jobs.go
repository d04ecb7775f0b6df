// Package jobs declares the arguments of Frontdesk's background jobs. It is
// a leaf package: services import it to enqueue jobs in the same
// transaction as the data they act on, and jobs/worker runs them.
package jobs

import (
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
)

// HandoffSLAArgs checks, when the organisation's hand-off SLA has passed,
// whether a human answered a handed-off conversation, and escalates it if
// not. HandedOffAt identifies the hand-off: a later hand-off schedules its
// own check and makes this one moot.
type HandoffSLAArgs struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	ConversationID uuid.UUID `json:"conversation_id"`
	HandedOffAt    time.Time `json:"handed_off_at"`
}

// Kind is the job's stable name.
func (HandoffSLAArgs) Kind() string { return "handoff_sla" }

// InsertOpts makes the check unique per hand-off, so a retried mutation
// cannot schedule it twice.
func (HandoffSLAArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       river.QueueDefault,
		MaxAttempts: 10,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// ScenarioTimerArgs fires one of the timers a scenario declares (the lead
// scenario's reminder and its abandon) for a run that waits for the
// customer. It is enqueued in the transaction that leaves the run waiting.
// Version is the run's version then: a run that has moved on since (the
// customer answered, the bot reminded them, the run ended) makes the timer
// moot, and it does nothing. Due is when it fires by the pipeline's clock.
type ScenarioTimerArgs struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	RunID          uuid.UUID `json:"run_id" river:"unique"`
	// Purpose names the timer in the scenario's declaration.
	Purpose string    `json:"purpose" river:"unique"`
	Version int       `json:"version" river:"unique"`
	Due     time.Time `json:"due"`
}

// Kind is the job's stable name.
func (ScenarioTimerArgs) Kind() string { return "scenario_timer" }

// InsertOpts makes a timer unique per run, purpose and version, so the
// same waiting point never schedules the same timer twice (a retried
// timer that schedules the next one, say). Due is left out of the key: it
// depends on when the insert ran, not on what the timer is for.
func (ScenarioTimerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       river.QueueDefault,
		MaxAttempts: 10,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// ProcessMessageArgs drives one inbound message through the pipeline:
// classify, decide, reply or hand off. It is enqueued in the transaction
// that stores the message; the worker is idempotent per message.
type ProcessMessageArgs struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	MessageID      uuid.UUID `json:"message_id"`
}

// Kind is the job's stable name.
func (ProcessMessageArgs) Kind() string { return "process_message" }

// InsertOpts puts messages on their own queue, so a burst of follow-ups
// never delays a customer's answer. No unique key: each message is
// enqueued once, in its own transaction, and the worker is idempotent per
// message, so River's uniqueness check would only cost time on every insert.
func (ProcessMessageArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMessages, MaxAttempts: 8}
}

// QueueMessages is the queue of inbound message processing.
const QueueMessages = "messages"

// DeliverMessageArgs sends one outbound message to its platform (WhatsApp,
// Messenger, Instagram, Telegram). It is enqueued in the transaction that
// stores the message; the worker sends at most once per message except in
// the one window internal/delivery documents.
type DeliverMessageArgs struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	MessageID      uuid.UUID `json:"message_id"`
}

// Kind is the job's stable name.
func (DeliverMessageArgs) Kind() string { return "deliver_message" }

// InsertOpts puts deliveries on their own queue, so a slow platform never
// holds up the pipeline, and makes them unique per message. 25 attempts
// with River's backoff (about attempt^4 seconds) keep retrying a platform
// outage for more than two weeks; a delivery the platform refuses for good
// fails at once instead (internal/delivery).
func (DeliverMessageArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueDelivery,
		MaxAttempts: 25,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// QueuedDelivery is a delivery job inserted in a transaction, remembered so
// the process that commits it can deliver the message at once.
type QueuedDelivery struct {
	JobID int64
	Args  DeliverMessageArgs
}

// QueueDelivery is the queue of outbound message delivery.
const QueueDelivery = "delivery"
