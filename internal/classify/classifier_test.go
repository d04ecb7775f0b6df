package classify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testBundle struct {
	c *Classifier
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	c, err := New()
	require.NoError(t, err)
	return &testBundle{c: c}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	require.Len(t, Intents(), 22)
	require.Equal(t, IntentPriceInquiry, Intents()[0])
	require.Equal(t, IntentUnclear, Intents()[21])
	require.Equal(t, []string{"en", "ru", "uk", "es", "pt", "de", "fr", "it", "tr", "ar"}, Languages())
	seen := map[Intent]bool{}
	for _, in := range Intents() {
		require.True(t, in.Valid())
		require.False(t, seen[in])
		seen[in] = true
	}
	require.False(t, Intent("nope").Valid())
}

// Hand-picked messages, written for this test (none is in the corpus): one
// table row per language and intent family, plus the examples of intents.md.
func TestClassifyGolden(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		text   string
		lang   string
		intent Intent
	}{
		// docs/intents.md
		{"Сколько стоит?", "ru", IntentPriceInquiry},
		{"цена на таргет?", "ru", IntentPriceInquiry},
		{"how much for a haircut", "en", IntentPriceInquiry},
		{"нужна смета на ремонт ванной 6 м2", "ru", IntentQuoteRequest},
		{"можно записаться на маникюр в субботу?", "ru", IntentBookingNew},
		{"не успеваю к 15:00, давайте позже", "ru", IntentBookingReschedule},
		{"отмените запись пожалуйста", "ru", IntentBookingCancel},
		{"да, буду", "ru", IntentBookingConfirm},
		{"confirmed", "en", IntentBookingConfirm},
		{"Где мой заказ #A-10234?", "ru", IntentOrderStatus},
		{"обещали вчера, до сих пор нет", "ru", IntentOrderDelayed},
		{"пишет доставлено, а у меня ничего нет", "ru", IntentOrderNotReceived},
		{"пришла разбитая ваза", "ru", IntentOrderDamaged},
		{"хочу вернуть деньги", "ru", IntentRefundRequest},
		{"ужасный сервис, никто не отвечает", "ru", IntentComplaint},
		{"позовите менеджера", "ru", IntentHumanRequest},
		{"у конкурентов дешевле", "ru", IntentObjection},
		{"напишите через месяц", "ru", IntentLater},
		{"не интересно, не пишите", "ru", IntentNotInterested},
		{"сколько осталось SKU 4471 на Ленина?", "ru", IntentStockQuery},
		{"можно поменяться сменой в пятницу с Олей?", "ru", IntentShiftSwap},
		{"какой дресс-код на выходных?", "ru", IntentPolicyQuestion},
		{"прошу согласовать скидку 15% для клиента, объем 300к", "ru", IntentApprovalRequest},
		{"здравствуйте!", "ru", IntentGreeting},
		{"??", LanguageUnknown, IntentUnclear},
		{"а это как", "ru", IntentUnclear},
		{"🤔", LanguageUnknown, IntentUnclear},

		// Fresh examples per language.
		{"skolko stoit manikyur?", "ru", IntentPriceInquiry},
		{"mozhno zapisatsya na subbotu?", "ru", IntentBookingNew},
		{"хочу отменить запись на завтра", "ru", IntentBookingCancel},
		{"what's the price for a beard trim?", "en", IntentPriceInquiry},
		{"please cancel my appointment on Thursday", "en", IntentBookingCancel},
		{"where is my order 99812?", "en", IntentOrderStatus},
		{"I want a refund", "en", IntentRefundRequest},
		{"can I speak to a manager please", "en", IntentHumanRequest},
		{"hello", "en", IntentGreeting},
		{"скільки коштує педикюр?", "uk", IntentPriceInquiry},
		{"скасуйте мій запис на п'ятницю", "uk", IntentBookingCancel},
		{"¿cuánto cuesta la pedicura?", "es", IntentPriceInquiry},
		{"quiero cancelar mi cita de mañana", "es", IntentBookingCancel},
		{"quanto custa a pedicure?", "pt", IntentPriceInquiry},
		{"quero cancelar meu horário de amanhã", "pt", IntentBookingCancel},
		{"Wie viel kostet eine Pediküre?", "de", IntentPriceInquiry},
		{"ich möchte meinen Termin morgen stornieren", "de", IntentBookingCancel},
		{"combien coûte une pédicure ?", "fr", IntentPriceInquiry},
		{"je voudrais annuler mon rendez-vous de demain", "fr", IntentBookingCancel},
		{"quanto costa una pedicure?", "it", IntentPriceInquiry},
		{"vorrei annullare il mio appuntamento di domani", "it", IntentBookingCancel},
		{"pedikür ne kadar?", "tr", IntentPriceInquiry},
		{"yarınki randevumu iptal etmek istiyorum", "tr", IntentBookingCancel},
		{"بكم الباديكير؟", "ar", IntentPriceInquiry},
		{"أريد إلغاء موعدي بكرة", "ar", IntentBookingCancel},
	}
	for _, tt := range tests {
		res := b.c.Classify(tt.text)
		assert.Equal(t, tt.lang, res.Language, "language of %q", tt.text)
		assert.Equal(t, tt.intent, res.Intent, "intent of %q (confidence %.2f)", tt.text, res.Confidence)
	}
}

func TestClassifyLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct{ text, lang string }{
		{"skolko stoit", "ru"},
		{"zavtra v 15", "ru"},
		{"privet, mozhno zapisatsya?", "ru"},
		{"Привет! Сколько стоит delivery до Москвы?", "ru"},
		{"нужен refund по order 123", "ru"},
		{"Скільки коштує?", "uk"},
		{"Добрий день, є вільні місця?", "uk"},
		{"Добрый день, есть свободные места?", "ru"},
		{"¿Cuánto cuesta?", "es"},
		{"Quanto custa? Obrigado", "pt"},
		{"quanto costa? grazie", "it"},
		{"Ich hätte gern einen Termin", "de"},
		{"Bonjour, je voudrais un rendez-vous", "fr"},
		{"Merhaba, randevu almak istiyorum", "tr"},
		{"مرحبا، كم السعر؟", "ar"},
		{"how much is it?? 😅", "en"},
		{"helo, wat is teh price", "en"},
		{"👍👍", LanguageUnknown},
		{"12345", LanguageUnknown},
		{"", LanguageUnknown},
		{"你好", LanguageUnknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.lang, b.c.Classify(tt.text).Language, "language of %q", tt.text)
	}
}

// Short messages: one or two words carry little n-gram evidence, so these
// lean on the word lists (words/) and, for English, on the short-text prior.
// "before" was once detected as Italian in production.
func TestClassifyLanguageShort(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := map[string][]string{
		"en": {"before", "ok", "OK", "ok?", "thanks", "Thanks!", "hello", "yes", "no", "price?", "help", "no thanks", "sure", "later", "cheers"},
		"ru": {"да", "нет", "спасибо", "привет", "цена?", "понятно", "хорошо", "ок", "privet", "spasibo"},
		"uk": {"дякую", "привіт", "ні", "добре", "ціна?", "гаразд", "якось так"},
		"es": {"gracias", "hola", "vale", "sí", "precio?", "buenas", "ok gracias"},
		"pt": {"obrigado", "olá", "sim", "valeu", "tchau", "beleza", "ok obrigado"},
		"de": {"danke", "ja", "nein", "hallo", "tschüss", "servus", "genau", "passt", "ok danke"},
		"fr": {"merci", "bonjour", "oui", "salut", "bonsoir", "d'accord", "ok merci"},
		"it": {"grazie", "ciao", "sì", "buongiorno", "perfetto", "prego", "ok grazie"},
		"tr": {"merhaba", "evet", "hayır", "teşekkürler", "tamam", "selam", "sağol"},
		"ar": {"شكرا", "نعم", "مرحبا"},
	}
	for lang, texts := range tests {
		for _, s := range texts {
			assert.Equal(t, lang, b.c.Classify(s).Language, "language of %q", s)
		}
	}
}

// Names and codes that the training messages of many languages share
// (SKU, Oslo) are no evidence of any language: the other words decide, and a
// message of nothing else falls back to English.
func TestClassifyLanguageNames(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct{ text, lang string }{
		{"was kostet das Sofa Oslo in Grau?", "de"},
		{"quanto costa il divano Oslo?", "it"},
		{"cuánto cuesta el sofá Oslo", "es"},
		{"combien coûte le canapé Oslo ?", "fr"},
		{"quanto custa o SKU 4471?", "pt"},
		{"скільки залишилось sku 4471?", "uk"},
		{"SKU 4471", "en"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.lang, b.c.Classify(tt.text).Language, "language of %q", tt.text)
	}
}

func TestClassifyRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		text      string
		escalate  bool
		urgency   Urgency
		sensitive []Flag
		customer  CustomerType
	}{
		{"хочу вернуть деньги", true, UrgencyNormal, nil, CustomerUnknown},
		{"позовите менеджера", true, UrgencyNormal, nil, CustomerUnknown},
		{"I will sue you", true, UrgencyHigh, []Flag{FlagLegal}, CustomerUnknown},
		{"верните деньги, иначе подам в суд", true, UrgencyHigh, []Flag{FlagLegal}, CustomerUnknown},
		{"вы идиоты", true, UrgencyHigh, []Flag{FlagAbuse}, CustomerUnknown},
		{"я вас найду, пожалеете", true, UrgencyHigh, []Flag{FlagThreat}, CustomerUnknown},
		{"после окрашивания аллергия и сыпь", true, UrgencyHigh, []Flag{FlagHealth}, CustomerUnknown},
		{"after the facial I got an allergic reaction", true, UrgencyHigh, []Flag{FlagHealth}, CustomerUnknown},
		{"здравствуйте!", false, UrgencyLow, nil, CustomerUnknown},
		{"да, буду", false, UrgencyLow, nil, CustomerUnknown},
		{"срочно! где мой заказ?", false, UrgencyHigh, nil, CustomerUnknown},
		{"Мы — магазин, ООО Ромашка, нужен счет с НДС на 200 штук", false, UrgencyNormal, nil, CustomerBusiness},
		{"we need an invoice with VAT for our company", false, UrgencyNormal, nil, CustomerBusiness},
		{"хочу записать ребенка на стрижку", false, UrgencyNormal, nil, CustomerIndividual},
		{"the sofa for 2 400 EUR arrived broken", true, UrgencyHigh, nil, CustomerUnknown},
		{"диван за 120 000 ₽ пришел сломанный", true, UrgencyHigh, nil, CustomerUnknown},
		{"диван за 1 200 ₽ пришел сломанный", false, UrgencyNormal, nil, CustomerUnknown},
	}
	for _, tt := range tests {
		res := b.c.Classify(tt.text)
		assert.Equal(t, tt.escalate, res.Escalate, "escalate of %q (%+v)", tt.text, res)
		assert.Equal(t, tt.urgency, res.Urgency, "urgency of %q (%+v)", tt.text, res)
		assert.Equal(t, tt.sensitive, res.Sensitive, "sensitive of %q (%+v)", tt.text, res)
		assert.Equal(t, tt.customer, res.CustomerType, "customer type of %q (%+v)", tt.text, res)
	}
}

func TestExpensiveAmount(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"120 000 ₽":     true,
		"120000 руб":    true,
		"300к руб":      true,
		"€ 750":         true,
		"$499":          false,
		"R$ 4.850":      true,
		"order 99812":   false,
		"1,200 EUR":     true,
		"49 500 грн":    true,
		"15000 TL":      false,
		"4850 ريال":     true,
		"сегодня в 15":  false,
		"9999999999999": false,
	} {
		assert.Equal(t, want, expensiveAmount(s), s)
	}
}

func TestClassifyDeterministic(t *testing.T) {
	t.Parallel()
	a, err := build()
	require.NoError(t, err)
	b, err := build()
	require.NoError(t, err)
	require.Equal(t, a.intent.w, b.intent.w)
	require.Equal(t, a.intent.keys, b.intent.keys)
	require.Equal(t, a.lang.w, b.lang.w)
	for _, s := range []string{"сколько стоит?", "where is my order", "??", "xyz qwe"} {
		require.Equal(t, a.Classify(s), b.Classify(s))
		require.Equal(t, a.Classify(s), a.Classify(s))
	}
}

func TestClassifyConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	want := b.c.Classify("где мой заказ 123?")
	done := make(chan Result)
	for i := 0; i < 8; i++ {
		go func() { done <- b.c.Classify("где мой заказ 123?") }()
	}
	for i := 0; i < 8; i++ {
		require.Equal(t, want, <-done)
	}
}

func TestClassifyLongInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := make([]byte, 0, 100000)
	for len(long) < 100000 {
		long = append(long, "где мой заказ? "...)
	}
	res := b.c.Classify(string(long))
	require.Equal(t, "ru", res.Language)
	require.True(t, res.Intent.Valid())
}
