package extract

import (
	"strings"
	"testing"
)

// benchMessages is a realistic mix: short chit-chat with nothing to find,
// bookings, orders, prices, staff requests, in the supported languages.
var benchMessages = []string{
	"Здравствуйте! Сколько стоит маникюр?",
	"можно записаться на маникюр в субботу утром?",
	"Где мой заказ #A-10234? Обещали вчера, до сих пор нет",
	"не успеваю к 15:00, давайте позже, например в пятницу в 2 часа дня",
	"Мой номер 8 (916) 123-45-67, перезвоните завтра после обеда",
	"бюджет 200 тысяч в месяц, нужен таргет в Казани",
	"прошу согласовать скидку 15% для клиента, объем 300к",
	"сколько осталось SKU 4471 на Ленина?",
	"можно поменяться сменой в пятницу с Олей?",
	"хочу вернуть деньги за заказ 123456, оплатил 150 000 руб",
	"нужна смета на ремонт ванной 6 м2, бюджет до 2 млн",
	"ужасный сервис, никто не отвечает",
	"Hi, can I book a haircut next Tuesday 3pm? My email is jane.doe@example.com",
	"how much for a haircut?",
	"Order no. 98765 arrived broken, I paid $2,000. Call me at +1 415 555 2671",
	"mañana a las 10 en Madrid, presupuesto 300 €",
	"amanhã às 15h em São Paulo, orçamento R$ 500",
	"Können wir morgen um 15 Uhr? Bestellung 55555, 1.500,50 €",
	"demain à 15h à Paris, budget 2 000 €",
	"domani alle 15 a Milano",
	"yarın saat 15 İstanbul'da, 1000 TL",
	"بكرة الساعة 3 في دبي",
	"zavtra v 15 v Moskve",
	"позовите менеджера",
	"ок",
	"😡😡😡",
	"Добрый день! Подскажите, есть ли у вас в наличии артикул 12-345 в Санкт-Петербурге? Готов забрать в 11",
	"напишите через месяц",
	"да, буду",
	"Звоните 0176 1234 5678",
}

func BenchmarkExtract(b *testing.B) {
	tb := setup(b)
	o := tb.opts
	var n int
	b.ReportAllocs()
	for b.Loop() {
		e := Extract(benchMessages[n%len(benchMessages)], o)
		n++
		_ = e
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
}

func BenchmarkExtractAllMessages(b *testing.B) {
	tb := setup(b)
	o := tb.opts
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range benchMessages {
			_ = Extract(m, o)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchMessages)), "ns/msg")
}

// Adversarial inputs at the size limit must stay cheap: no quadratic scans.
func BenchmarkExtractWorstCase(b *testing.B) {
	tb := setup(b)
	for name, unit := range map[string]string{
		"digits":   "8 916 12 ",
		"dates":    "завтра в 15 ",
		"money":    "150к $2,000 ",
		"ids":      "заказ #A-10234 SKU 4471 a@b.cc ",
		"cyrillic": "в Москве ",
		"punct":    "+(-).",
	} {
		text := strings.Repeat(unit, maxText/len(unit))
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_ = Extract(text, tb.opts)
			}
		})
	}
}
