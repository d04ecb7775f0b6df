package classify

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Example is one labelled message of the corpus.
//
// The corpus files are TSV with the columns intent, text and an optional
// comma-separated list of labels: the sensitive flags (threat, legal, health,
// abuse), "esc" (escalate for another reason), "high" (urgency high) and "biz"
// (business customer). Blank lines and lines starting with "# " are ignored.
type Example struct {
	Language string
	Intent   Intent
	Text     string
	Labels   []string
}

// HasLabel reports whether the example carries the given label.
func (e Example) HasLabel(label string) bool {
	for _, l := range e.Labels {
		if l == label {
			return true
		}
	}
	return false
}

// knownLabels are the values allowed in the third column.
var knownLabels = map[string]bool{
	string(FlagThreat): true, string(FlagLegal): true, string(FlagHealth): true, string(FlagAbuse): true,
	"esc": true, "high": true, "biz": true,
}

// ParseTSV reads corpus lines of one language from r.
func ParseTSV(r io.Reader, lang string) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "# ") {
			continue
		}
		cols := strings.Split(s, "\t")
		if len(cols) < 2 || len(cols) > 3 {
			return nil, fmt.Errorf("parse corpus %s line %d: want 2 or 3 tab-separated columns, got %d", lang, line, len(cols))
		}
		in := Intent(strings.TrimSpace(cols[0]))
		if !in.Valid() {
			return nil, fmt.Errorf("parse corpus %s line %d: unknown intent %q", lang, line, in)
		}
		ex := Example{Language: lang, Intent: in, Text: cols[1]}
		if len(cols) == 3 && strings.TrimSpace(cols[2]) != "" {
			for _, l := range strings.Split(cols[2], ",") {
				l = strings.TrimSpace(l)
				if !knownLabels[l] {
					return nil, fmt.Errorf("parse corpus %s line %d: unknown label %q", lang, line, l)
				}
				ex.Labels = append(ex.Labels, l)
			}
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse corpus %s: %w", lang, err)
	}
	return out, nil
}

// WriteTSV writes examples in the corpus format (without a header).
func WriteTSV(w io.Writer, examples []Example) error {
	for _, e := range examples {
		line := string(e.Intent) + "\t" + e.Text
		if len(e.Labels) > 0 {
			line += "\t" + strings.Join(e.Labels, ",")
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
	}
	return nil
}
