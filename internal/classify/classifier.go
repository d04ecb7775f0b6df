package classify

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"sync"
)

// trainFS holds the training split of the corpus; the held-out split is not
// compiled in (it is only read by the evaluation).
//
//go:embed testdata/train/*.tsv
var trainFS embed.FS

// ConfidenceThreshold separates confident classifications from unclear ones:
// below it a caller should ask a clarifying question or hand off to a human.
const ConfidenceThreshold = 0.5

// minConfidence is the probability under which the best intent is not
// reported at all and the message becomes IntentUnclear.
const minConfidence = 0.25

// Result is the classification of one message.
type Result struct {
	// Language is the ISO 639-1 code (en ru uk es pt de fr it tr ar) or
	// LanguageUnknown for messages without letters or in another script.
	Language string
	// Intent is one of the 22 intents of docs/intents.md.
	Intent Intent
	// Confidence is the model's probability (0..1) for its best intent. It is
	// below ConfidenceThreshold when the message should be clarified; when it
	// is below an internal floor Intent is IntentUnclear. Messages without any
	// letter or digit are IntentUnclear with Confidence 1.
	Confidence float64
	// Urgency is high for anger, threats, explicit urgency or a deadline of
	// today on an order problem, health or safety and expensive disputes; low
	// for greetings, confirmations, "later" and "not interested".
	Urgency Urgency
	// Escalate says a careful business would hand the conversation to a human
	// at once (the default rules of docs/intents.md).
	Escalate bool
	// Sensitive lists the sensitive flags found, in the order of Flags(); nil
	// when there are none.
	Sensitive []Flag
	// CustomerType is business when the message mentions a company, invoice,
	// VAT, wholesale and the like, individual when it says the purchase is for
	// the sender or their family, unknown otherwise.
	CustomerType CustomerType
}

// Classifier classifies messages. It is immutable and safe for concurrent use.
type Classifier struct {
	intent  *linearModel
	lang    *linearModel
	lex     *lexicon
	neutral wordSet // names and codes the language model ignores
	enWords wordSet // the English word list, for the short-text prior
	pool    sync.Pool
}

type scratch struct {
	t      text
	feats  []uint32
	probs  [numIntents]float64
	lprobs [numLanguages]float64
}

var shared struct {
	once sync.Once
	c    *Classifier
	err  error
}

// New returns the built-in classifier. The models are trained from the
// embedded corpus on the first call (deterministically, in well under a
// second) and shared by every later call.
func New() (*Classifier, error) {
	shared.once.Do(func() { shared.c, shared.err = build() })
	return shared.c, shared.err
}

// Model hyper-parameters. Changing them changes every prediction; run
// go run ./cmd/evalclassifier afterwards.
var (
	intentConfig = trainConfig{bucketsLog2: 18, epochs: 20, lr: 2, l2: 1e-5, seed: 1}
	langConfig   = trainConfig{bucketsLog2: 16, epochs: 15, lr: 2, l2: 1e-6, seed: 2}
)

// build trains both models from the embedded training split.
func build() (*Classifier, error) {
	examples, err := trainingExamples()
	if err != nil {
		return nil, err
	}
	lex := compileLexicon()
	lists, err := languageWords()
	if err != nil {
		return nil, err
	}
	neutral := neutralWords(examples, lists)
	var t text
	intentSamples := make([]sample, 0, len(examples))
	langSamples := make([]sample, 0, len(examples)+2000)
	for _, e := range examples {
		t.analyse(e.Text)
		intentSamples = append(intentSamples, sample{
			feats: intentFeatures(nil, &t, lex.match(&t)),
			class: intentIndex(e.Intent),
		})
		if f := languageFeatures(nil, &t, neutral); t.letters > 0 && len(f) > 1 {
			langSamples = append(langSamples, sample{feats: f, class: languageIndex(e.Language)})
		}
	}
	langSamples = append(langSamples, langExtraSamples(lists, neutral)...)
	enWords := wordSet{}
	for _, w := range lists[languageIndex("en")] {
		enWords[hashBytes(kindWord, []byte(w))] = struct{}{}
	}
	c := &Classifier{
		intent:  train(intentSamples, numIntents, intentConfig),
		lang:    train(langSamples, numLanguages, langConfig),
		lex:     lex,
		neutral: neutral,
		enWords: enWords,
	}
	c.pool.New = func() any { return &scratch{feats: make([]uint32, 0, 512)} }
	return c, nil
}

// trainingExamples parses the embedded training split in language order.
func trainingExamples() ([]Example, error) {
	var all []Example
	for _, lang := range allLanguages {
		data, err := trainFS.ReadFile(path.Join("testdata/train", lang+".tsv"))
		if err != nil {
			return nil, fmt.Errorf("read training corpus %s: %w", lang, err)
		}
		exs, err := ParseTSV(bytes.NewReader(data), lang)
		if err != nil {
			return nil, err
		}
		all = append(all, exs...)
	}
	return all, nil
}

// Classify classifies one message. Any string is accepted, including empty
// strings and invalid UTF-8.
func (c *Classifier) Classify(s string) Result { return c.classify(s, true) }

// ClassifyCustomer classifies a customer's message: the staff intents
// (stock_query, shift_swap, policy_question, approval_request) are not
// considered, since only employees ask those, in the staff chat.
func (c *Classifier) ClassifyCustomer(s string) Result { return c.classify(s, false) }

func (c *Classifier) classify(s string, staffIntents bool) Result {
	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)
	t := &sc.t
	t.analyse(s)

	var res Result
	res.Language, sc.feats = c.detectLanguage(t, sc.feats, sc.lprobs[:])

	cats := c.lex.match(t)
	if len(t.words) == 0 {
		res.Intent, res.Confidence = IntentUnclear, 1
	} else {
		sc.feats = intentFeatures(sc.feats[:0], t, cats)
		c.intent.probabilities(sc.feats, sc.probs[:])
		if !staffIntents {
			// Renormalise over the intents a customer can have.
			sum := 0.0
			for k := range sc.probs {
				if isStaffIntent(allIntents[k]) {
					sc.probs[k] = 0
				}
				sum += sc.probs[k]
			}
			if sum > 0 {
				for k := range sc.probs {
					sc.probs[k] /= sum
				}
			}
		}
		best := 0
		for k, p := range sc.probs {
			if p > sc.probs[best] {
				best = k
			}
		}
		res.Intent, res.Confidence = allIntents[best], sc.probs[best]
		if res.Confidence < minConfidence {
			res.Intent = IntentUnclear
		}
		// An explicit request for a person or for money back decides the
		// intent when the model is unsure: these must never be lost in a
		// clarifying question.
		if res.Intent == IntentUnclear || res.Confidence < ConfidenceThreshold {
			switch {
			case cats&catHuman != 0:
				res.Intent, res.Confidence = IntentHumanRequest, ConfidenceThreshold
			case cats&catRefund != 0:
				res.Intent, res.Confidence = IntentRefundRequest, ConfidenceThreshold
			}
		}
	}
	c.applyRules(s, t, cats, &res)
	return res
}

// applyRules fills Sensitive, Escalate, Urgency and CustomerType from the
// lexicons, the intent and the shape of the message.
func (c *Classifier) applyRules(raw string, t *text, cats category, res *Result) {
	for _, f := range []struct {
		cat  category
		flag Flag
	}{{catThreat, FlagThreat}, {catLegal, FlagLegal}, {catHealth, FlagHealth}, {catAbuse, FlagAbuse}} {
		if cats&f.cat != 0 {
			res.Sensitive = append(res.Sensitive, f.flag)
		}
	}

	staff := res.Intent == IntentStockQuery || res.Intent == IntentShiftSwap ||
		res.Intent == IntentPolicyQuestion || res.Intent == IntentApprovalRequest
	dispute := res.Intent == IntentComplaint || res.Intent == IntentRefundRequest ||
		res.Intent == IntentOrderDamaged || res.Intent == IntentOrderNotReceived ||
		res.Intent == IntentOrderDelayed
	expensive := dispute && expensiveAmount(raw)

	res.Escalate = len(res.Sensitive) > 0 || expensive ||
		res.Intent == IntentRefundRequest || res.Intent == IntentHumanRequest ||
		(!staff && cats&(catRefund|catHuman) != 0)

	shouting := t.letters >= 10 && t.upper*10 >= t.letters*6
	switch {
	case len(res.Sensitive) > 0, expensive, cats&(catUrgent|catAnger) != 0,
		t.maxExclRun >= 2, shouting,
		dispute && cats&catToday != 0:
		res.Urgency = UrgencyHigh
	case res.Intent == IntentGreeting, res.Intent == IntentLater,
		res.Intent == IntentNotInterested, res.Intent == IntentBookingConfirm:
		res.Urgency = UrgencyLow
	default:
		res.Urgency = UrgencyNormal
	}

	switch {
	case cats&catBusiness != 0:
		res.CustomerType = CustomerBusiness
	case cats&catIndividual != 0:
		res.CustomerType = CustomerIndividual
	default:
		res.CustomerType = CustomerUnknown
	}
}

func isStaffIntent(i Intent) bool {
	return i == IntentStockQuery || i == IntentShiftSwap || i == IntentPolicyQuestion || i == IntentApprovalRequest
}
