// Command splitcorpus splits testdata/corpus/<lang>.tsv into testdata/train/
// and testdata/heldout/ deterministically: within every (language, intent)
// group the examples are ordered by a stable FNV-1a hash of their text and
// the first round(25%) of them (at least one) are held out.
//
// The held-out files are written once, before any training, and are frozen:
// the command refuses to overwrite them unless -force is given. Examples added
// later to improve a weak language go straight to testdata/train/, never to
// the corpus, so the held-out split never sees the examples written to fix it.
//
// Run from internal/classify: go run ./internal/splitcorpus
package main

import (
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"frontdesk/internal/classify"
)

func main() {
	dir := flag.String("dir", "testdata", "testdata directory holding corpus/")
	force := flag.Bool("force", false, "overwrite existing train/ and heldout/ files")
	share := flag.Float64("heldout", 0.25, "share of each (language, intent) group to hold out")
	flag.Parse()
	if err := run(*dir, *share, *force); err != nil {
		fmt.Fprintln(os.Stderr, "splitcorpus:", err)
		os.Exit(1)
	}
}

func run(dir string, share float64, force bool) error {
	for _, lang := range classify.Languages() {
		src := filepath.Join(dir, "corpus", lang+".tsv")
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("read %s: %w", src, err)
		}
		exs, err := classify.ParseTSV(bytes.NewReader(data), lang)
		if err != nil {
			return err
		}
		train, held := split(exs, share)
		for _, out := range []struct {
			sub string
			exs []classify.Example
		}{{"train", train}, {"heldout", held}} {
			path := filepath.Join(dir, out.sub, lang+".tsv")
			if _, err := os.Stat(path); err == nil && !force {
				return fmt.Errorf("%s exists; the split is frozen (use -force to redo it)", path)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
			}
			var buf bytes.Buffer
			fmt.Fprintf(&buf, "# %s split of corpus/%s.tsv (splitcorpus, %.0f%% held out per intent)\n# intent\ttext\tflags\n", out.sub, lang, share*100)
			if err := classify.WriteTSV(&buf, out.exs); err != nil {
				return err
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
		fmt.Printf("%s: %d train, %d held out\n", lang, len(train), len(held))
	}
	return nil
}

func textHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSpace(s)))
	return h.Sum64()
}

// split keeps the corpus order inside each output file.
func split(exs []classify.Example, share float64) (train, held []classify.Example) {
	groups := map[classify.Intent][]int{}
	for i, e := range exs {
		groups[e.Intent] = append(groups[e.Intent], i)
	}
	isHeld := make([]bool, len(exs))
	for _, idx := range groups {
		sorted := append([]int(nil), idx...)
		sort.SliceStable(sorted, func(a, b int) bool {
			return textHash(exs[sorted[a]].Text) < textHash(exs[sorted[b]].Text)
		})
		k := int(math.Round(share * float64(len(sorted))))
		if k < 1 && len(sorted) >= 3 {
			k = 1
		}
		for _, i := range sorted[:k] {
			isHeld[i] = true
		}
	}
	for i, e := range exs {
		if isHeld[i] {
			held = append(held, e)
		} else {
			train = append(train, e)
		}
	}
	return train, held
}
