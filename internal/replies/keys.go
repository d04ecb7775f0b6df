package replies

// Key names a message or a label in the catalogue. The string is the key used
// in the catalogue files.
type Key string

// Messages sent to customers. The comment of each key names the parameters
// its text uses; every translation uses exactly the same ones.
const (
	// DisclosureDefault says the customer is talking to a bot, used when the
	// organisation has no disclosure line of its own. Params: org.
	DisclosureDefault Key = "disclosure_default"
	// Greeting opens a conversation.
	Greeting Key = "greeting"
	// Clarify is the one clarifying question asked when the bot is unsure of
	// the intent.
	Clarify Key = "clarify"
	// Handoff tells the customer a human takes over during business hours.
	Handoff Key = "handoff"
	// HandoffAfterHours tells the customer a human takes over when the
	// business opens. Params: opens (already formatted, e.g. by FormatTime).
	HandoffAfterHours Key = "handoff_after_hours"
	// PriceRange quotes a starting price. Params: item, from (formatted money).
	PriceRange Key = "price_range"
	// PriceRangeTo quotes a price range. Params: item, from, to (formatted
	// money).
	PriceRangeTo Key = "price_range_to"
	// PriceUnknown announces qualifying questions when no price can be named.
	PriceUnknown Key = "price_unknown"
	// AskIntro introduces the qualifying questions.
	AskIntro Key = "ask_intro"
	// AskBudget asks for the budget.
	AskBudget Key = "ask_budget"
	// AskNeed asks what the customer needs.
	AskNeed Key = "ask_need"
	// AskStart asks when the customer wants to start.
	AskStart Key = "ask_start"
	// AskCity asks for the customer's city.
	AskCity Key = "ask_city"
	// AskContact asks how to contact the customer.
	AskContact Key = "ask_contact"
	// CurrencyMismatch asks for the budget in the organisation's currency.
	// Params: currency (an ISO code or symbol).
	CurrencyMismatch Key = "currency_mismatch"
	// OfferSlots precedes a list of free call slots.
	OfferSlots Key = "offer_slots"
	// SlotTaken precedes a fresh list when the chosen slot is gone.
	SlotTaken Key = "slot_taken"
	// SlotUnclear asks which of the offered slots the customer means.
	SlotUnclear Key = "slot_unclear"
	// MeetingBooked confirms a booked call. Params: time (formatted with
	// FormatTime), contact (a contact_* label in the customer's language, or
	// the contact itself).
	MeetingBooked Key = "meeting_booked"
	// LeadComplete thanks a qualified lead. Params: contact (as for
	// MeetingBooked).
	LeadComplete Key = "lead_complete"
	// LeadUnqualified thanks a lead that a manager has to review.
	LeadUnqualified Key = "lead_unqualified"
	// StopConfirmed confirms an opt-out.
	StopConfirmed Key = "stop_confirmed"
	// NotUnderstoodHandoff hands over when the request is still unclear after
	// a clarification.
	NotUnderstoodHandoff Key = "not_understood_handoff"
	// Corrected confirms a corrected answer. Params: field (a field_* label in
	// the customer's language).
	Corrected Key = "corrected"
	// Thanks is a plain thank-you.
	Thanks Key = "thanks"
	// FollowUpFields reminds a customer who went silent of the questions
	// still open, once. Params: fields (field_* labels joined with
	// FormatList).
	FollowUpFields Key = "follow_up_fields"
	// FollowUpSlots reminds a customer who went silent of the call slots,
	// once; it precedes the free slots as buttons.
	FollowUpSlots Key = "follow_up_slots"
)

// Labels, read with Label. The label_* keys are headings of the hand-off
// summary, written in the team's language and capitalised. The field_* and
// contact_* keys are lower-case nouns (except where the language capitalises
// nouns or names) so that they also fit inside replies as {field} and
// {contact}; capitalise the first letter where one starts a line.
const (
	LabelScenario     Key = "label_scenario"
	LabelIntent       Key = "label_intent"
	LabelReason       Key = "label_reason"
	LabelFields       Key = "label_fields"
	LabelAsk          Key = "label_ask"
	LabelLast         Key = "label_last"
	LabelHandoffTitle Key = "label_handoff_title"

	FieldBudget  Key = "field_budget"
	FieldNeed    Key = "field_need"
	FieldStart   Key = "field_start"
	FieldCity    Key = "field_city"
	FieldContact Key = "field_contact"

	ContactPhone    Key = "contact_phone"
	ContactWhatsApp Key = "contact_whatsapp"
	ContactTelegram Key = "contact_telegram"
	ContactEmail    Key = "contact_email"
	ContactCall     Key = "contact_call"
)
