package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOrderIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := map[string]string{
		"Где мой заказ #A-10234?":  "A-10234",
		"статус A-10234":           "A-10234",
		"заказ 123456 не пришёл":   "123456",
		"заказ №123456":            "123456",
		"номер заказа: 777888":     "777888",
		"по заказу № 4455667":      "4455667",
		"order no. 98765":          "98765",
		"order #98765 is late":     "98765",
		"Where is my order 98765?": "98765",
		"pedido nº 12345":          "12345",
		"Bestellung Nr. 55555":     "55555",
		"commande 778899":          "778899",
		"ordine 445566":            "445566",
		"sipariş 123123":           "123123",
		"замовлення 654321":        "654321",
		"#98765":                   "98765",
		"заказ 150000 рублей":      "",
		"заказать 300 штук":        "",
		"заказ на 15:00":           "",
	}
	for in, want := range tests {
		require.Equal(t, want, Extract(in, b.opts).OrderID, in)
	}
}

func TestSKUs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := map[string]string{
		"SKU 4471":              "4471",
		"sku: AB-4471":          "AB-4471",
		"артикул 4471":          "4471",
		"Артикул: 4471":         "4471",
		"арт. 12-345":           "12-345",
		"арт 12-345 есть?":      "12-345",
		"Art.-Nr. 4471":         "4471",
		"réf. 88-1":             "88-1",
		"article about SKU? no": "",
		"артист 123":            "",
	}
	for in, want := range tests {
		require.Equal(t, want, Extract(in, b.opts).SKU, in)
	}
}

func TestEmails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := map[string]string{
		"пишите на ivan.petrov@mail.ru":              "ivan.petrov@mail.ru",
		"Email: Jane.Doe+spa@Example.co.uk, thanks.": "Jane.Doe+spa@Example.co.uk",
		"me@localhost": "",
		"@username":    "",
		"a@b.c":        "",
	}
	for in, want := range tests {
		require.Equal(t, want, Extract(in, b.opts).Email, in)
	}
}

func TestPhones(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		in, country, want string
	}{
		{"8 (916) 123-45-67", "RU", "+79161234567"},
		{"+7 916 123 45 67", "RU", "+79161234567"},
		{"89161234567", "RU", "+79161234567"},
		{"тел. 8-916-123-45-67, звоните", "RU", "+79161234567"},
		{"+49 30 1234567", "RU", "+49301234567"},
		{"+49 30 1234567", "", "+49301234567"},
		{"0176 1234 5678", "DE", "+4917612345678"},
		{"Call me at (415) 555-2671", "US", "+14155552671"},
		{"+380 67 123 4567", "UA", "+380671234567"},
		{"0532 123 45 67", "TR", "+905321234567"},
		{"+55 11 91234-5678", "BR", "+5511912345678"},
		{"0176 1234 5678", "RU", ""},
		{"заказ 123456789", "RU", ""},
		{"25.12.2026", "RU", ""},
		{"1 500 000 руб", "RU", ""},
		{"2 000 000", "RU", ""},
		{"10:30 12:45", "RU", ""},
		{"8 (916) 123-45-67", "", ""},
	}
	for _, tt := range tests {
		o := b.opts
		o.Country = tt.country
		require.Equal(t, tt.want, Extract(tt.in, o).Phone, "%s (%s)", tt.in, tt.country)
	}
}
