package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAmounts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		in   string
		want []Money
	}{
		{"бюджет 150к", []Money{{150000, "", "150к", ""}}},
		{"ну 150 к, не больше", []Money{{150000, "", "150 к", ""}}},
		{"150 тыс", []Money{{150000, "", "150 тыс", ""}}},
		{"150 тысяч", []Money{{150000, "", "150 тысяч", ""}}},
		{"$2,000", []Money{{2000, "USD", "$2,000", ""}}},
		{"2 000 €", []Money{{2000, "EUR", "2 000 €", ""}}},
		{"2\u00a0000\u00a0€", []Money{{2000, "EUR", "2\u00a0000\u00a0€", ""}}},
		{"150 000 руб", []Money{{150000, "RUB", "150 000 руб", ""}}},
		{"150000 рублей", []Money{{150000, "RUB", "150000 рублей", ""}}},
		{"500р", []Money{{500, "RUB", "500р", ""}}},
		{"150 тыс. руб.", []Money{{150000, "RUB", "150 тыс. руб.", ""}}},
		{"2 млн", []Money{{2000000, "", "2 млн", ""}}},
		{"1.5k", []Money{{1500, "", "1.5k", ""}}},
		{"1,5 млн руб", []Money{{1500000, "RUB", "1,5 млн руб", ""}}},
		{"€300", []Money{{300, "EUR", "€300", ""}}},
		{"300 евро", []Money{{300, "EUR", "300 евро", ""}}},
		{"5000 грн", []Money{{5000, "UAH", "5000 грн", ""}}},
		{"1000 TL", []Money{{1000, "TRY", "1000 TL", ""}}},
		{"1000 lira", []Money{{1000, "TRY", "1000 lira", ""}}},
		{"5 bin TL", []Money{{5000, "TRY", "5 bin TL", ""}}},
		{"R$ 500", []Money{{500, "BRL", "R$ 500", ""}}},
		{"5 mil reais", []Money{{5000, "BRL", "5 mil reais", ""}}},
		{"бюджет 200 тысяч в месяц", []Money{{200000, "", "200 тысяч в месяц", "month"}}},
		{"$500/mo", []Money{{500, "USD", "$500/mo", "month"}}},
		{"€12k per year", []Money{{12000, "EUR", "€12k per year", "year"}}},
		{"1.500,50 €", []Money{{1500.5, "EUR", "1.500,50 €", ""}}},
		{"1,500.50 USD", []Money{{1500.5, "USD", "1,500.50 USD", ""}}},
		{"2.500 руб", []Money{{2500, "RUB", "2.500 руб", ""}}},
		{"USD 300", []Money{{300, "USD", "USD 300", ""}}},
		{"$2m", []Money{{2000000, "USD", "$2m", ""}}},
		{"5000 тенге", []Money{{5000, "KZT", "5000 тенге", ""}}},
		{"цена 3500", []Money{{3500, "", "3500", ""}}},
		{"budget is 4000, thanks", []Money{{4000, "", "4000", ""}}},
		{"от 100к до 2 млн", []Money{{100000, "", "100к", ""}, {2000000, "", "2 млн", ""}}},
		{"3000 pesos", []Money{{3000, "", "3000 pesos", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Extract(tt.in, b.opts).Amounts)
		})
	}
}

func TestAmountsPesoFollowsCountry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.opts
	o.Country = "MX"
	require.Equal(t, []Money{{3000, "MXN", "3000 pesos", ""}}, Extract("3000 pesos", o).Amounts)
}

func TestAmountsNotAmounts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, in := range []string{
		"заказ 123456", "#A-10234", "8 (916) 123-45-67", "+7 916 123 45 67", "завтра в 15:00",
		"25.12.2026", "скидка 15%", "в 11", "через 2 дня", "SKU 4471", "позвоните 89161234567 к 15:00",
		"150 к оплате", "6 м2", "у нас 3 мастера", "call me at 3",
	} {
		require.Empty(t, Extract(in, b.opts).Amounts, in)
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		mult bool
		want float64
	}{
		{"2,000", false, 2000}, {"2.000", false, 2000}, {"1,5", false, 1.5}, {"1.5", false, 1.5},
		{"1.500,50", false, 1500.5}, {"1,500.50", false, 1500.5}, {"1.000.000", false, 1e6},
		{"1,500", true, 1.5}, {"150000", false, 150000}, {"0.99", false, 0.99},
	}
	for _, tt := range tests {
		v, ok := parseAmount(tt.raw, tt.mult)
		require.True(t, ok, tt.raw)
		require.InDelta(t, tt.want, v, 1e-9, tt.raw)
	}
	_, ok := parseAmount("1234567890123456", false)
	require.False(t, ok, "more than 15 digits is no amount")
}
