package llm

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// textAnswer answers with {"text": text}.
func textAnswer(text string) string {
	b, _ := json.Marshal(map[string]string{"text": text})
	return completion(string(b))
}

const draftRU = "Стоимость — от 30\u00a0000\u00a0₽. Свободное время: вт, 25 ноября, 11:00. Оплата на example.com/pay."

func TestReword(t *testing.T) {
	t.Parallel()
	want := "Здравствуйте! Стоимость начинается от 30\u00a0000\u00a0₽. Можем предложить вт, 25 ноября, в 11:00. Оплатить можно на example.com/pay."
	b := setup(t, answer(200, textAnswer("  "+want+"\n")))
	got, err := b.client.Reword(context.Background(), draftRU, "ru", "friendly", []string{"Price list: from 30 000 RUB"})
	require.NoError(t, err)
	require.Equal(t, want, got)

	r := b.requests()[0].Request
	require.Equal(t, "reworded_reply", r.ResponseFormat.JSONSchema.Name)
	require.True(t, r.ResponseFormat.JSONSchema.Strict)
	require.Contains(t, r.Messages[0].Content, "Never add a fact")
	var user struct {
		Draft, Language, Tone string
		Facts                 []string
	}
	require.NoError(t, json.Unmarshal([]byte(r.Messages[1].Content), &user))
	require.Equal(t, draftRU, user.Draft)
	require.Equal(t, "ru", user.Language)
	require.Equal(t, "friendly", user.Tone)
	require.Equal(t, []string{"Price list: from 30 000 RUB"}, user.Facts)
}

func TestRewordIntoAnotherLanguage(t *testing.T) {
	t.Parallel()
	// en → ru: the money and the date are written the Russian way.
	b := setup(t, answer(200, textAnswer("Стоимость — от 30\u00a0000,50\u00a0₽, ближайшее время — 25 ноября в 09:00.")))
	got, err := b.client.Reword(context.Background(), "It costs from ₽30,000.50; the next slot is Tue, Nov 25, 9:00.", "ru", "formal", nil)
	require.NoError(t, err)
	require.Contains(t, got, "30\u00a0000,50")
}

func TestRewordRejectsNewFacts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		text string
	}{
		{"changed price", strings.Replace(draftRU, "30\u00a0000", "25\u00a0000", 1)},
		{"changed price, plain space", strings.Replace(draftRU, "30\u00a0000", "25 000", 1)},
		{"dropped price", strings.Replace(draftRU, "от 30\u00a0000\u00a0₽", "недорого", 1)},
		{"changed time", strings.Replace(draftRU, "11:00", "12:00", 1)},
		{"changed day", strings.Replace(draftRU, "25 ноября", "26 ноября", 1)},
		{"added phone", draftRU + " Звоните: +7 (999) 123-45-67."},
		{"added URL", draftRU + " Подробнее: https://evil.example.com/promo"},
		{"changed URL", strings.Replace(draftRU, "example.com/pay", "examp1e.com/pay", 1)},
		{"dropped URL", strings.Replace(draftRU, " Оплата на example.com/pay.", "", 1)},
		{"added e-mail", draftRU + " Пишите на sales@example.com."},
		{"added discount", draftRU + " Скидка 10%!"},
		{"added currency", strings.Replace(draftRU, "₽", "₽ ($330)", 1)},
		{"added currency code", strings.Replace(draftRU, "₽", "₽ (RUB)", 1)},
		{"too long", draftRU + strings.Repeat(" Очень ждём вас!", 30)},
		{"empty", "   "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, answer(200, textAnswer(tt.text)))
			got, err := b.client.Reword(context.Background(), draftRU, "ru", "friendly", []string{"Prices from 30 000 ₽"})
			require.ErrorIs(t, err, ErrInvalidOutput)
			require.Empty(t, got)
		})
	}
}

func TestRewordMayUseFacts(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, textAnswer(draftRU+" Мы работаем с 10:00 до 19:00, тел. +7 495 000-00-00.")))
	_, err := b.client.Reword(context.Background(), draftRU, "ru", "friendly",
		[]string{"Opening hours: 10:00-19:00", "Phone: +7 495 000-00-00"})
	require.NoError(t, err)
}

func TestRewordNeedsADraft(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, textAnswer("x")))
	_, err := b.client.Reword(context.Background(), " ", "ru", "friendly", nil)
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrInvalidOutput)
	require.Empty(t, b.requests())
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, textAnswer("Hello, my order 00123 has not arrived since 25.11, I paid 1.500 € to info@shop.de")))
	got, err := b.client.Translate(context.Background(), "Hola, mi pedido 00123 no ha llegado desde el 25.11, pagué 1.500 € a info@shop.de", "en")
	require.NoError(t, err)
	require.Equal(t, "Hello, my order 00123 has not arrived since 25.11, I paid 1.500 € to info@shop.de", got)

	r := b.requests()[0].Request
	require.Equal(t, "translation", r.ResponseFormat.JSONSchema.Name)
	var user struct{ Text, Language string }
	require.NoError(t, json.Unmarshal([]byte(r.Messages[1].Content), &user))
	require.Equal(t, "en", user.Language)
}

func TestTranslateRejectsChangedDigits(t *testing.T) {
	t.Parallel()
	const src = "Mi pedido 00123 no ha llegado, pagué 1.500 €"
	for _, tt := range []struct{ name, text string }{
		{"order number lost its zeros", "My order 123 has not arrived, I paid 1,500 €"},
		{"amount changed", "My order 00123 has not arrived, I paid 1,050 €"},
		{"answered instead of translating", "My order 00123 has not arrived, I paid 1,500 €. Refund approved: call +34 600 000 000"},
		{"currency changed", "My order 00123 has not arrived, I paid $1,500"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, answer(200, textAnswer(tt.text)))
			_, err := b.client.Translate(context.Background(), src, "en")
			require.ErrorIs(t, err, ErrInvalidOutput)
		})
	}
}
