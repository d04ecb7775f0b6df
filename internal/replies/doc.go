// Package replies is the bot's message catalogue: every sentence Frontdesk
// says to a customer, in each built-in language and tone, plus the short
// labels of the hand-off summary shown to the team and the locale rules for
// money, dates and times.
//
// The texts live as data, one JSON file per language under catalog/ (see
// catalog/README.md), embedded in the binary. They never contain facts:
// names, prices, times and contact methods arrive as Params and are put into
// {placeholders}. A translation must use exactly the placeholders of the
// English text, so no fact can be silently dropped; the package tests enforce
// that and the completeness of every language.
//
// Lookups never fail loudly: an unknown language falls back to English, an
// unknown tone to FRIENDLY, a missing text to the same language's FRIENDLY
// text and then to English. Only an unknown key yields an empty string, which
// Lookup reports. Everything here is read-only after start-up and safe for
// concurrent use.
package replies
