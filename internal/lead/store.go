package lead

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
)

// The functions in this file take a bun.IDB, so the pipeline can call them
// inside the transaction of the message it is processing. Every query is
// scoped by organisation.

// ErrSlotTaken is returned by BookMeeting when the slot was booked first by
// someone else. It is a CONFLICT: errors.Is(err, apperror.ErrConflict)
// holds too.
var ErrSlotTaken = apperror.New(apperror.Conflict, "this time slot has just been taken")

// CreateOrUpdateLead records what the conversation's lead has told us:
// it creates the conversation's lead, or updates it. Known fields of f
// replace the stored ones; unknown (zero) fields leave them as they are, so
// the bot never erases what the team typed in. The status is set to status,
// except that a lead the team already marked WON or LOST keeps it. A zero
// contactID stores no contact. The start is stored as the day of
// f.Start.Start in its own location (extract returns it in the
// organisation's time zone).
func CreateOrUpdateLead(ctx context.Context, db bun.IDB, orgID, conversationID, contactID uuid.UUID, channel string, f Fields, status Status) (*Lead, error) {
	if !status.Valid() {
		return nil, apperror.Invalid("status", "unknown lead status %q", status)
	}
	l := &Lead{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: orgID, ConversationID: conversationID, Status: status,
		Need: truncate(f.Need, 500), City: truncate(f.City, 100), PreferredContact: f.Contact, Channel: channel,
	}
	if contactID != uuid.Nil {
		l.ContactID = &contactID
	}
	if f.Budget != nil {
		amount := f.Budget.Amount
		l.BudgetAmount, l.BudgetCurrency, l.BudgetPer = &amount, f.Budget.Currency, f.BudgetPer
	}
	if f.Start != nil {
		d := startDay(f.Start, nil)
		l.StartDate = &d
	}
	err := db.NewInsert().Model(l).
		On("CONFLICT (conversation_id) DO UPDATE").
		Set("status = CASE WHEN lead.status IN ('WON', 'LOST') THEN lead.status ELSE EXCLUDED.status END").
		Set("contact_id = coalesce(EXCLUDED.contact_id, lead.contact_id)").
		Set("budget_amount = coalesce(EXCLUDED.budget_amount, lead.budget_amount)").
		Set("budget_currency = CASE WHEN EXCLUDED.budget_amount IS NULL THEN lead.budget_currency ELSE EXCLUDED.budget_currency END").
		Set("budget_per = CASE WHEN EXCLUDED.budget_amount IS NULL THEN lead.budget_per ELSE EXCLUDED.budget_per END").
		Set("need = coalesce(nullif(EXCLUDED.need, ''), lead.need)").
		Set("city = coalesce(nullif(EXCLUDED.city, ''), lead.city)").
		Set("start_date = coalesce(EXCLUDED.start_date, lead.start_date)").
		Set("preferred_contact = coalesce(nullif(EXCLUDED.preferred_contact, ''), lead.preferred_contact)").
		Set("channel = coalesce(nullif(EXCLUDED.channel, ''), lead.channel)").
		Set("updated_at = now()").
		// A conversation belongs to one organisation; never touch another's lead.
		Where("lead.organization_id = EXCLUDED.organization_id").
		Returning("*").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("conversation not found")
	}
	if err != nil {
		return nil, fmt.Errorf("save lead: %w", err)
	}
	return l, nil
}

// LeadByConversation returns the conversation's lead; NOT_FOUND when it
// has none.
func LeadByConversation(ctx context.Context, db bun.IDB, orgID, conversationID uuid.UUID) (*Lead, error) {
	l := new(Lead)
	err := db.NewSelect().Model(l).Where("organization_id = ? AND conversation_id = ?", orgID, conversationID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("lead not found")
	}
	if err != nil {
		return nil, fmt.Errorf("load lead: %w", err)
	}
	return l, nil
}

// LeadsByIDs loads leads of one organisation (dataloaders); unknown ids are
// left out.
func LeadsByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*Lead, error) {
	out := []*Lead{}
	if len(ids) == 0 {
		return out, nil
	}
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load leads: %w", err)
	}
	return out, nil
}

// LeadsByConversationIDs loads the leads of conversations of one
// organisation (the Conversation.lead dataloader).
func LeadsByConversationIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, conversationIDs []uuid.UUID) ([]*Lead, error) {
	out := []*Lead{}
	if len(conversationIDs) == 0 {
		return out, nil
	}
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND conversation_id IN (?)", orgID, bun.List(conversationIDs)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load leads: %w", err)
	}
	return out, nil
}

// BookMeeting books the call [start, end) with the lead. When another
// conversation booked the same start first (even concurrently, in a
// transaction that has not committed yet) it returns ErrSlotTaken without
// aborting the caller's transaction, which can then offer fresh slots.
func BookMeeting(ctx context.Context, db bun.IDB, l *Lead, start, end time.Time) (*Meeting, error) {
	if !end.After(start) {
		return nil, apperror.Invalid("end", "a meeting must end after it starts")
	}
	m := &Meeting{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: l.OrganizationID, LeadID: l.ID, ConversationID: l.ConversationID,
		StartsAt: start, EndsAt: end, Status: MeetingBooked,
	}
	// ON CONFLICT DO NOTHING rather than catching the unique violation: an
	// error would abort the caller's whole transaction.
	err := db.NewInsert().Model(m).
		On("CONFLICT (organization_id, starts_at) WHERE status = 'BOOKED' DO NOTHING").
		Returning("*").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSlotTaken
	}
	if err != nil {
		return nil, fmt.Errorf("book meeting: %w", err)
	}
	return m, nil
}

// BookedStarts returns the starts of the organisation's booked calls that
// start in [from, to), in order.
func BookedStarts(ctx context.Context, db bun.IDB, orgID uuid.UUID, from, to time.Time) ([]time.Time, error) {
	out := []time.Time{}
	err := db.NewSelect().Model((*Meeting)(nil)).Column("starts_at").
		Where("organization_id = ? AND status = ? AND starts_at >= ? AND starts_at < ?", orgID, MeetingBooked, from, to).
		Order("starts_at").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("booked starts: %w", err)
	}
	return out, nil
}

// MeetingsByLeadIDs loads the meetings of leads of one organisation, by
// start (the Lead.meetings dataloader).
func MeetingsByLeadIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, leadIDs []uuid.UUID) ([]*Meeting, error) {
	out := []*Meeting{}
	if len(leadIDs) == 0 {
		return out, nil
	}
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND lead_id IN (?)", orgID, bun.List(leadIDs)).
		Order("starts_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load meetings: %w", err)
	}
	return out, nil
}

// CancelMeeting cancels a booked call, freeing its slot; cancelling a
// cancelled call changes nothing.
func CancelMeeting(ctx context.Context, db bun.IDB, orgID, meetingID uuid.UUID) (*Meeting, error) {
	m := new(Meeting)
	err := db.NewUpdate().Model(m).Set("status = ?", MeetingCancelled).
		Where("organization_id = ? AND id = ?", orgID, meetingID).Returning("*").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("meeting not found")
	}
	if err != nil {
		return nil, fmt.Errorf("cancel meeting: %w", err)
	}
	return m, nil
}
