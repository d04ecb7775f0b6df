package extract

// The date and time vocabulary of the ten built-in languages (ru, uk, en,
// es, pt, de, fr, it, tr, ar) and Russian written in Latin letters. Words
// are folded (lower case, common diacritics dropped) when the table is
// built, so each is listed once.

type role uint32

const (
	rRelDay      role = 1 << iota // n: days from today; part: optional part of day ("tonight")
	rWeekday                      // n: time.Weekday
	rMonth                        // n: 1..12
	rMonthNumber                  // a month name that only counts beside a day number ("may", "mar")
	rPart                         // part: a part of the day that stands alone ("утром")
	rPartAfter                    // part: a part of the day only right after a time ("утра", "pm" style)
	rNext                         // "next", "следующей", "que viene"
	rThis                         // "this", "эту"
	rUnit                         // unit; n: implied count ("يومين" = two days), 0 if none
	rPrep                         // a time preposition that makes a bare number an hour: "в 11", "at 3"
	rWeakPrep                     // a time preposition that does so only next to a date: "demain à 15"
	rOffsetPre                    // "через", "in", "dentro de"
	rOffsetPost                   // "sonra", "later"
	rHourMark                     // "часов", "Uhr", "h", "o'clock"
	rAM
	rPM
	rNumWord // n: a number written as a word
	rFiller  // a connective allowed inside and before a date phrase
	rIgnore  // a set phrase that only looks like a date ("guten Morgen")
	rOrdinal // an ordinal suffix after a day number ("th", "го")
)

type unit uint8

const (
	uNone unit = iota
	uMinute
	uHour
	uDay
	uWeek
	uMonth
	uYear
)

// Parts of the day, as When.Part spells them.
const (
	partMorning   = "morning"
	partAfternoon = "afternoon"
	partEvening   = "evening"
	partNight     = "night"
)

type lex struct {
	roles role
	n     int
	unit  unit
	part  string
}

func mergeLex(a, b lex) lex {
	a.roles |= b.roles
	if a.n == 0 {
		a.n = b.n
	}
	if a.unit == uNone {
		a.unit = b.unit
	}
	if a.part == "" {
		a.part = b.part
	}
	return a
}

var dateWords = buildDateWords()

func buildDateWords() *phraseTable[lex] {
	t := newPhraseTable(mergeLex)
	rel := func(n int, part string, ws ...string) { t.add(lex{roles: rRelDay, n: n, part: part}, ws...) }
	rel(0, "", "сегодня", "сёдня", "седня", "сьогодні", "today", "hoy", "hoje", "heute", "aujourd'hui", "oggi", "bugün", "اليوم", "segodnya", "segodnja", "sevodnya")
	rel(1, "", "завтра", "tomorrow", "tmrw", "mañana", "amanhã", "morgen", "demain", "domani", "yarın", "غدا", "غداً", "بكرة", "بكره", "بكرا", "zavtra")
	rel(2, "", "послезавтра", "післязавтра", "day after tomorrow", "the day after tomorrow", "pasado mañana", "depois de amanhã", "übermorgen", "après-demain", "dopodomani", "öbür gün", "yarından sonra", "بعد غد", "بعد غدا", "بعد بكرة", "poslezavtra")
	rel(-1, "", "вчера", "вчора", "учора", "yesterday", "ayer", "ontem", "gestern", "ieri", "dün", "أمس", "امبارح", "vchera")
	rel(-2, "", "позавчера", "позавчора", "anteayer", "anteontem", "vorgestern", "avant-hier", "l'altro ieri", "evvelsi gün")
	rel(0, partEvening, "tonight", "tonite", "stasera", "ce soir", "heute abend", "esta noche", "hoje à noite", "hoje a noite", "bu akşam", "сегодня вечером", "сьогодні ввечері", "الليلة")
	rel(0, partMorning, "this morning", "esta mañana", "hoje de manhã", "heute morgen", "heute früh", "ce matin", "stamattina", "bu sabah")
	rel(0, partAfternoon, "this afternoon", "esta tarde", "hoje à tarde", "heute nachmittag", "cet après-midi", "oggi pomeriggio", "bu öğleden sonra")
	rel(1, partMorning, "morgen früh", "domani mattina", "yarın sabah")

	wd := func(n int, ws ...string) { t.add(lex{roles: rWeekday, n: n}, ws...) }
	wd(1, "понедельник", "понедельника", "понеділок", "понеділка", "monday", "lunes", "segunda", "segunda-feira", "montag", "lundi", "lunedì", "pazartesi", "الاثنين", "الإثنين", "ponedelnik")
	wd(2, "вторник", "вторника", "вівторок", "вівторка", "tuesday", "martes", "terça", "terça-feira", "dienstag", "mardi", "martedì", "salı", "الثلاثاء", "vtornik")
	wd(3, "среда", "среду", "среды", "середа", "середу", "середи", "wednesday", "miércoles", "quarta", "quarta-feira", "mittwoch", "mercredi", "mercoledì", "çarşamba", "الأربعاء", "sreda", "sredu")
	wd(4, "четверг", "четверга", "четвер", "четверга", "thursday", "jueves", "quinta-feira", "donnerstag", "jeudi", "giovedì", "perşembe", "الخميس", "chetverg")
	wd(5, "пятница", "пятницу", "пятницы", "п'ятниця", "п'ятницю", "п'ятниці", "пятниця", "пятницю", "friday", "viernes", "sexta", "sexta-feira", "freitag", "vendredi", "venerdì", "cuma", "الجمعة", "pyatnica", "pyatnicu", "pyatnitsa", "pyatnitsu")
	wd(6, "суббота", "субботу", "субботы", "субота", "суботу", "суботи", "saturday", "sábado", "samstag", "sonnabend", "samedi", "sabato", "cumartesi", "السبت", "subbota", "subbotu")
	wd(0, "воскресенье", "воскресенья", "неділя", "неділю", "неділі", "sunday", "domingo", "sonntag", "dimanche", "domenica", "pazar", "الأحد", "الاحد", "voskresenye", "voskresenie", "voskresen'e")

	mon := func(n int, ws ...string) { t.add(lex{roles: rMonth, n: n}, ws...) }
	monNum := func(n int, ws ...string) { t.add(lex{roles: rMonth | rMonthNumber, n: n}, ws...) }
	ruMonths := []string{"январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"}
	for k, stem := range ruMonths {
		switch stem {
		case "март", "август":
			mon(k+1, stem, stem+"а", stem+"е")
		case "ма":
			mon(k+1, "май", "мая", "мае")
		default:
			mon(k+1, stem+"ь", stem+"я", stem+"е")
		}
	}
	ukMonths := [][]string{
		{"січень", "січня", "січні"}, {"лютий", "лютого", "лютому"}, {"березень", "березня", "березні"},
		{"квітень", "квітня", "квітні"}, {"травень", "травня", "травні"}, {"червень", "червня", "червні"},
		{"липень", "липня", "липні"}, {"серпень", "серпня", "серпні"}, {"вересень", "вересня", "вересні"},
		{"жовтень", "жовтня", "жовтні"}, {"листопад", "листопада", "листопаді"}, {"грудень", "грудня", "грудні"},
	}
	for k, ws := range ukMonths {
		mon(k+1, ws...)
	}
	full := [][]string{
		{"january", "enero", "janeiro", "januar", "jänner", "janvier", "gennaio", "يناير", "كانون الثاني"},
		{"february", "febrero", "fevereiro", "februar", "février", "febbraio", "şubat", "فبراير", "شباط"},
		{"marzo", "março", "märz", "mars", "آذار"},
		{"april", "abril", "avril", "aprile", "nisan", "أبريل", "ابريل", "نيسان"},
		{"mayo", "maio", "mai", "maggio", "mayıs", "مايو", "أيار"},
		{"june", "junio", "junho", "juni", "juin", "giugno", "haziran", "يونيو", "حزيران"},
		{"july", "julio", "julho", "juli", "juillet", "luglio", "temmuz", "يوليو", "تموز"},
		{"august", "agosto", "août", "ağustos", "أغسطس", "اغسطس", "آب"},
		{"september", "septiembre", "setembro", "septembre", "settembre", "eylül", "سبتمبر", "أيلول"},
		{"october", "octubre", "outubro", "oktober", "octobre", "ottobre", "أكتوبر", "اكتوبر", "تشرين الأول"},
		{"november", "noviembre", "novembro", "novembre", "kasım", "نوفمبر", "تشرين الثاني"},
		{"december", "diciembre", "dezembro", "dezember", "décembre", "dicembre", "ديسمبر", "كانون الأول"},
	}
	for k, ws := range full {
		mon(k+1, ws...)
	}
	// Words that are also ordinary words, and abbreviations: only beside a day number.
	abbr := [][]string{
		{"jan", "янв", "ocak"}, {"feb", "фев", "февр"}, {"march", "mar", "мар", "mart", "مارس"}, {"apr", "апр"},
		{"may"}, {"jun", "июн"}, {"jul", "июл"}, {"aug", "авг"}, {"sep", "sept", "сен", "сент"},
		{"oct", "окт", "ekim"}, {"nov", "ноя", "нояб"}, {"dec", "дек", "aralık"},
	}
	for k, ws := range abbr {
		monNum(k+1, ws...)
	}

	part := func(p string, ws ...string) { t.add(lex{roles: rPart, part: p}, ws...) }
	part(partMorning, "утром", "с утра", "поутру", "вранці", "зранку", "уранці", "morning", "in the morning", "por la mañana", "de manhã", "pela manhã", "morgens", "am morgen", "vormittags", "am vormittag", "le matin", "matin", "di mattina", "la mattina", "mattina", "in mattinata", "sabah", "sabahleyin", "صباحا", "صباحاً", "الصبح", "utrom", "s utra")
	part(partAfternoon, "днём", "днем", "после обеда", "вдень", "удень", "після обіду", "afternoon", "in the afternoon", "por la tarde", "à tarde", "de tarde", "nachmittags", "am nachmittag", "l'après-midi", "après-midi", "nel pomeriggio", "di pomeriggio", "pomeriggio", "öğleden sonra", "بعد الظهر", "dnem")
	part(partEvening, "вечером", "ввечері", "увечері", "evening", "in the evening", "por la noche", "noche", "à noite", "de noite", "abends", "am abend", "le soir", "soir", "di sera", "la sera", "akşam", "akşamleyin", "مساء", "مساءً", "vecherom")
	part(partNight, "ночью", "вночі", "уночі", "at night", "nachts", "la nuit", "di notte", "gece", "noch'yu", "nochyu")
	partAfter := func(p string, ws ...string) { t.add(lex{roles: rPartAfter, part: p}, ws...) }
	partAfter(partMorning, "утра", "ранку", "de la mañana", "da manhã", "du matin", "del mattino", "di mattina", "in the morning", "morgens", "утром", "sabah", "utra")
	partAfter(partAfternoon, "дня", "de la tarde", "da tarde", "de l'après-midi", "del pomeriggio", "di pomeriggio", "in the afternoon", "nachmittags", "dnya")
	partAfter(partEvening, "вечера", "вечора", "de la noche", "da noite", "du soir", "di sera", "della sera", "in the evening", "abends", "вечером", "akşam", "vechera")
	partAfter(partNight, "ночи", "ночі", "di notte", "nochi")

	t.add(lex{roles: rNext}, "следующий", "следующую", "следующей", "следующем", "следующего", "следующая", "след", "next", "próximo", "próxima", "que viene", "que vem", "nächste", "nächsten", "nächster", "nächstes", "naechste", "naechsten", "kommende", "kommenden", "prochain", "prochaine", "prossimo", "prossima", "gelecek", "önümüzdeki", "наступний", "наступного", "наступної", "наступному", "наступній", "наступну", "القادم", "القادمة", "الجاي", "sleduyushchey", "sleduyushchiy", "sleduyushuyu")
	t.add(lex{roles: rThis}, "этот", "эту", "этой", "этом", "эта", "this", "este", "esta", "esse", "essa", "diesen", "diese", "dieser", "diesem", "dieses", "ce", "cette", "cet", "questo", "questa", "bu", "цей", "цю", "цього", "цьому", "цій", "ця", "هذا", "هذه", "etu", "etoy")

	un := func(u unit, ws ...string) { t.add(lex{roles: rUnit, unit: u}, ws...) }
	un(uMinute, "минут", "минуту", "минуты", "мин", "хвилин", "хвилину", "хвилини", "minute", "minutes", "min", "mins", "minuto", "minutos", "minuten", "minuti", "dakika", "دقيقة", "دقائق")
	un(uHour, "час", "часа", "часов", "годину", "години", "годин", "hour", "hours", "hora", "horas", "stunde", "stunden", "heure", "heures", "ora", "ore", "saat", "ساعة", "ساعات", "chasa", "chas")
	un(uDay, "день", "дня", "дней", "денёк", "дні", "днів", "day", "days", "día", "días", "dia", "dias", "tag", "tage", "tagen", "jour", "jours", "giorno", "giorni", "gün", "يوم", "أيام", "ايام", "dnya", "dney")
	un(uWeek, "неделю", "недели", "недель", "неделе", "неделя", "недельку", "тиждень", "тижні", "тижнів", "тижня", "week", "weeks", "semana", "semanas", "woche", "wochen", "semaine", "semaines", "settimana", "settimane", "hafta", "أسبوع", "اسبوع", "الأسبوع", "الاسبوع", "أسابيع", "nedelyu", "nedeli", "nedele")
	un(uMonth, "месяц", "месяца", "месяцев", "месяце", "місяць", "місяці", "місяців", "місяця", "month", "months", "mes", "meses", "mês", "monat", "monate", "monaten", "mois", "mese", "mesi", "ay", "شهر", "الشهر", "أشهر", "mesyac", "mesyats")
	un(uYear, "год", "году", "года", "лет", "рік", "році", "роки", "років", "year", "years", "año", "años", "ano", "anos", "jahr", "jahre", "jahren", "an", "ans", "année", "anno", "anni", "yıl", "sene", "سنة", "عام")
	t.add(lex{roles: rUnit, unit: uDay, n: 2}, "пару дней", "couple of days", "a couple of days", "يومين")
	t.add(lex{roles: rUnit, unit: uWeek, n: 2}, "пару недель", "couple of weeks", "a couple of weeks", "أسبوعين", "اسبوعين")
	t.add(lex{roles: rUnit, unit: uHour, n: 2}, "пару часов", "couple of hours", "a couple of hours", "ساعتين")

	t.add(lex{roles: rPrep}, "в", "во", "около", "at", "around", "um", "gegen", "a las", "a la", "sobre las", "hacia las", "às", "pelas", "vers", "alle", "alle ore", "all'", "verso le", "saat", "الساعة", "الساعه", "حوالي")
	t.add(lex{roles: rWeakPrep}, "к", "на", "до", "у", "о", "об", "a", "à", "as", "ás", "v", "k", "na", "for", "by")
	t.add(lex{roles: rOffsetPre}, "через", "спустя", "in", "within", "dentro de", "en", "em", "daqui a", "dans", "tra", "fra", "بعد", "cherez")
	t.add(lex{roles: rOffsetPost}, "sonra", "later", "from now", "after")
	t.add(lex{roles: rHourMark}, "ч", "час", "часа", "часов", "годині", "годину", "h", "hs", "hr", "hrs", "uhr", "heure", "heures", "o'clock", "oclock", "horas", "hora", "chasov", "chasa")
	t.add(lex{roles: rAM}, "am", "a.m.", "a.m", "vorm")
	t.add(lex{roles: rPM}, "pm", "p.m.", "p.m", "nachm")

	nw := func(n int, ws ...string) { t.add(lex{roles: rNumWord, n: n}, ws...) }
	nw(1, "один", "одну", "одна", "одного", "one", "a", "an", "uno", "una", "um", "uma", "ein", "eine", "einem", "einer", "un", "une", "bir", "odin")
	nw(2, "два", "две", "двух", "два", "дві", "пару", "пара", "two", "couple", "dos", "dois", "duas", "zwei", "deux", "due", "iki", "dva", "dve")
	nw(3, "три", "трёх", "трех", "three", "tres", "três", "drei", "trois", "tre", "üç", "tri")
	nw(4, "четыре", "чотири", "four", "cuatro", "quatro", "vier", "quatre", "quattro", "dört")
	nw(5, "пять", "п'ять", "five", "cinco", "fünf", "cinq", "cinque", "beş")
	nw(6, "шесть", "шість", "six", "seis", "sechs", "sei", "altı")
	nw(7, "семь", "сім", "seven", "siete", "sete", "sieben", "sept", "sette", "yedi")
	nw(10, "десять", "ten", "diez", "dez", "zehn", "dix", "dieci")

	t.add(lex{roles: rFiller}, "на", "в", "во", "у", "к", "до", "с", "этого", "числа", "го", "-", "on", "at", "in", "by", "the", "of", "for", "el", "la", "los", "las", "le", "les", "de", "del", "da", "no", "na", "em", "a", "à", "al", "am", "um", "im", "den", "dem", "der", "il", "di", "nel", "o", "ao", "en", "об", "для", "يوم", "في", "te", "ta", "de", "da", "günü", "gunu", "v", "na", "k", ",")
	t.add(lex{roles: rOrdinal}, "th", "st", "nd", "rd", "го", "е", "ое", "ого", "й", "er", "ème", "eme", "º", "ª")
	t.add(lex{roles: rIgnore}, "guten morgen", "guten tag", "good morning", "good afternoon", "good evening", "good night", "buenos días", "buenas tardes", "buenas noches", "bom dia", "boa tarde", "boa noite", "bonne nuit", "buona sera", "buonasera", "buona notte", "доброе утро", "добрый день", "добрый вечер", "доброй ночи", "спокойной ночи", "доброго ранку", "добрий день", "добрий вечір", "на днях", "в день", "в неделю", "в месяц", "в год", "per day", "per week", "per month", "per year", "iyi akşamlar", "iyi geceler", "صباح الخير", "مساء الخير", "in a minute", "одну минуту", "одну секунду", "минутку")
	return t
}

// Words after "в 3" that show the number is a count, not an hour:
// "в 2 раза", "на 3 человека".
var countNouns = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"раз", "раза", "человек", "человека", "людей", "чел", "штук", "штуки", "шт", "этаж", "этаже", "этажа", "комнат", "комнаты", "комнату", "кг", "км", "м", "см", "мм", "г", "л", "литр", "литра", "литров", "процент", "процента", "процентов", "%", "лет", "год", "года", "году", "рядов", "ряд", "ряду", "кв", "квартиру", "квартире", "персоны", "персон", "місця", "осіб", "people", "persons", "person", "times", "pcs", "kg", "km", "guests", "personas", "pessoas", "personen", "personnes", "persone", "kişi", "kisi", "x"} {
		m[fold(w)] = true
	}
	return m
}()
