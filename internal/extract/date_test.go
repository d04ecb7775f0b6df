package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Now is Tue 2026-11-24 10:00 Europe/Moscow (see setup).
func TestDates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const instant = ""
	tests := []struct {
		lang, in   string
		text       string // the When.Text expected
		start, end string // end "" = same as start (an instant)
		part       string
	}{
		// ru
		{"ru", "завтра в 15:00", "завтра в 15:00", "2026-11-25 15:00", instant, ""},
		{"ru", "можно записаться на маникюр в субботу?", "в субботу", "2026-11-28 00:00:00", "2026-11-28 23:59:59", ""},
		{"ru", "в субботу утром", "в субботу утром", "2026-11-28 06:00:00", "2026-11-28 11:59:59", "morning"},
		{"ru", "на следующей неделе", "на следующей неделе", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"ru", "в декабре", "в декабре", "2026-12-01 00:00:00", "2026-12-31 23:59:59", ""},
		{"ru", "в ноябре", "в ноябре", "2026-11-01 00:00:00", "2026-11-30 23:59:59", ""},
		{"ru", "в октябре", "в октябре", "2027-10-01 00:00:00", "2027-10-31 23:59:59", ""},
		{"ru", "через 2 дня", "через 2 дня", "2026-11-26 00:00:00", "2026-11-26 23:59:59", ""},
		{"ru", "через неделю", "через неделю", "2026-12-01 00:00:00", "2026-12-01 23:59:59", ""},
		{"ru", "через 2 часа", "через 2 часа", "2026-11-24 12:00", instant, ""},
		{"ru", "сегодня вечером", "сегодня вечером", "2026-11-24 18:00:00", "2026-11-24 23:59:59", "evening"},
		{"ru", "послезавтра", "послезавтра", "2026-11-26 00:00:00", "2026-11-26 23:59:59", ""},
		{"ru", "обещали вчера, до сих пор нет", "вчера", "2026-11-23 00:00:00", "2026-11-23 23:59:59", ""},
		{"ru", "25 декабря в 11", "25 декабря в 11", "2026-12-25 11:00", instant, ""},
		{"ru", "к 25-го декабря", "к 25-го декабря", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		{"ru", "25.12", "25.12", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		{"ru", "приём 10.11", "10.11", "2027-11-10 00:00:00", "2027-11-10 23:59:59", ""},
		{"ru", "Жду 25.12.2026 в 10:30", "25.12.2026 в 10:30", "2026-12-25 10:30", instant, ""},
		{"ru", "в 11", "в 11", "2026-11-24 11:00", instant, ""},
		{"ru", "в 9", "в 9", "2026-11-25 09:00", instant, ""},
		{"ru", "в 3", "в 3", "2026-11-24 15:00", instant, ""},
		{"ru", "в 3 утра", "в 3 утра", "2026-11-25 03:00", instant, "morning"},
		{"ru", "в 7 вечера", "в 7 вечера", "2026-11-24 19:00", instant, "evening"},
		{"ru", "в пятницу в 2 часа дня", "в пятницу в 2 часа дня", "2026-11-27 14:00", instant, "afternoon"},
		{"ru", "во вторник в 9", "во вторник в 9", "2026-12-01 09:00", instant, ""},
		{"ru", "во вторник в 12", "во вторник в 12", "2026-11-24 12:00", instant, ""},
		{"ru", "в эту пятницу", "в эту пятницу", "2026-11-27 00:00:00", "2026-11-27 23:59:59", ""},
		{"ru", "в следующую пятницу", "в следующую пятницу", "2026-12-04 00:00:00", "2026-12-04 23:59:59", ""},
		{"ru", "в следующем месяце", "в следующем месяце", "2026-12-01 00:00:00", "2026-12-31 23:59:59", ""},
		{"ru", "завтра, можно в 15?", "завтра, можно в 15", "2026-11-25 15:00", instant, ""},
		{"ru", "утром", "утром", "2026-11-24 06:00:00", "2026-11-24 11:59:59", "morning"}, // the morning is not over yet
		{"ru", "вечером", "вечером", "2026-11-24 18:00:00", "2026-11-24 23:59:59", "evening"},
		{"ru", "не успеваю к 15:00, давайте позже", "к 15:00", "2026-11-24 15:00", instant, ""},
		{"ru", "в 15.30", "в 15.30", "2026-11-24 15:30", instant, ""},
		{"ru-translit", "zavtra v 15", "zavtra v 15", "2026-11-25 15:00", instant, ""},
		{"ru-translit", "v subbotu utrom", "v subbotu utrom", "2026-11-28 06:00:00", "2026-11-28 11:59:59", "morning"},
		// uk
		{"uk", "завтра о 15", "завтра о 15", "2026-11-25 15:00", instant, ""},
		{"uk", "у п'ятницю ввечері", "у п'ятницю ввечері", "2026-11-27 18:00:00", "2026-11-27 23:59:59", "evening"},
		{"uk", "наступного тижня", "наступного тижня", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"uk", "25 грудня", "25 грудня", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		{"uk", "сьогодні о 18:30", "сьогодні о 18:30", "2026-11-24 18:30", instant, ""},
		// en
		{"en", "next Tuesday 3pm", "next Tuesday 3pm", "2026-12-01 15:00", instant, ""},
		{"en", "tomorrow at 11am", "tomorrow at 11am", "2026-11-25 11:00", instant, ""},
		{"en", "in two weeks", "in two weeks", "2026-12-08 00:00:00", "2026-12-08 23:59:59", ""},
		{"en", "this Friday", "this Friday", "2026-11-27 00:00:00", "2026-11-27 23:59:59", ""},
		{"en", "next week works", "next week", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"en", "December 25th at 10:30 am", "December 25th at 10:30 am", "2026-12-25 10:30", instant, ""},
		{"en", "can we do 12/25?", "12/25", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		{"en", "can we do 05/06?", "05/06", "2027-05-06 00:00:00", "2027-05-06 23:59:59", ""},
		{"en", "tonight", "tonight", "2026-11-24 18:00:00", "2026-11-24 23:59:59", "evening"},
		{"en", "in 30 minutes", "in 30 minutes", "2026-11-24 10:30", instant, ""},
		{"en", "at 5 p.m. on Monday", "at 5 p.m. on Monday", "2026-11-30 17:00", instant, ""},
		{"en", "in December", "in December", "2026-12-01 00:00:00", "2026-12-31 23:59:59", ""},
		{"en", "2026-12-25", "2026-12-25", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		// es
		{"es", "mañana a las 10", "mañana a las 10", "2026-11-25 10:00", instant, ""},
		{"es", "manana a las 10", "manana a las 10", "2026-11-25 10:00", instant, ""},
		{"es", "el martes que viene", "el martes que viene", "2026-12-01 00:00:00", "2026-12-01 23:59:59", ""},
		{"es", "la semana que viene", "la semana que viene", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"es", "25 de diciembre a las 3 de la tarde", "25 de diciembre a las 3 de la tarde", "2026-12-25 15:00", instant, "afternoon"},
		{"es", "dentro de 3 días", "dentro de 3 días", "2026-11-27 00:00:00", "2026-11-27 23:59:59", ""},
		// pt
		{"pt", "amanhã às 15h", "amanhã às 15h", "2026-11-25 15:00", instant, ""},
		{"pt", "sexta-feira de manhã", "sexta-feira de manhã", "2026-11-27 06:00:00", "2026-11-27 11:59:59", "morning"},
		{"pt", "às 15h30", "às 15h30", "2026-11-24 15:30", instant, ""},
		// de
		{"de", "morgen um 15 Uhr", "morgen um 15 Uhr", "2026-11-25 15:00", instant, ""},
		{"de", "am 25. Dezember", "am 25. Dezember", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		{"de", "nächste Woche", "nächste Woche", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"de", "heute Abend", "heute Abend", "2026-11-24 18:00:00", "2026-11-24 23:59:59", "evening"},
		{"de", "übermorgen", "übermorgen", "2026-11-26 00:00:00", "2026-11-26 23:59:59", ""},
		// fr
		{"fr", "demain à 15h", "demain à 15h", "2026-11-25 15:00", instant, ""},
		{"fr", "demain à 15", "demain à 15", "2026-11-25 15:00", instant, ""},
		{"fr", "la semaine prochaine", "la semaine prochaine", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"fr", "vendredi soir", "vendredi soir", "2026-11-27 18:00:00", "2026-11-27 23:59:59", "evening"},
		{"fr", "dans 2 jours", "dans 2 jours", "2026-11-26 00:00:00", "2026-11-26 23:59:59", ""},
		// it
		{"it", "domani alle 15", "domani alle 15", "2026-11-25 15:00", instant, ""},
		{"it", "venerdì pomeriggio", "venerdì pomeriggio", "2026-11-27 12:00:00", "2026-11-27 17:59:59", "afternoon"},
		{"it", "tra due settimane", "tra due settimane", "2026-12-08 00:00:00", "2026-12-08 23:59:59", ""},
		// tr
		{"tr", "yarın saat 15", "yarın saat 15", "2026-11-25 15:00", instant, ""},
		{"tr", "cuma akşam", "cuma akşam", "2026-11-27 18:00:00", "2026-11-27 23:59:59", "evening"},
		{"tr", "2 gün sonra", "2 gün sonra", "2026-11-26 00:00:00", "2026-11-26 23:59:59", ""},
		{"tr", "gelecek hafta", "gelecek hafta", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
		{"tr", "25 Aralık'ta", "25 Aralık'ta", "2026-12-25 00:00:00", "2026-12-25 23:59:59", ""},
		// ar
		{"ar", "بكرة الساعة 3", "بكرة الساعة 3", "2026-11-25 15:00", instant, ""},
		{"ar", "غدا الساعة ١١", "غدا الساعة ١١", "2026-11-25 11:00", instant, ""},
		{"ar", "يوم الجمعة", "يوم الجمعة", "2026-11-27 00:00:00", "2026-11-27 23:59:59", ""},
		{"ar", "الأسبوع القادم", "الأسبوع القادم", "2026-11-30 00:00:00", "2026-12-06 23:59:59", ""},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.in, func(t *testing.T) {
			t.Parallel()
			e := Extract(tt.in, b.opts)
			require.Len(t, e.Dates, 1, "%+v", e.Dates)
			d := e.Dates[0]
			require.Equal(t, tt.text, d.Text)
			start := b.at(t, tt.start)
			end := start
			if tt.end != "" {
				end = b.at(t, tt.end)
			}
			require.Equal(t, start.String(), d.Start.String())
			require.Equal(t, end.String(), d.End.String())
			require.Equal(t, tt.end == "", d.HasTime, "HasTime")
			require.Equal(t, tt.part, d.Part)
			require.Equal(t, b.loc, d.Start.Location())
		})
	}
}

// Rules that depend on the clock: today counts for a weekday only when the
// time is still ahead; a time alone is its next occurrence.
func TestDatesRelativeToNow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.opts
	o.Now = b.at(t, "2026-11-24 16:00") // Tuesday afternoon
	cases := map[string]string{
		"во вторник в 18":  "2026-11-24 18:00",
		"во вторник в 15":  "2026-12-01 15:00",
		"в 15":             "2026-11-25 15:00",
		"в 17:30":          "2026-11-24 17:30",
		"this Tuesday 9am": "2026-11-24 09:00", // "this": today, even if past
		"Tuesday at 5pm":   "2026-11-24 17:00",
		"сегодня в 11":     "2026-11-24 11:00", // said: today; the past is kept
	}
	for in, want := range cases {
		e := Extract(in, o)
		require.Len(t, e.Dates, 1, in)
		require.Equal(t, b.at(t, want), e.Dates[0].Start, in)
	}
	// Near the year's end, "в январе" is next January and 10.01 next year.
	o.Now = b.at(t, "2026-12-30 12:00")
	e := Extract("в январе или 10.01", o)
	require.Len(t, e.Dates, 2)
	require.Equal(t, b.at(t, "2027-01-01 00:00"), e.Dates[0].Start)
	require.Equal(t, b.at(t, "2027-01-10 00:00"), e.Dates[1].Start)
}

func TestDatesSeveralInOneMessage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := Extract("Не могу завтра, давайте в пятницу в 14:00 или на следующей неделе", b.opts)
	require.Len(t, e.Dates, 3)
	require.Equal(t, "завтра", e.Dates[0].Text)
	require.Equal(t, "в пятницу в 14:00", e.Dates[1].Text)
	require.Equal(t, b.at(t, "2026-11-27 14:00"), e.Dates[1].Start)
	require.Equal(t, "на следующей неделе", e.Dates[2].Text)
}

func TestDatesNotDates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, in := range []string{
		"в 2 раза дешевле", "на 2 человека", "рейтинг 4.5", "1/2", "в 2026 году",
		"Guten Morgen", "buenas tardes", "доброе утро", "May I?", "I'll march",
		"на 3 недели", "at 3 locations", "в 3 магазинах", "за 5000",
		"llegaré tarde", "su 25 000 руб", "hier ist es",
	} {
		require.Empty(t, Extract(in, b.opts).Dates, in)
	}
}
