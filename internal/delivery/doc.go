// Package delivery is Frontdesk's outbox: it sends stored outbound
// messages (bot replies, agents' replies, follow-up reminders) to
// WhatsApp, Messenger, Instagram and Telegram, and records what the
// platform answered.
//
// A message that needs delivery is stored with delivery status PENDING
// together with its jobs.DeliverMessageArgs job, in one transaction
// (conversation.InsertBotReply, conversation.Service.SendAgentMessage).
// The process that committed a pipeline turn sends its replies itself, in
// order, right after the commit (eager.Runner.Deliver); their jobs are then
// scheduled as the fallback and deleted once sent. Either way, the send
// goes through Service.Deliver, which:
//
//  1. does nothing unless the message is still PENDING (sent, failed, or a
//     redelivered job);
//  2. waits (a short WaitError) while an earlier outbound message of the
//     conversation, stored less than 10 minutes before it, is still
//     PENDING: platforms show messages in the order they arrive, and a
//     turn's replies are stored in the order they are meant to be read;
//  3. claims it in one statement that commits on its own
//     (message_deliveries.claimed_at), locking the message row first: a
//     second run finds the claim and waits instead of sending, and a run
//     that waited on the lock finds the message already recorded;
//  4. checks, at send time, what may have changed since the message was
//     stored: a bot message whose conversation was handed to a human
//     afterwards is not sent (HANDED_OFF); the platform's messaging window
//     (below); a customer the platform reported unreachable who has not
//     written since (UNREACHABLE);
//  5. sends outside any database transaction, bounded by SendTimeout;
//  6. records the outcome atomically (a SENT message in one statement, a
//     failure in one short transaction): the platform's ids (external_id
//     keeps the first, message_deliveries.platform_ids and the event all
//     of them), the delivery status SENT or FAILED with a reason, a
//     MESSAGE_DELIVERY_UPDATED event, the account's health; then tells the
//     Notifier.
//
// Steps 1 and 2 are one statement, and the account and its credentials
// come from channel.Connections' cache: a send costs four statements
// (read, claim, conversation with recipient, record), which matters
// because every webhook's reply goes through here.
//
// # Exactly once, and the one window
//
// Every crash point is covered but one. A crash before the claim commits
// leaves the message PENDING and unclaimed: River runs the job again. A
// crash between the claim and the send leaves a claim that nobody holds:
// after ClaimTimeout the job (retried, or rescued by River) takes it over
// and sends. A crash after the outcome commits leaves nothing to do.
//
// The window is between the platform accepting the message and our
// commit of the outcome: the process dies, the connection drops, or the
// database is unreachable at that moment. The message stays PENDING with a
// stale claim, and the run that takes the claim over after ClaimTimeout
// sends it again: the customer may receive it twice. The window is kept
// small: the send is the last thing before the recording transaction, and
// that transaction runs on a context detached from the job's (a job
// cancelled mid-send still records what went out). Platforms that echo our
// reference (wire.Outbound.Reference: WhatsApp biz_opaque_callback_data in
// every status webhook, Messenger message metadata in the echo) close it:
// ApplyStatus gives the PENDING message the platform's id and status, and
// the run that takes the claim over finds it sent. What can still arrive
// twice is a Telegram or Instagram message (no reference comes back), or a
// WhatsApp or Messenger one whose status or echo comes later than
// ClaimTimeout.
// ClaimTimeout exceeds SendTimeout, so a live send's claim is never taken
// over.
//
// # Messaging windows, checked at send time
//
// The rules are channel.MessagingWindow's, the same the inbox shows agents:
//
//   - WhatsApp: more than 24 hours after the customer's last message
//     (conversations.last_inbound_at), only an approved template may be
//     sent: the account setting reengagementTemplate
//     ({"name": ..., "language": ..., "textParam": bool}; textParam fills
//     the template's {{1}} with the message's text). Without one the message
//     fails with reason OUTSIDE_WINDOW and no request is made. A 131047 from
//     WhatsApp inside the window switches to the template the same way.
//     WhatsApp mostly reports 131047 later, in a "failed" status webhook:
//     ApplyStatus then marks the message FAILED and, when the account has a
//     template, stores a copy (Payload TemplateResend) with its own delivery
//     job that always goes out as the template and is never copied again.
//   - Messenger, Instagram: after 24 hours only a person's reply within 7
//     days goes out, tagged HUMAN_AGENT; bot messages fail OUTSIDE_WINDOW.
//   - Telegram: bots cannot start conversations, so a conversation where
//     the customer never wrote fails with NO_INBOUND.
//
// # Errors
//
// A platform error that may pass (wire.SendError.Retry) is returned for
// River to retry with its backoff, or as a *WaitError when the platform
// said how long to wait; on the job's last attempt, or when the platform
// still asks to wait an hour after the message was stored, it fails the
// message (RETRIES_EXHAUSTED). A customer who cannot be reached (Telegram 403,
// Messenger 551) fails the message with UNREACHABLE and marks the contact
// identity unreachable until they write again. A message the adapter
// refuses (wire.ErrInvalidOutbound) and any other permanent error fail it
// at once. Account-wide failures are recorded on the account
// (LastError, LastErrorAt) and an authentication failure (HTTP 401, Graph
// code 190) sets it to ERROR; per-customer failures (unreachable, outside
// the window) are not the account's health and are not recorded there.
// The error agents and admins read carries the platform's own explanation
// (Meta's error_data.details, such as "More than 24 hours have passed since
// the recipient last replied"), not only its code and title.
// A text split into several messages that fails part-way is not retried
// (that would send the first parts again): it fails with PARTIALLY_SENT,
// keeping the ids that went out.
package delivery
