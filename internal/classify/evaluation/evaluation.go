// Package evaluation measures the built-in classifier on a labelled split of
// the corpus (normally testdata/heldout) and checks it against the quality
// targets that CI enforces. It is used by cmd/evalclassifier and by the
// classify tests.
package evaluation

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"frontdesk/internal/classify"
)

// Targets are the minimum scores a split must reach.
type Targets struct {
	MacroF1Major    float64  // per language in MajorLanguages
	MacroF1Other    float64  // per other language
	MajorLanguages  []string // languages held to MacroF1Major
	LanguageAcc     float64  // language detection accuracy, overall
	EscalateRecall  float64  // share of gold-escalate messages escalated
	UnclearRouted   float64  // share of gold-unclear messages routed to clarify or hand-off
	ConfidenceLimit float64  // confidence under which a message counts as routed
}

// DefaultTargets are the targets of the classifier's specification.
func DefaultTargets() Targets {
	return Targets{
		MacroF1Major:    0.90,
		MacroF1Other:    0.85,
		MajorLanguages:  []string{"ru", "en"},
		LanguageAcc:     0.97,
		EscalateRecall:  0.95,
		UnclearRouted:   0.90,
		ConfidenceLimit: classify.ConfidenceThreshold,
	}
}

// Load reads <dir>/<lang>.tsv for each language (all built-in languages when
// langs is empty).
func Load(dir string, langs ...string) ([]classify.Example, error) {
	if len(langs) == 0 {
		langs = classify.Languages()
	}
	var all []classify.Example
	for _, lang := range langs {
		data, err := os.ReadFile(filepath.Join(dir, lang+".tsv"))
		if err != nil {
			return nil, fmt.Errorf("load split: %w", err)
		}
		exs, err := classify.ParseTSV(bytes.NewReader(data), lang)
		if err != nil {
			return nil, fmt.Errorf("load split: %w", err)
		}
		all = append(all, exs...)
	}
	return all, nil
}

// GoldLanguage is the language a message is expected to be detected as: the
// language of its file, or unknown when it has no letters at all ("??", "🤔").
func GoldLanguage(e classify.Example) string {
	for _, r := range e.Text {
		if unicode.IsLetter(r) {
			return e.Language
		}
	}
	return classify.LanguageUnknown
}

// GoldEscalate says whether the message should escalate: refund and human
// requests, and examples labelled threat, legal, health, abuse or esc.
func GoldEscalate(e classify.Example) bool {
	if e.Intent == classify.IntentRefundRequest || e.Intent == classify.IntentHumanRequest {
		return true
	}
	for _, l := range []string{"threat", "legal", "health", "abuse", "esc"} {
		if e.HasLabel(l) {
			return true
		}
	}
	return false
}

// Outcome is one evaluated example.
type Outcome struct {
	Example classify.Example
	Result  classify.Result
}

// LanguageScores are the scores of one language.
type LanguageScores struct {
	Language    string
	N           int
	IntentAcc   float64
	MacroF1     float64
	LanguageAcc float64
}

// Report is the evaluation of a split.
type Report struct {
	Targets   Targets
	Languages []LanguageScores
	Outcomes  []Outcome

	N              int
	IntentAcc      float64
	MacroF1        float64
	LanguageAcc    float64
	EscalateN      int
	EscalateHit    int
	UnclearN       int
	UnclearRouted  int
	FlagN, FlagHit int     // gold sensitive flags found
	HighN, HighHit int     // gold "high" urgency found
	BizN, BizHit   int     // gold business customers found
	Confusion      [][]int // [gold][predicted], in classify.Intents() order
}

// EscalateRecall is the share of gold-escalate messages escalated.
func (r *Report) EscalateRecall() float64 { return ratio(r.EscalateHit, r.EscalateN) }

// UnclearRoutedShare is the share of gold-unclear messages routed to
// clarification or hand-off (predicted unclear or confidence under the limit).
func (r *Report) UnclearRoutedShare() float64 { return ratio(r.UnclearRouted, r.UnclearN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Run classifies every example and scores the results.
func Run(c *classify.Classifier, examples []classify.Example, targets Targets) *Report {
	intents := classify.Intents()
	idx := map[classify.Intent]int{}
	for i, in := range intents {
		idx[in] = i
	}
	r := &Report{Targets: targets, N: len(examples)}
	r.Confusion = newMatrix(len(intents))
	byLang := map[string][]Outcome{}
	var langOrder []string
	for _, e := range examples {
		o := Outcome{Example: e, Result: c.Classify(e.Text)}
		r.Outcomes = append(r.Outcomes, o)
		if _, ok := byLang[e.Language]; !ok {
			langOrder = append(langOrder, e.Language)
		}
		byLang[e.Language] = append(byLang[e.Language], o)
		r.Confusion[idx[e.Intent]][idx[o.Result.Intent]]++
		if GoldEscalate(e) {
			r.EscalateN++
			if o.Result.Escalate {
				r.EscalateHit++
			}
		}
		if e.Intent == classify.IntentUnclear {
			r.UnclearN++
			if o.Result.Intent == classify.IntentUnclear || o.Result.Confidence < targets.ConfidenceLimit {
				r.UnclearRouted++
			}
		}
		for _, f := range classify.Flags() {
			if e.HasLabel(string(f)) {
				r.FlagN++
				for _, g := range o.Result.Sensitive {
					if g == f {
						r.FlagHit++
					}
				}
			}
		}
		if e.HasLabel("high") || e.HasLabel("threat") || e.HasLabel("health") {
			r.HighN++
			if o.Result.Urgency == classify.UrgencyHigh {
				r.HighHit++
			}
		}
		if e.HasLabel("biz") {
			r.BizN++
			if o.Result.CustomerType == classify.CustomerBusiness {
				r.BizHit++
			}
		}
	}
	langOK := 0
	for _, lang := range langOrder {
		outs := byLang[lang]
		s := LanguageScores{Language: lang, N: len(outs)}
		correct, lok := 0, 0
		for _, o := range outs {
			if o.Result.Intent == o.Example.Intent {
				correct++
			}
			if o.Result.Language == GoldLanguage(o.Example) {
				lok++
			}
		}
		langOK += lok
		s.IntentAcc = ratio(correct, len(outs))
		s.LanguageAcc = ratio(lok, len(outs))
		s.MacroF1 = macroF1(outs)
		r.Languages = append(r.Languages, s)
	}
	correct := 0
	for _, o := range r.Outcomes {
		if o.Result.Intent == o.Example.Intent {
			correct++
		}
	}
	r.IntentAcc = ratio(correct, r.N)
	r.LanguageAcc = ratio(langOK, r.N)
	r.MacroF1 = macroF1(r.Outcomes)
	return r
}

func newMatrix(n int) [][]int {
	m := make([][]int, n)
	for i := range m {
		m[i] = make([]int, n)
	}
	return m
}

// macroF1 averages the F1 of every intent that occurs as gold or prediction.
func macroF1(outs []Outcome) float64 {
	tp := map[classify.Intent]int{}
	fp := map[classify.Intent]int{}
	fn := map[classify.Intent]int{}
	seen := map[classify.Intent]bool{}
	for _, o := range outs {
		g, p := o.Example.Intent, o.Result.Intent
		seen[g], seen[p] = true, true
		if g == p {
			tp[g]++
		} else {
			fp[p]++
			fn[g]++
		}
	}
	if len(seen) == 0 {
		return 1
	}
	sum := 0.0
	for in := range seen {
		d := 2*tp[in] + fp[in] + fn[in]
		if d > 0 {
			sum += 2 * float64(tp[in]) / float64(d)
		}
	}
	return sum / float64(len(seen))
}

// Failures lists the targets the report misses, one line each.
func (r *Report) Failures() []string {
	var out []string
	t := r.Targets
	for _, l := range r.Languages {
		want := t.MacroF1Other
		for _, m := range t.MajorLanguages {
			if m == l.Language {
				want = t.MacroF1Major
			}
		}
		if l.MacroF1 < want {
			out = append(out, fmt.Sprintf("%s: intent macro-F1 %.3f < %.2f", l.Language, l.MacroF1, want))
		}
	}
	if r.LanguageAcc < t.LanguageAcc {
		out = append(out, fmt.Sprintf("language accuracy %.3f < %.2f", r.LanguageAcc, t.LanguageAcc))
	}
	if r.EscalateRecall() < t.EscalateRecall {
		out = append(out, fmt.Sprintf("escalate recall %.3f < %.2f", r.EscalateRecall(), t.EscalateRecall))
	}
	if r.UnclearRoutedShare() < t.UnclearRouted {
		out = append(out, fmt.Sprintf("unclear routed %.3f < %.2f", r.UnclearRoutedShare(), t.UnclearRouted))
	}
	return out
}

// Write prints the report; verbose adds every misclassified example.
func (r *Report) Write(w io.Writer, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Held-out evaluation: %d messages\n\n", r.N)
	fmt.Fprintf(&b, "%-5s %5s %9s %9s %9s\n", "lang", "n", "intent", "macroF1", "langID")
	for _, l := range r.Languages {
		fmt.Fprintf(&b, "%-5s %5d %9.3f %9.3f %9.3f\n", l.Language, l.N, l.IntentAcc, l.MacroF1, l.LanguageAcc)
	}
	fmt.Fprintf(&b, "%-5s %5d %9.3f %9.3f %9.3f\n\n", "all", r.N, r.IntentAcc, r.MacroF1, r.LanguageAcc)
	fmt.Fprintf(&b, "escalate recall:        %.3f (%d/%d)\n", r.EscalateRecall(), r.EscalateHit, r.EscalateN)
	fmt.Fprintf(&b, "unclear routed:         %.3f (%d/%d; predicted unclear or confidence < %.2f)\n", r.UnclearRoutedShare(), r.UnclearRouted, r.UnclearN, r.Targets.ConfidenceLimit)
	fmt.Fprintf(&b, "sensitive flag recall:  %.3f (%d/%d)  [informational]\n", ratio(r.FlagHit, r.FlagN), r.FlagHit, r.FlagN)
	fmt.Fprintf(&b, "urgency high recall:    %.3f (%d/%d)  [informational]\n", ratio(r.HighHit, r.HighN), r.HighHit, r.HighN)
	fmt.Fprintf(&b, "business recall:        %.3f (%d/%d)  [informational]\n\n", ratio(r.BizHit, r.BizN), r.BizHit, r.BizN)

	intents := classify.Intents()
	b.WriteString("Confusion matrix (rows gold, columns predicted; . = 0):\n")
	fmt.Fprintf(&b, "%-20s", "")
	for i := range intents {
		fmt.Fprintf(&b, "%3d", i+1)
	}
	b.WriteString("\n")
	for i, in := range intents {
		fmt.Fprintf(&b, "%2d %-17s", i+1, truncate(string(in), 17))
		for j := range intents {
			if v := r.Confusion[i][j]; v == 0 {
				b.WriteString("  .")
			} else {
				fmt.Fprintf(&b, "%3d", v)
			}
		}
		b.WriteString("\n")
	}

	if verbose {
		var bad []Outcome
		for _, o := range r.Outcomes {
			if o.Result.Intent != o.Example.Intent || o.Result.Language != GoldLanguage(o.Example) ||
				(GoldEscalate(o.Example) && !o.Result.Escalate) {
				bad = append(bad, o)
			}
		}
		sort.SliceStable(bad, func(i, j int) bool { return bad[i].Example.Language < bad[j].Example.Language })
		fmt.Fprintf(&b, "\nMisclassified (%d):\n", len(bad))
		for _, o := range bad {
			e, res := o.Example, o.Result
			fmt.Fprintf(&b, "  [%s→%s] %-18s → %-18s %.2f esc=%v  %q\n", GoldLanguage(e), res.Language,
				e.Intent, res.Intent, res.Confidence, res.Escalate, e.Text)
		}
	}

	if f := r.Failures(); len(f) > 0 {
		b.WriteString("\nTARGETS MISSED:\n")
		for _, s := range f {
			b.WriteString("  " + s + "\n")
		}
	} else {
		b.WriteString("\nAll targets met.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
