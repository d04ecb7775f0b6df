// Package classify is Frontdesk's built-in, offline message classifier.
//
// Every inbound message (customer or employee) is classified into the labels
// fixed by docs/intents.md: its language, one intent, a confidence, an urgency,
// whether a careful business would escalate it to a human at once, sensitive
// flags (threat, legal, health, abuse) and the customer type.
//
// The classifier needs nothing outside the binary. Its corpus of labelled
// example messages (testdata/train/*.tsv) is compiled in with go:embed and the
// two linear models (language and intent) are trained from it the first time
// New is called; training is deterministic, takes about 200 ms and is
// done once per process.
//
// The intent model is a softmax regression over hashed character 2-4-grams
// and word uni/bigrams of the folded text, plus multilingual cue features
// (concepts.go: "cancel", "delivered", "shift"... in all ten languages) that let
// the languages with fewer examples borrow from the others. Language detection
// is script rules plus a second softmax model (language.go) that also learns
// from lists of frequent words per language (words/*.txt, compiled in too).
// Escalation, urgency, sensitive flags and customer type come from documented
// keyword lexicons (lexicon.go) combined with the intent (Classifier.applyRules).
//
// A Classifier is immutable after New and safe for concurrent use.
package classify
