package extract

import (
	"regexp"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo

	"github.com/stretchr/testify/require"
)

// testBundle is the fixed world every test extracts in: Tuesday
// 2026-11-24 10:00 in Europe/Moscow, phones in Russia.
type testBundle struct {
	loc  *time.Location
	now  time.Time
	opts Options
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	require.NoError(t, err)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	return &testBundle{loc: loc, now: now, opts: Options{Now: now, Location: loc, Country: "RU"}}
}

// at parses "2006-01-02 15:04:05" (seconds optional) in the bundle's zone.
func (b *testBundle) at(t testing.TB, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04:05"
	if len(s) == len("2006-01-02 15:04") {
		layout = "2006-01-02 15:04"
	}
	v, err := time.ParseInLocation(layout, s, b.loc)
	require.NoError(t, err)
	return v
}

func TestExtractMixedMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)

	e := Extract("Где мой заказ #A-10234? Мой номер 8 (916) 123-45-67, почта ivan.petrov@mail.ru, я в Казани", b.opts)
	require.Equal(t, "A-10234", e.OrderID)
	require.Equal(t, "+79161234567", e.Phone)
	require.Equal(t, "ivan.petrov@mail.ru", e.Email)
	require.Equal(t, "Казань", e.City)
	require.Empty(t, e.Amounts, "the order id and the phone are no amounts")
	require.Empty(t, e.Dates, "the phone is no date")

	e = Extract("заказ 123456 оплатил 150 000 руб, привезите завтра в 15:00 в Москву", b.opts)
	require.Equal(t, "123456", e.OrderID)
	require.Equal(t, []Money{{Amount: 150000, Currency: "RUB", Text: "150 000 руб"}}, e.Amounts)
	require.Len(t, e.Dates, 1)
	require.Equal(t, "завтра в 15:00", e.Dates[0].Text)
	require.Equal(t, b.at(t, "2026-11-25 15:00"), e.Dates[0].Start)
	require.Equal(t, "Москва", e.City)
	require.Empty(t, e.Phone)

	e = Extract("сколько осталось SKU 4471 на Ленина?", b.opts)
	require.Equal(t, "4471", e.SKU)
	require.Empty(t, e.OrderID)
	require.Empty(t, e.Amounts)

	e = Extract("прошу согласовать скидку 15% для клиента, объем 300к", b.opts)
	require.Equal(t, []Money{{Amount: 300000, Text: "300к"}}, e.Amounts)

	e = Extract("позвоните 89161234567 к 15:00", b.opts)
	require.Equal(t, "+79161234567", e.Phone)
	require.Empty(t, e.Amounts, `"67 к 15:00" is no 67 thousand`)
	require.Len(t, e.Dates, 1)
	require.Equal(t, b.at(t, "2026-11-24 15:00"), e.Dates[0].Start)
}

func TestExtractNothingInvented(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, text := range []string{
		"", "??", "🙂", "здравствуйте!", "Guten Morgen!", "good morning", "Buenas noches", "доброе утро",
		"ужасный сервис, никто не отвечает", "у конкурентов дешевле", "позовите менеджера",
		"рейтинг 4.5", "1/2 порции", "в 2 раза дешевле", "May I ask something?", "we need 3 items",
		"I'll march on", "hier ist es", "la casa", "в 3 магазинах",
	} {
		e := Extract(text, b.opts)
		require.Equal(t, Entities{}, e, text)
	}
}

func TestExtractOptionsPatterns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.opts
	o.OrderIDPattern = regexp.MustCompile(`\bORD(\d{6})\b`)
	o.SKUPattern = regexp.MustCompile(`\b[A-Z]{2}-\d{4}-[A-Z]\b`)
	e := Extract("where is ORD123456 with item AB-1234-X, and not #A-10234", o)
	require.Equal(t, "123456", e.OrderID)
	require.Equal(t, "AB-1234-X", e.SKU)
}

func TestExtractDeterministic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, m := range benchMessages {
		require.Equal(t, Extract(m, b.opts), Extract(m, b.opts), m)
	}
}

func TestExtractZeroOptions(t *testing.T) {
	t.Parallel()
	e := Extract("call +49 30 1234567 tomorrow at 3pm, $20", Options{})
	require.Equal(t, "+49301234567", e.Phone)
	require.Len(t, e.Dates, 1)
	require.True(t, e.Dates[0].HasTime)
	require.Equal(t, 15, e.Dates[0].Start.Hour())
	require.Equal(t, []Money{{Amount: 20, Currency: "USD", Text: "$20"}}, e.Amounts)
	require.Empty(t, Extract("8 (916) 123-45-67", Options{}).Phone, "no region, no +: cannot be told")
}

func TestExtractLongInputIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := make([]byte, 0, 200<<10)
	for len(long) < 200<<10 {
		long = append(long, "завтра в 15:00 заказ #A-10234 150к "...)
	}
	e := Extract(string(long), b.opts)
	require.Equal(t, "A-10234", e.OrderID)
	require.NotEmpty(t, e.Dates)
}
