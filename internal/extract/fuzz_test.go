package extract

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func fuzzSeeds(f *testing.F) {
	for _, m := range benchMessages {
		f.Add(m)
	}
	for _, m := range []string{
		"", "25.12.2026 в 10:30", "12/25", "1.500,50 €", "+49 30 1234567", "в 24:00", "31.02",
		"через 999 лет", "in 999 years", "9999-99-99", "29.02", "R$", "$", "к к к", "150 000 000 000 000 000 руб",
		"\xff\xfe", "٣٣٣٣٣٣٣٣", "SKU", "#", "заказ", "@@@", "a@b.cc", "завтра завтра завтра в в в 15 15",
	} {
		f.Add(m)
	}
}

// checkSane holds every result to the package's promises.
func checkSane(t *testing.T, text string, now time.Time, e Entities) {
	t.Helper()
	lo, hi := now.AddDate(-5, 0, 0), now.AddDate(5, 0, 0)
	for _, d := range e.Dates {
		if d.Start.Before(lo) || d.End.After(hi) || d.End.Before(d.Start) {
			t.Fatalf("date out of range for %q: %+v", text, d)
		}
		if d.Text == "" || !strings.Contains(text, d.Text) {
			t.Fatalf("date text %q not in %q", d.Text, text)
		}
		if d.HasTime && !d.Start.Equal(d.End) {
			t.Fatalf("instant with a span for %q: %+v", text, d)
		}
	}
	for _, m := range e.Amounts {
		if math.IsNaN(m.Amount) || math.IsInf(m.Amount, 0) || m.Amount < 0 {
			t.Fatalf("bad amount for %q: %+v", text, m)
		}
		if m.Text == "" || !strings.Contains(text, m.Text) {
			t.Fatalf("amount text %q not in %q", m.Text, text)
		}
		if m.Currency != "" && len(m.Currency) != 3 {
			t.Fatalf("bad currency for %q: %+v", text, m)
		}
		if m.Per != "" && m.Per != "month" && m.Per != "year" {
			t.Fatalf("bad per for %q: %+v", text, m)
		}
	}
	if e.Phone != "" && (e.Phone[0] != '+' || !isDigits(e.Phone[1:]) || len(e.Phone) > 16) {
		t.Fatalf("bad phone for %q: %q", text, e.Phone)
	}
	for _, s := range []string{e.Email, e.OrderID, e.SKU, e.City} {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q for %q", s, text)
		}
	}
	if e.Email != "" && !strings.Contains(e.Email, "@") {
		t.Fatalf("bad email for %q: %q", text, e.Email)
	}
}

func FuzzExtract(f *testing.F) {
	fuzzSeeds(f)
	b := setup(f)
	f.Fuzz(func(t *testing.T, text string) {
		o := b.opts
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
		e := Extract(text, o)
		checkSane(t, text, b.now, e)
		o.Country = "DE"
		checkSane(t, text, b.now, Extract(text, o))
	})
}

// FuzzDates drives the date scanner alone, with every clock hour, so the
// resolution rules meet the ends of days, months and years.
func FuzzDates(f *testing.F) {
	fuzzSeeds(f)
	b := setup(f)
	f.Fuzz(func(t *testing.T, text string) {
		text = strings.ToValidUTF8(text, "\uFFFD")
		now := b.now.AddDate(0, 1, 6).Add(time.Duration(len(text)%48) * time.Hour)
		toks := tokenize(text)
		ds := extractDates(text, toks, now, func() bool { return len(text)%2 == 0 })
		checkSane(t, text, now, Entities{Dates: ds})
	})
}

func FuzzAmounts(f *testing.F) {
	for k, m := range benchMessages {
		f.Add(m, k%2 == 0)
	}
	f.Add("1,2.3,4.5", true)
	f.Add("1.500k руб в месяц", false)
	f.Fuzz(func(t *testing.T, text string, mult bool) {
		text = strings.ToValidUTF8(text, "\uFFFD")
		if v, ok := parseAmount(text, mult); ok && (math.IsNaN(v) || math.IsInf(v, 0) || v < 0) {
			t.Fatalf("parseAmount(%q) = %v", text, v)
		}
		toks := tokenize(text)
		s := &moneyScanner{text: text, toks: toks, country: "MX"}
		var got []Money
		for _, p := range append(s.scan(false), s.scan(true)...) {
			got = append(got, p.m)
		}
		checkSane(t, text, time.Now(), Entities{Amounts: got})
	})
}

func FuzzPhone(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		text = strings.ToValidUTF8(text, "\uFFFD")
		for _, region := range []string{"RU", "DE", "US", ""} {
			p, a, b := findPhone(text, tokenize(text), region)
			if p == "" {
				continue
			}
			if a < 0 || b > len(text) || a >= b {
				t.Fatalf("bad span %d..%d for %q", a, b, text)
			}
			checkSane(t, text, time.Now(), Entities{Phone: p})
		}
	})
}

// FuzzTokenize checks the token offsets: in order, inside the text, on rune
// boundaries.
func FuzzTokenize(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		text = strings.ToValidUTF8(text, "\uFFFD") // as Extract hands it over
		prev := 0
		for _, tk := range tokenize(text) {
			if tk.start < prev || tk.end <= tk.start || tk.end > len(text) {
				t.Fatalf("bad token %+v in %q", tk, text)
			}
			if !utf8.RuneStart(text[tk.start]) || tk.end < len(text) && !utf8.RuneStart(text[tk.end]) {
				t.Fatalf("token %+v not on rune boundaries in %q", tk, text)
			}
			prev = tk.end
		}
	})
}
