package lead

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apperror"
	"frontdesk/internal/extract"
	"frontdesk/internal/organization"
)

func ptr[T any](v T) *T { return &v }

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	ok := PriceItem{Name: "Таргет", Keywords: []string{"таргет", "target"}, PriceFrom: 30000, PriceTo: ptr(80000.0), Currency: "RUB"}
	tests := []struct {
		name  string
		s     Settings
		field string
	}{
		{"zero value", Settings{}, ""},
		{"complete", Settings{PriceList: []PriceItem{ok}, MinimumBudget: &organization.Money{Amount: 100000, Currency: "RUB"},
			QualifyWithinDays: 14, SlotMinutes: 45, ConsultationHours: []organization.BusinessHours{{Weekday: 1, Opens: "10:00", Closes: "18:00"}}}, ""},
		{"lower-case currency", Settings{PriceList: []PriceItem{{Name: "x", Currency: "rub"}}}, "priceList"},
		{"negative price", Settings{PriceList: []PriceItem{{Name: "x", PriceFrom: -1, Currency: "RUB"}}}, "priceList"},
		{"NaN price", Settings{PriceList: []PriceItem{{Name: "x", PriceFrom: nan(), Currency: "RUB"}}}, "priceList"},
		{"to below from", Settings{PriceList: []PriceItem{{Name: "x", PriceFrom: 10, PriceTo: ptr(5.0), Currency: "RUB"}}}, "priceList"},
		{"empty name", Settings{PriceList: []PriceItem{{Name: " ", Currency: "RUB"}}}, "priceList"},
		{"short keyword", Settings{PriceList: []PriceItem{{Name: "x", Keywords: []string{"a"}, Currency: "RUB"}}}, "priceList"},
		{"too many items", Settings{PriceList: make([]PriceItem, MaxPriceItems+1)}, "priceList"},
		{"bad minimum", Settings{MinimumBudget: &organization.Money{Amount: 1, Currency: "rubles"}}, "minimumBudget"},
		{"negative minimum", Settings{MinimumBudget: &organization.Money{Amount: -1, Currency: "RUB"}}, "minimumBudget"},
		{"days", Settings{QualifyWithinDays: 400}, "qualifyWithinDays"},
		{"slot", Settings{SlotMinutes: 1}, "slotMinutes"},
		{"weekday", Settings{ConsultationHours: []organization.BusinessHours{{Weekday: 0, Opens: "10:00", Closes: "18:00"}}}, "consultationHours"},
		{"clock", Settings{ConsultationHours: []organization.BusinessHours{{Weekday: 1, Opens: "9:00", Closes: "18:00"}}}, "consultationHours"},
		{"reversed", Settings{ConsultationHours: []organization.BusinessHours{{Weekday: 1, Opens: "18:00", Closes: "10:00"}}}, "consultationHours"},
		{"timers off", Settings{FollowUpAfterHours: ptr(0), AbandonAfterHours: ptr(0)}, ""},
		{"abandon only", Settings{FollowUpAfterHours: ptr(0), AbandonAfterHours: ptr(12)}, ""},
		{"reminder only", Settings{FollowUpAfterHours: ptr(200), AbandonAfterHours: ptr(0)}, ""},
		{"negative reminder", Settings{FollowUpAfterHours: ptr(-1)}, "followUpAfterHours"},
		{"reminder too late", Settings{FollowUpAfterHours: ptr(MaxFollowUpAfterHours + 1)}, "followUpAfterHours"},
		{"negative abandon", Settings{AbandonAfterHours: ptr(-24)}, "abandonAfterHours"},
		{"abandon too late", Settings{AbandonAfterHours: ptr(MaxAbandonAfterHours + 1)}, "abandonAfterHours"},
		{"abandon with the reminder", Settings{FollowUpAfterHours: ptr(48), AbandonAfterHours: ptr(48)}, "abandonAfterHours"},
		{"abandon before the default reminder", Settings{AbandonAfterHours: ptr(12)}, "abandonAfterHours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.s.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			e, ok := apperror.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, apperror.InvalidInput, e.Code)
			require.Equal(t, tt.field, e.Field)
		})
	}
}

// 0 switches a timer off; only an unset one takes the default.
func TestSettingsTimers(t *testing.T) {
	t.Parallel()
	def := Settings{}.Effective()
	require.Equal(t, 24*time.Hour, def.FollowUpAfter())
	require.Equal(t, 72*time.Hour, def.AbandonAfter())
	require.Equal(t, 24*time.Hour, Settings{}.FollowUpAfter(), "unset reads as the default")
	off := Settings{FollowUpAfterHours: ptr(0), AbandonAfterHours: ptr(0)}.Effective()
	require.Zero(t, off.FollowUpAfter())
	require.Zero(t, off.AbandonAfter())
}

func nan() float64 { z := 0.0; return z / z }

func TestMatchPrice(t *testing.T) {
	t.Parallel()
	s := Settings{PriceList: []PriceItem{
		{Name: "Таргетированная реклама", Keywords: []string{"таргет", "target", "таргетированная реклама"}, PriceFrom: 30000, Currency: "RUB"},
		{Name: "SEO", Keywords: []string{"продвижение сайта", "seo"}, PriceFrom: 50000, PriceTo: ptr(120000.0), Currency: "RUB"},
		{Name: "Контекстная реклама", Keywords: []string{"контекст", "яндекс директ", "google ads"}, PriceFrom: 25000, Currency: "RUB"},
	}}
	tests := []struct{ text, want string }{
		{"Сколько стоит таргет?", "Таргетированная реклама"},
		{"сколько стоит настройка таргета в инсте", "Таргетированная реклама"},
		{"How much is TARGET ads?", "Таргетированная реклама"},
		{"цена на SEO продвижение", "SEO"},
		{"а продвижение сайта почём?", "SEO"},
		{"нужна реклама в Яндекс Директ", "Контекстная реклама"},
		{"Google Ads price?", "Контекстная реклама"},
		{"сколько стоит претаргетинг", ""},
		{"сколько стоит?", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := MatchPrice(s, tt.text)
		require.Equal(t, tt.want != "", ok, tt.text)
		require.Equal(t, tt.want, got.Name, tt.text)
	}
}

func TestQualify(t *testing.T) {
	t.Parallel()
	s := Settings{MinimumBudget: &organization.Money{Amount: 100000, Currency: "RUB"}}
	when := func(y int, m time.Month, d int) *extract.When {
		st := time.Date(y, m, d, 0, 0, 0, 0, moscow)
		return &extract.When{Start: st, End: st.AddDate(0, 0, 1).Add(-time.Second)}
	}
	rub := func(v float64) *organization.Money { return &organization.Money{Amount: v, Currency: "RUB"} }
	tests := []struct {
		name string
		s    Settings
		f    Fields
		want Verdict
	}{
		{"nothing yet", s, Fields{}, VerdictIncomplete},
		{"no start", s, Fields{Budget: rub(150000)}, VerdictIncomplete},
		{"no budget", s, Fields{Start: when(2026, 12, 1)}, VerdictIncomplete},
		{"qualified", s, Fields{Budget: rub(150000), Start: when(2026, 12, 1)}, VerdictQualified},
		{"exactly the minimum", s, Fields{Budget: rub(100000), Start: when(2026, 11, 24)}, VerdictQualified},
		{"below the minimum", s, Fields{Budget: rub(99999), Start: when(2026, 12, 1)}, VerdictUnqualified},
		{"day 30", s, Fields{Budget: rub(150000), Start: when(2026, 12, 24)}, VerdictQualified},
		{"day 31", s, Fields{Budget: rub(150000), Start: when(2026, 12, 25)}, VerdictUnqualified},
		{"in the past", s, Fields{Budget: rub(150000), Start: when(2026, 11, 1)}, VerdictQualified},
		{"shorter window", Settings{MinimumBudget: s.MinimumBudget, QualifyWithinDays: 7}, Fields{Budget: rub(150000), Start: when(2026, 12, 2)}, VerdictUnqualified},
		{"other currency", s, Fields{Budget: &organization.Money{Amount: 3000, Currency: "USD"}, Start: when(2026, 12, 1)}, VerdictCurrencyMismatch},
		{"no minimum", Settings{}, Fields{Budget: &organization.Money{Amount: 1, Currency: "USD"}, Start: when(2026, 12, 1)}, VerdictQualified},
	}
	for _, tt := range tests {
		got, reason := Qualify(tt.s, tt.f, testNow, moscow)
		require.Equal(t, tt.want, got, "%s: %s", tt.name, reason)
		require.NotEmpty(t, reason)
	}
	require.Equal(t, StatusQualified, VerdictQualified.Status())
	require.Equal(t, StatusUnqualified, VerdictUnqualified.Status())
	require.Equal(t, StatusQualifying, VerdictCurrencyMismatch.Status())
	require.Equal(t, StatusQualifying, VerdictIncomplete.Status())

	// The brief's example end to end: parsed, then qualified.
	f, _ := parse("бюджет 150к в месяц, продаем мебель, стартуем в декабре, Казань", "ru")
	v, _ := Qualify(s, f, testNow, moscow)
	require.Equal(t, VerdictQualified, v)
	f, _ = parse("budget $3,000 a month, we sell furniture, want to start next week, Berlin, WhatsApp is best", "en")
	v, _ = Qualify(s, f, testNow, moscow)
	require.Equal(t, VerdictCurrencyMismatch, v)
}

func at(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, moscow) }

func TestSlots(t *testing.T) {
	t.Parallel()
	s := Settings{ConsultationHours: []organization.BusinessHours{
		{Weekday: 2, Opens: "10:00", Closes: "12:00"}, // Tuesday
		{Weekday: 3, Opens: "11:00", Closes: "12:00"}, // Wednesday
		{Weekday: 3, Opens: "15:00", Closes: "16:00"},
	}}
	// Now is Tuesday 10:00: 10:00-10:30 is too soon; 11:00 is the first.
	require.Equal(t, []time.Time{at(24, 11, 0), at(24, 11, 30), at(25, 11, 0), at(25, 11, 30), at(25, 15, 0)},
		Slots(s, testNow, moscow, nil, 5))
	// Booked starts are skipped.
	require.Equal(t, []time.Time{at(24, 11, 30), at(25, 11, 30), at(25, 15, 0)},
		Slots(s, testNow, moscow, []time.Time{at(24, 11, 0), at(25, 11, 0)}, 3))
	// A booked call overlapping a candidate blocks it.
	require.Equal(t, []time.Time{at(25, 11, 0), at(25, 11, 30)}, Slots(s, testNow, moscow, []time.Time{at(24, 11, 15)}, 2))
	// Longer slots fit whole into the windows, cut from the opening time:
	// Tuesday's 10:00 and 10:45 are too soon and 11:30 would overrun.
	s.SlotMinutes = 45
	require.Equal(t, []time.Time{at(25, 11, 0), at(25, 15, 0), time.Date(2026, 12, 1, 10, 0, 0, 0, moscow)},
		Slots(s, testNow, moscow, nil, 3))
	// No hours, no slots.
	require.Empty(t, Slots(Settings{}, testNow, moscow, nil, 3))
	require.Empty(t, Slots(s, testNow, moscow, nil, 0))
}

func TestSlotsDST(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	s := Settings{ConsultationHours: []organization.BusinessHours{{Weekday: 7, Opens: "10:00", Closes: "11:00"}}}
	// Sunday 29 March 2026 is the switch to summer time in Berlin.
	now := time.Date(2026, 3, 28, 12, 0, 0, 0, berlin)
	got := Slots(s, now, berlin, nil, 2)
	require.Equal(t, []time.Time{time.Date(2026, 3, 29, 10, 0, 0, 0, berlin), time.Date(2026, 3, 29, 10, 30, 0, 0, berlin)}, got)
	_, off := got[0].Zone()
	require.Equal(t, 2*3600, off)
}

func TestSlotPayload(t *testing.T) {
	t.Parallel()
	p := SlotPayload(at(25, 11, 0))
	require.Equal(t, "slot:2026-11-25T11:00:00+03:00", p)
	got, ok := ParseSlotPayload(p)
	require.True(t, ok)
	require.True(t, got.Equal(at(25, 11, 0)))
	for _, bad := range []string{"", "slot:", "slot:tomorrow", "2026-11-25T11:00:00+03:00", "lead:2026-11-25T11:00:00+03:00"} {
		_, ok := ParseSlotPayload(bad)
		require.False(t, ok, bad)
	}
}

func TestChooseSlot(t *testing.T) {
	t.Parallel()
	offered := []time.Time{at(25, 11, 0), at(25, 15, 0), at(26, 11, 30)}
	tests := []struct {
		text, payload string
		want          int // index in offered, -1 for none
	}{
		{"", SlotPayload(at(25, 15, 0)), 1},
		{"", "slot:2026-11-25T12:00:00+03:00", -1}, // not offered
		{"", "slot:" + at(25, 15, 0).UTC().Format(time.RFC3339), 1},
		{"давайте завтра в 11", "", 0},
		{"завтра в 15:00 удобно", "", 1},
		{"в четверг в 11:30", "", 2},
		{"в 15", "", 1},      // today has no slot: 15:00 is tomorrow's
		{"в четверг", "", 2}, // one slot that day
		{"завтра", "", -1},   // two slots tomorrow
		{"завтра в 12", "", -1},
		{"второй", "", 1},
		{"давайте первый вариант", "", 0},
		{"последний", "", 2},
		{"the first one", "", 0},
		{"the second one works", "", 1},
		{"zweite bitte", "", 1},
		{"el segundo", "", 1},
		{"le troisième", "", 2},
		{"il primo", "", 0},
		{"o segundo", "", 1},
		{"ikinci", "", 1},
		{"الثاني", "", 1},
		{"другий", "", 1},
		{"2", "", 1},
		{"3)", "", 2},
		{"вариант 1", "", 0},
		{"option 2 please", "", 1},
		{"4", "", -1},
		{"пятый", "", -1},
		{"у меня 2 вопроса по цене", "", -1},
		{"не знаю", "", -1},
	}
	for _, tt := range tests {
		got, ok := ChooseSlot(tt.text, tt.payload, offered, entities(tt.text), testNow, moscow)
		if tt.want < 0 {
			require.False(t, ok, "%q chose %v", tt.text, got)
			continue
		}
		require.True(t, ok, "%q %q", tt.text, tt.payload)
		require.True(t, got.Equal(offered[tt.want]), "%q: got %v", tt.text, got)
	}
	_, ok := ChooseSlot("первый", "", nil, extract.Entities{}, testNow, moscow)
	require.False(t, ok)
}
