package replies

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormatMoney(t *testing.T) {
	t.Parallel()

	type amounts struct{ rub150k, usd2k, eur1234, aed2k string }
	for lang, want := range map[string]amounts{
		"en": {"₽150,000", "$2,000", "€1,234.50", "AED\u00a02,000"},
		"ru": {"150\u00a0000\u00a0₽", "2\u00a0000\u00a0$", "1\u00a0234,50\u00a0€", "2\u00a0000\u00a0AED"},
		"uk": {"150\u00a0000\u00a0₽", "2\u00a0000\u00a0$", "1\u00a0234,50\u00a0€", "2\u00a0000\u00a0AED"},
		"es": {"150.000\u00a0₽", "2000\u00a0US$", "1234,50\u00a0€", "2000\u00a0AED"},
		"pt": {"₽\u00a0150.000", "US$\u00a02.000", "€\u00a01.234,50", "AED\u00a02.000"},
		"de": {"150.000\u00a0₽", "2.000\u00a0$", "1.234,50\u00a0€", "2.000\u00a0AED"},
		"fr": {"150\u202f000\u00a0₽", "2\u202f000\u00a0$US", "1\u202f234,50\u00a0€", "2\u202f000\u00a0AED"},
		"it": {"150.000\u00a0₽", "2.000\u00a0USD", "1.234,50\u00a0€", "2.000\u00a0AED"},
		"tr": {"₽150.000", "$2.000", "€1.234,50", "AED\u00a02.000"},
		"ar": {"150,000\u00a0₽", "2,000\u00a0US$", "1,234.50\u00a0€", "2,000\u00a0د.إ"},
	} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()

			require.Equal(t, want.rub150k, FormatMoney(lang, 150000, "RUB"))
			require.Equal(t, want.usd2k, FormatMoney(lang, 2000, "USD"))
			require.Equal(t, want.eur1234, FormatMoney(lang, 1234.5, "EUR"))
			require.Equal(t, want.aed2k, FormatMoney(lang, 2000, "AED"))
		})
	}
	require.Len(t, builtinLanguages, 10, "a table row per language")
}

func TestFormatMoneyEdges(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		lang     string
		amount   float64
		currency string
		want     string
	}{
		{"en", 0, "USD", "$0"},
		{"en", 0.99, "USD", "$0.99"},
		{"en", 1999.999, "USD", "$2,000"},
		{"en", 1234567.891, "USD", "$1,234,567.89"},
		{"en", 999, "USD", "$999"},
		{"en", -5, "USD", "-$5"},
		{"en", -0.001, "USD", "$0"},
		{"de", -1234.5, "EUR", "-1.234,50\u00a0€"},
		{"en", 2000, " usd ", "$2,000"},
		{"en", 2000, "", "2,000"},
		{"ru", 2000, "", "2\u00a0000"},
		{"en", 2000, "XYZ", "XYZ\u00a02,000"},
		{"es", 12000, "EUR", "12.000\u00a0€"},
		{"es", 1234567, "EUR", "1.234.567\u00a0€"},
		{"ru", 150000, "UAH", "150\u00a0000\u00a0₴"},
		{"uk", 150000, "UAH", "150\u00a0000\u00a0₴"},
		{"tr", 1500, "TRY", "₺1.500"},
		{"pt", 1500, "BRL", "R$\u00a01.500"},
		{"ar", 1500, "SAR", "1,500\u00a0ر.س"},
		{"xx", 2000, "USD", "$2,000"},
		{"en", 1e21, "USD", "$1,000,000,000,000,000,000,000"},
		{"en", math.NaN(), "USD", "NaN USD"},
		{"en", math.Inf(1), "", "+Inf"},
	} {
		require.Equal(t, tt.want, FormatMoney(tt.lang, tt.amount, tt.currency), "%s %v %q", tt.lang, tt.amount, tt.currency)
	}
}

func TestFormatDateAndTime(t *testing.T) {
	t.Parallel()

	msk := time.FixedZone("MSK", 3*3600)
	tue := time.Date(2025, time.November, 25, 11, 0, 0, 0, msk)
	sun := time.Date(2026, time.March, 1, 9, 5, 0, 0, msk)
	for lang, want := range map[string]struct{ date, time, first string }{
		"en": {"Tue, Nov 25", "Tue, Nov 25, 11:00", "Sun, Mar 1, 09:05"},
		"ru": {"вт, 25 ноября", "вт, 25 ноября, 11:00", "вс, 1 марта, 09:05"},
		"uk": {"вт, 25 листопада", "вт, 25 листопада, 11:00", "нд, 1 березня, 09:05"},
		"es": {"mar, 25 de noviembre", "mar, 25 de noviembre, 11:00", "dom, 1 de marzo, 09:05"},
		"pt": {"ter., 25 de novembro", "ter., 25 de novembro, 11:00", "dom., 1 de março, 09:05"},
		"de": {"Di., 25. November", "Di., 25. November, 11:00", "So., 1. März, 09:05"},
		"fr": {"mar. 25 novembre", "mar. 25 novembre, 11:00", "dim. 1er mars, 09:05"},
		"it": {"mar 25 novembre", "mar 25 novembre, 11:00", "dom 1 marzo, 09:05"},
		"tr": {"25 Kasım Salı", "25 Kasım Salı, 11:00", "1 Mart Pazar, 09:05"},
		"ar": {"الثلاثاء، 25 نوفمبر", "الثلاثاء، 25 نوفمبر، 11:00", "الأحد، 1 مارس، 09:05"},
	} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()

			require.Equal(t, want.date, FormatDate(lang, tue))
			require.Equal(t, want.time, FormatTime(lang, tue))
			require.Equal(t, want.first, FormatTime(lang, sun))
		})
	}
}

func TestFormatTimeKeepsTheZone(t *testing.T) {
	t.Parallel()

	utc := time.Date(2025, time.November, 25, 22, 30, 0, 0, time.UTC)
	require.Equal(t, "Tue, Nov 25, 22:30", FormatTime("en", utc))
	require.Equal(t, "Wed, Nov 26, 01:30", FormatTime("en", utc.In(time.FixedZone("MSK", 3*3600))))
	require.Equal(t, "Tue, Nov 25, 22:30", FormatTime("xx", utc), "unknown language formats as English")
}

// TestGenitiveMonths pins the case ru and uk need after a day number.
func TestGenitiveMonths(t *testing.T) {
	t.Parallel()

	ru := []string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
	uk := []string{"січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"}
	for i := range 12 {
		d := time.Date(2025, time.Month(i+1), 10, 0, 0, 0, 0, time.UTC)
		require.Contains(t, FormatDate("ru", d), "10 "+ru[i])
		require.Contains(t, FormatDate("uk", d), "10 "+uk[i])
	}
}

func TestFormatList(t *testing.T) {
	t.Parallel()

	require.Equal(t, "budget, city", FormatList("en", []string{"budget", "city"}))
	require.Equal(t, "Budget, Stadt", FormatList("de-AT", []string{"Budget", "Stadt"}))
	require.Equal(t, "الميزانية، المدينة", FormatList("ar", []string{"الميزانية", "المدينة"}))
	require.Equal(t, "city", FormatList("xx", []string{"city"}))
	require.Empty(t, FormatList("en", nil))
}
