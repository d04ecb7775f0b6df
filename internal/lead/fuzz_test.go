package lead

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"бюджет 150к в месяц, продаем мебель, стартуем в декабре, Казань",
		"budget $3,000 a month, we sell furniture, want to start next week, Berlin, WhatsApp is best",
		"нет, бюджет 300", "не звоните, лучше в вотсап", "نبيع الأثاث، الميزانية 5000 دولار، واتساب",
		"", ",,,", "бюджет", "1,2.3;4", "\xff\xfe",
	} {
		f.Add(s, "budget")
	}
	f.Fuzz(func(t *testing.T, text, asked string) {
		got, _ := ParseReply(text, "ru", entities(text), "RUB", Field(asked))
		if got.Budget != nil {
			if !(got.Budget.Amount >= 0) || got.Budget.Currency == "" {
				t.Fatalf("bad budget %+v", got.Budget)
			}
		}
		for _, s := range []string{got.Need, got.City} {
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 500 || s != strings.TrimSpace(s) {
				t.Fatalf("bad text %q", s)
			}
		}
		if got.Contact != "" && ContactLabelKey(got.Contact) == "" {
			t.Fatalf("bad contact %q", got.Contact)
		}
		// Merge with itself changes nothing.
		if _, filled, corrected := Merge(got, got, true); len(filled)+len(corrected) != 0 {
			t.Fatalf("self-merge changed %v %v", filled, corrected)
		}
	})
}

func FuzzChooseSlot(f *testing.F) {
	for _, s := range []string{"давайте завтра в 11", "второй", "2", "the first one", "slot:2026-11-25T11:00:00+03:00", "вариант 3", ""} {
		f.Add(s, s)
	}
	offered := []time.Time{at(25, 11, 0), at(25, 15, 0), at(26, 11, 30)}
	f.Fuzz(func(t *testing.T, text, payload string) {
		got, ok := ChooseSlot(text, payload, offered, entities(text), testNow, moscow)
		if !ok {
			return
		}
		for _, o := range offered {
			if o.Equal(got) {
				return
			}
		}
		t.Fatalf("chose %v, which was not offered", got)
	})
}
