package lead

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/extract"
	"frontdesk/internal/organization"
)

var (
	moscow, _ = time.LoadLocation("Europe/Moscow")
	// testNow is Tuesday 24 November 2026, 10:00 in Moscow.
	testNow = time.Date(2026, 11, 24, 10, 0, 0, 0, moscow)
)

func entities(text string) extract.Entities {
	return extract.Extract(text, extract.Options{Now: testNow, Location: moscow, Country: "RU"})
}

func parse(text, lang string) (Fields, bool) {
	return Parse(text, lang, entities(text), "RUB")
}

func day(y int, m time.Month, d int) string {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// want is the expected outcome of one parse; "" and 0 mean "not found".
type want struct {
	amount   float64
	currency string
	per      string
	need     string
	start    string // the start day, YYYY-MM-DD
	city     string
	contact  string
	fix      bool
}

func check(t *testing.T, w want, got Fields, correction bool) {
	t.Helper()
	if w.amount == 0 {
		require.Nil(t, got.Budget, "budget")
	} else {
		require.NotNil(t, got.Budget, "budget")
		require.Equal(t, organization.Money{Amount: w.amount, Currency: w.currency}, *got.Budget)
		require.Equal(t, w.per, got.BudgetPer)
	}
	require.Equal(t, w.need, got.Need, "need")
	if w.start == "" {
		require.Nil(t, got.Start, "start")
	} else {
		require.NotNil(t, got.Start, "start")
		require.Equal(t, w.start, got.Start.Start.Format(time.DateOnly))
	}
	require.Equal(t, w.city, got.City, "city")
	require.Equal(t, w.contact, got.Contact, "contact")
	require.Equal(t, w.fix, correction, "correction")
}

func TestParse(t *testing.T) {
	t.Parallel()
	dec1, nextMon := day(2026, 12, 1), day(2026, 11, 30)
	tests := []struct {
		lang, text string
		want       want
	}{
		// ru: the brief's examples and reorderings.
		{"ru", "бюджет 150к в месяц, продаем мебель, стартуем в декабре, Казань",
			want{amount: 150000, currency: "RUB", per: "month", need: "продаем мебель", start: dec1, city: "Казань"}},
		{"ru", "бюджет 200 тысяч в месяц, продаем мебель, хотим начать на следующей неделе, Казань, лучше в WhatsApp",
			want{amount: 200000, currency: "RUB", per: "month", need: "продаем мебель", start: nextMon, city: "Казань", contact: "whatsapp"}},
		{"ru", "Казань. Стартуем в декабре; продаём мебель. Бюджет 150к в месяц",
			want{amount: 150000, currency: "RUB", per: "month", need: "продаём мебель", start: dec1, city: "Казань"}},
		{"ru", "нужна реклама для салона красоты в Казани, пишите в телеграм",
			want{need: "нужна реклама для салона красоты в Казани", city: "Казань", contact: "telegram"}},
		{"ru", "бюджет 100000 рублей", want{amount: 100000, currency: "RUB"}},
		{"ru", "бюджет 3000 долларов в месяц", want{amount: 3000, currency: "USD", per: "month"}},
		{"ru", "лучше позвонить", want{contact: "call"}},
		{"ru", "не звоните, лучше в вотсап", want{contact: "whatsapp", fix: true}},
		{"ru", "можно на почту", want{contact: "email"}},
		{"ru", "мой номер +7 916 123-45-67", want{contact: "phone"}},
		{"ru", "нужно начать на следующей неделе", want{start: nextMon}},
		{"ru", "продаем мебель и хотим начать в декабре", want{need: "продаем мебель", start: dec1}},
		{"ru", "мы продаем", want{}},
		{"en", "we sell furniture and want to start next week", want{need: "we sell furniture", start: nextMon}},
		{"en", "we need to start next week", want{start: nextMon}},
		{"ru", "Сколько стоит таргет? Бюджет около 100 тысяч", want{amount: 100000, currency: "RUB"}},
		// Corrections.
		{"ru", "нет, бюджет 300", want{amount: 300, currency: "RUB", fix: true}},
		{"ru", "поправка: бюджет 250к", want{amount: 250000, currency: "RUB", fix: true}},
		{"ru", "нет, город Самара", want{city: "Самара", fix: true}},
		{"en", "actually budget is 500", want{amount: 500, currency: "RUB", fix: true}},
		{"en", "correction: we start next week", want{start: nextMon, fix: true}},
		// en
		{"en", "budget $3,000 a month, we sell furniture, want to start next week, Berlin, WhatsApp is best",
			want{amount: 3000, currency: "USD", per: "month", need: "we sell furniture", start: nextMon, city: "Berlin", contact: "whatsapp"}},
		{"en", "Berlin. We need ads for a beauty salon. Start in December. Our budget is 3000 USD. Please call me",
			want{amount: 3000, currency: "USD", need: "We need ads for a beauty salon", start: dec1, city: "Berlin", contact: "call"}},
		{"en", "telegram please", want{contact: "telegram"}},
		// es
		{"es", "presupuesto 2000 euros al mes, vendemos muebles, queremos empezar la próxima semana, Madrid, por WhatsApp",
			want{amount: 2000, currency: "EUR", per: "month", need: "vendemos muebles", start: nextMon, city: "Madrid", contact: "whatsapp"}},
		{"es", "Necesitamos publicidad para una tienda de ropa, mejor una llamada",
			want{need: "Necesitamos publicidad para una tienda de ropa", contact: "call"}},
		// de
		{"de", "Budget 5000 Euro im Monat, wir verkaufen Möbel, Start nächste Woche, München, per Telefon",
			want{amount: 5000, currency: "EUR", per: "month", need: "wir verkaufen Möbel", start: nextMon, city: "München", contact: "phone"}},
		{"de", "Wir brauchen Werbung für unser Café. Bitte per E-Mail", want{need: "Wir brauchen Werbung für unser Café", contact: "email"}},
		// uk
		{"uk", "бюджет 50 тисяч гривень на місяць, продаємо меблі, почати з наступного тижня, Київ, телеграм",
			want{amount: 50000, currency: "UAH", per: "month", need: "продаємо меблі", start: nextMon, city: "Київ", contact: "telegram"}},
		{"uk", "ні, бюджет 80 тисяч", want{amount: 80000, currency: "RUB", fix: true}},
		// fr, it, pt, tr, ar
		{"fr", "budget 4000 euros par mois, nous vendons des meubles, commencer la semaine prochaine, Paris, WhatsApp",
			want{amount: 4000, currency: "EUR", per: "month", need: "nous vendons des meubles", start: nextMon, city: "Paris", contact: "whatsapp"}},
		{"it", "vendiamo mobili, budget 3000 euro al mese, Roma", want{amount: 3000, currency: "EUR", per: "month", need: "vendiamo mobili", city: "Roma"}},
		{"pt", "vendemos móveis, orçamento 10000 reais, Lisboa, pelo WhatsApp",
			want{amount: 10000, currency: "BRL", need: "vendemos móveis", city: "Lisboa", contact: "whatsapp"}},
		{"tr", "mobilya satıyoruz, bütçe 50000 TL, İstanbul", want{amount: 50000, currency: "TRY", need: "mobilya satıyoruz", city: "İstanbul"}},
		{"ar", "نبيع الأثاث، الميزانية 5000 دولار، واتساب", want{amount: 5000, currency: "USD", need: "نبيع الأثاث", contact: "whatsapp"}},
		// Nothing to read.
		{"ru", "здравствуйте", want{}},
		{"en", "how much is it?", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.text, func(t *testing.T) {
			t.Parallel()
			got, fix := parse(tt.text, tt.lang)
			check(t, tt.want, got, fix)
		})
	}
}

func TestParseReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		asked Field
		text  string
		want  want
	}{
		{FieldNeed, "мебель", want{need: "мебель"}},
		{FieldNeed, "интернет-магазин обуви", want{need: "интернет-магазин обуви"}},
		{FieldNeed, "furniture, Berlin", want{need: "furniture", city: "Berlin"}},
		{FieldBudget, "300", want{amount: 300, currency: "RUB"}},
		{FieldBudget, "150 000", want{amount: 150000, currency: "RUB"}},
		{FieldBudget, "$500", want{amount: 500, currency: "USD"}},
		{FieldCity, "Нижнекамск", want{city: "Нижнекамск"}},
		{FieldCity, "в Нижнекамске", want{city: "Нижнекамске"}},
		{FieldCity, "Казань", want{city: "Казань"}},
		{FieldCity, "не знаю пока что честно говоря", want{fix: true}},
		{FieldContact, "вотсап", want{contact: "whatsapp"}},
		{FieldContact, "ann@example.com", want{contact: "email"}},
		// Without the question, a bare word or number is nothing.
		{"", "мебель", want{}},
		{"", "300", want{}},
	}
	for _, tt := range tests {
		t.Run(string(tt.asked)+"/"+tt.text, func(t *testing.T) {
			t.Parallel()
			got, fix := ParseReply(tt.text, "ru", entities(tt.text), "RUB", tt.asked)
			check(t, tt.want, got, fix)
		})
	}
}

func TestMissing(t *testing.T) {
	t.Parallel()
	require.Equal(t, AllFields, Missing(Fields{}))
	f, _ := parse("Казань, вотсап", "ru")
	require.Equal(t, []Field{FieldBudget, FieldNeed, FieldStart}, Missing(f))
	f, _ = parse("бюджет 200 тысяч в месяц, продаем мебель, хотим начать на следующей неделе, Казань, лучше в WhatsApp", "ru")
	require.Empty(t, Missing(f))
}

func TestMerge(t *testing.T) {
	t.Parallel()
	known, _ := parse("бюджет 150к, продаем мебель, Казань", "ru")

	// Answers fill the gaps; a plain restatement does not overwrite.
	found, fix := parse("стартуем в декабре, бюджет 200к, лучше в WhatsApp", "ru")
	merged, filled, corrected := Merge(known, found, fix)
	require.Equal(t, []Field{FieldStart, FieldContact}, filled)
	require.Empty(t, corrected)
	require.Equal(t, 150000.0, merged.Budget.Amount)
	require.Equal(t, "whatsapp", merged.Contact)

	// A correction overwrites.
	found, fix = parse("нет, бюджет 300", "ru")
	merged, filled, corrected = Merge(merged, found, fix)
	require.Empty(t, filled)
	require.Equal(t, []Field{FieldBudget}, corrected)
	require.Equal(t, organization.Money{Amount: 300, Currency: "RUB"}, *merged.Budget)
	require.Equal(t, "Казань", merged.City, "other fields stay")

	// Restating the budget in another currency replaces it (the answer to
	// the currency question) even without a correction word.
	usd, _ := parse("budget $3,000 a month", "en")
	merged, _, _ = Merge(Fields{}, usd, false)
	found, fix = parse("бюджет 250 000 рублей", "ru")
	merged, _, corrected = Merge(merged, found, fix)
	require.Equal(t, []Field{FieldBudget}, corrected)
	require.Equal(t, organization.Money{Amount: 250000, Currency: "RUB"}, *merged.Budget)
	require.Empty(t, merged.BudgetPer)

	// The same value again changes nothing.
	_, filled, corrected = Merge(merged, found, true)
	require.Empty(t, filled)
	require.Empty(t, corrected)
}

func TestFieldsJSON(t *testing.T) {
	t.Parallel()
	f, _ := parse("бюджет 200 тысяч в месяц, продаем мебель, хотим начать на следующей неделе, Казань, лучше в WhatsApp", "ru")
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	var back Fields
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, f.Need, back.Need)
	require.True(t, f.Start.Start.Equal(back.Start.Start))
	require.Equal(t, *f.Budget, *back.Budget)
}
