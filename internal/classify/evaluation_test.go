package classify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/classify"
	"frontdesk/internal/classify/evaluation"
)

// TestHeldOutTargets runs the held-out evaluation (the one of
// go run ./cmd/evalclassifier) against the specification's targets, so CI
// catches quality regressions.
func TestHeldOutTargets(t *testing.T) {
	t.Parallel()
	c, err := classify.New()
	require.NoError(t, err)
	examples, err := evaluation.Load("testdata/heldout")
	require.NoError(t, err)
	report := evaluation.Run(c, examples, evaluation.DefaultTargets())
	if f := report.Failures(); len(f) > 0 {
		var b bytes.Buffer
		require.NoError(t, report.Write(&b, true))
		t.Fatalf("held-out targets missed: %s\n%s", strings.Join(f, "; "), b.String())
	}
}

// TestSplit checks the corpus split: every intent in every language in both
// splits, enough examples, and no held-out text in the training data.
func TestSplit(t *testing.T) {
	t.Parallel()
	train, err := evaluation.Load("testdata/train")
	require.NoError(t, err)
	held, err := evaluation.Load("testdata/heldout")
	require.NoError(t, err)
	corpus, err := evaluation.Load("testdata/corpus")
	require.NoError(t, err)

	inTrain := map[string]bool{}
	for _, e := range train {
		inTrain[e.Language+"\t"+strings.TrimSpace(e.Text)] = true
	}
	for _, e := range held {
		require.False(t, inTrain[e.Language+"\t"+strings.TrimSpace(e.Text)], "held-out text in training data: %q", e.Text)
	}
	count := map[string]map[classify.Intent]int{}
	for _, e := range corpus {
		if count[e.Language] == nil {
			count[e.Language] = map[classify.Intent]int{}
		}
		count[e.Language][e.Intent]++
	}
	for _, lang := range classify.Languages() {
		total := 0
		for _, in := range classify.Intents() {
			require.GreaterOrEqual(t, count[lang][in], 5, "%s %s", lang, in)
			total += count[lang][in]
		}
		min := 60
		if lang == "ru" || lang == "en" {
			min = 150
		}
		require.GreaterOrEqual(t, total, min, lang)
	}
	for _, split := range [][]classify.Example{train, held} {
		seen := map[string]map[classify.Intent]bool{}
		for _, e := range split {
			if seen[e.Language] == nil {
				seen[e.Language] = map[classify.Intent]bool{}
			}
			seen[e.Language][e.Intent] = true
		}
		for _, lang := range classify.Languages() {
			require.Len(t, seen[lang], 22, lang)
		}
	}
	// Every corpus file parses and has no duplicate texts.
	files, err := filepath.Glob("testdata/*/*.tsv")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		exs, err := classify.ParseTSV(bytes.NewReader(data), "xx")
		require.NoError(t, err, f)
		dup := map[string]bool{}
		for _, e := range exs {
			require.False(t, dup[e.Text], "%s: duplicate %q", f, e.Text)
			dup[e.Text] = true
		}
	}
}
