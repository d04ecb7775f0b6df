package classify

import (
	"testing"
)

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "??", "🤔", "сколько стоит?", "skolko stoit", "مرحبا", "\xff\xfe\xfd",
		"İSTANBUL ŞUBE", "120 000 ₽", "a\u0301b\u200d", "##!!!%%%", "ё і ї є ґ ы"} {
		f.Add(s)
	}
	c, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res := c.Classify(s)
		if !res.Intent.Valid() {
			t.Fatalf("unknown intent %q for %q", res.Intent, s)
		}
		if res.Language != LanguageUnknown && languageIndex(res.Language) < 0 {
			t.Fatalf("unknown language %q for %q", res.Language, s)
		}
		if !(res.Confidence >= 0 && res.Confidence <= 1) {
			t.Fatalf("confidence %v out of range for %q", res.Confidence, s)
		}
		switch res.Urgency {
		case UrgencyLow, UrgencyNormal, UrgencyHigh:
		default:
			t.Fatalf("unknown urgency %q", res.Urgency)
		}
		switch res.CustomerType {
		case CustomerIndividual, CustomerBusiness, CustomerUnknown:
		default:
			t.Fatalf("unknown customer type %q", res.CustomerType)
		}
		for _, fl := range res.Sensitive {
			switch fl {
			case FlagThreat, FlagLegal, FlagHealth, FlagAbuse:
			default:
				t.Fatalf("unknown flag %q", fl)
			}
		}
	})
}
