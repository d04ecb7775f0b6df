package classify

// Intent is what the message asks for: the one label that should drive the
// next action. The values are part of the public API (docs/intents.md).
type Intent string

// The 22 intents of docs/intents.md.
const (
	IntentPriceInquiry      Intent = "price_inquiry"
	IntentQuoteRequest      Intent = "quote_request"
	IntentBookingNew        Intent = "booking_new"
	IntentBookingReschedule Intent = "booking_reschedule"
	IntentBookingCancel     Intent = "booking_cancel"
	IntentBookingConfirm    Intent = "booking_confirm"
	IntentOrderStatus       Intent = "order_status"
	IntentOrderDelayed      Intent = "order_delayed"
	IntentOrderNotReceived  Intent = "order_not_received"
	IntentOrderDamaged      Intent = "order_damaged"
	IntentRefundRequest     Intent = "refund_request"
	IntentComplaint         Intent = "complaint"
	IntentHumanRequest      Intent = "human_request"
	IntentObjection         Intent = "objection"
	IntentLater             Intent = "later"
	IntentNotInterested     Intent = "not_interested"
	IntentStockQuery        Intent = "stock_query"
	IntentShiftSwap         Intent = "shift_swap"
	IntentPolicyQuestion    Intent = "policy_question"
	IntentApprovalRequest   Intent = "approval_request"
	IntentGreeting          Intent = "greeting"
	IntentUnclear           Intent = "unclear"
)

// allIntents is the stable order used for model classes and reports.
var allIntents = [...]Intent{
	IntentPriceInquiry, IntentQuoteRequest,
	IntentBookingNew, IntentBookingReschedule, IntentBookingCancel, IntentBookingConfirm,
	IntentOrderStatus, IntentOrderDelayed, IntentOrderNotReceived, IntentOrderDamaged,
	IntentRefundRequest, IntentComplaint, IntentHumanRequest,
	IntentObjection, IntentLater, IntentNotInterested,
	IntentStockQuery, IntentShiftSwap, IntentPolicyQuestion, IntentApprovalRequest,
	IntentGreeting, IntentUnclear,
}

const numIntents = len(allIntents)

// Intents lists all 22 intents in a stable order (the order of docs/intents.md).
func Intents() []Intent {
	out := make([]Intent, numIntents)
	copy(out, allIntents[:])
	return out
}

// Valid reports whether i is one of the 22 intents.
func (i Intent) Valid() bool { return intentIndex(i) >= 0 }

func intentIndex(i Intent) int {
	for k, v := range allIntents {
		if v == i {
			return k
		}
	}
	return -1
}

// LanguageUnknown is returned when a message has no letters (emoji,
// punctuation, digits) or is written in a script no built-in language uses.
const LanguageUnknown = "unknown"

// allLanguages are the ISO 639-1 codes with built-in support.
var allLanguages = [...]string{"en", "ru", "uk", "es", "pt", "de", "fr", "it", "tr", "ar"}

const numLanguages = len(allLanguages)

// Languages lists the 10 built-in languages (ISO 639-1) in a stable order.
func Languages() []string {
	out := make([]string, numLanguages)
	copy(out, allLanguages[:])
	return out
}

func languageIndex(code string) int {
	for k, v := range allLanguages {
		if v == code {
			return k
		}
	}
	return -1
}

// Urgency says how soon a human or the workflow should act.
type Urgency string

// Urgency values.
const (
	UrgencyLow    Urgency = "low"
	UrgencyNormal Urgency = "normal"
	UrgencyHigh   Urgency = "high"
)

// Flag marks sensitive content; any flag makes a message escalate.
type Flag string

// Sensitive flags.
const (
	FlagThreat Flag = "threat"
	FlagLegal  Flag = "legal"
	FlagHealth Flag = "health"
	FlagAbuse  Flag = "abuse"
)

// Flags lists the sensitive flags in the order Result.Sensitive uses.
func Flags() []Flag { return []Flag{FlagThreat, FlagLegal, FlagHealth, FlagAbuse} }

// CustomerType says whether the sender writes for themself or a business.
type CustomerType string

// Customer types.
const (
	CustomerIndividual CustomerType = "individual"
	CustomerBusiness   CustomerType = "business"
	CustomerUnknown    CustomerType = "unknown"
)
