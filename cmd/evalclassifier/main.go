// Command evalclassifier evaluates the built-in classifier on the held-out
// split of its corpus and exits non-zero when a quality target is missed, so
// CI can run it:
//
//	go run ./cmd/evalclassifier            # all languages
//	go run ./cmd/evalclassifier -lang ru -v
//
// It prints per-language intent accuracy and macro-F1, language detection
// accuracy, escalate recall, the share of unclear messages routed to
// clarification or hand-off and the intent confusion matrix; -v lists every
// misclassified example.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"frontdesk/internal/classify"
	"frontdesk/internal/classify/evaluation"
)

func main() {
	os.Exit(run())
}

func run() int {
	dir := flag.String("data", "internal/classify/testdata/heldout", "directory of the held-out <lang>.tsv files")
	lang := flag.String("lang", "", "evaluate only these languages (comma separated ISO 639-1 codes)")
	verbose := flag.Bool("v", false, "list misclassified examples")
	flag.Parse()

	var langs []string
	if *lang != "" {
		for _, l := range strings.Split(*lang, ",") {
			l = strings.TrimSpace(l)
			if !known(l) {
				fmt.Fprintf(os.Stderr, "evalclassifier: unknown language %q (want one of %s)\n", l, strings.Join(classify.Languages(), " "))
				return 2
			}
			langs = append(langs, l)
		}
	}
	examples, err := evaluation.Load(*dir, langs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalclassifier:", err, "(run from the module root or pass -data)")
		return 2
	}
	c, err := classify.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalclassifier:", err)
		return 2
	}
	report := evaluation.Run(c, examples, evaluation.DefaultTargets())
	if err := report.Write(os.Stdout, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "evalclassifier:", err)
		return 2
	}
	if len(report.Failures()) > 0 {
		return 1
	}
	return 0
}

func known(lang string) bool {
	for _, l := range classify.Languages() {
		if l == lang {
			return true
		}
	}
	return false
}
