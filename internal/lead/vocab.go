package lead

// Vocabulary of the ten built-in languages (ar, de, en, es, fr, it, pt, ru,
// tr, uk). An entry ending in "*" matches any word it starts, which covers
// inflections ("ватсап*": ватсапе, ватсапу). Every language's vocabulary is
// tried on every message: customers mix languages ("бюджет 200к, WhatsApp").

// budgetWords mark the amount that is the budget.
var budgetWords = phrases(
	"бюджет*", "budget*", "presupuesto*", "orçamento*", "orcamento*", "bütçe*", "butce*",
	"الميزانية", "ميزانية*", "ميزانيتنا", "budżet*", "бюджет*",
	"готовы потратить", "можем потратить", "готовы вложить", "готові витратити",
	"can spend", "willing to spend", "we can spend", "podemos gastar", "können ausgeben",
	"on peut dépenser", "possiamo spendere", "podemos gastar",
)

// needWords start a clause saying what the customer sells or needs.
var needWords = phrases(
	// ru
	"продаем", "продаю", "продает", "продаём", "торгуем", "торгую", "занимаемся", "занимаюсь",
	"нужен", "нужна", "нужно", "нужны", "производим", "делаем", "оказываем", "предлагаем",
	"интересует", "интересуют", "ищем", "хотим продвигать", "хотим рекламировать", "у нас магазин", "у нас салон",
	"реализуем", "продвигаем",
	// uk
	"продаємо", "продаю", "торгуємо", "займаємося", "займаюся", "потрібен", "потрібна", "потрібно",
	"потрібні", "треба", "виробляємо", "шукаємо", "цікавить", "пропонуємо",
	// en
	"sell", "selling", "sells", "we do", "we make", "we offer", "we run", "we provide", "need", "needs",
	"looking for", "interested in", "we produce", "we are a", "we're a", "our business",
	// es
	"vendemos", "vendo", "necesitamos", "necesito", "nos dedicamos", "buscamos", "ofrecemos", "fabricamos",
	"me interesa", "nos interesa",
	// de
	"verkaufen", "verkaufe", "brauchen", "brauche", "benötigen", "benötige", "suchen", "bieten",
	"wir machen", "stellen her", "wir sind ein", "wir sind eine",
	// fr
	"vendons", "vends", "avons besoin", "ai besoin", "besoin d", "cherchons", "proposons", "fabriquons",
	// it
	"vendiamo", "vendo", "abbiamo bisogno", "ho bisogno", "cerchiamo", "offriamo", "produciamo", "ci occupiamo",
	// pt
	"vendemos", "precisamos", "preciso", "procuramos", "oferecemos", "trabalhamos com", "fabricamos",
	// tr
	"satıyoruz", "satıyorum", "satiyoruz", "ihtiyacımız", "ihtiyacım", "lazım", "arıyoruz", "üretiyoruz",
	// ar
	"نبيع", "أبيع", "نحتاج", "أحتاج", "نبحث", "نقدم", "نصنع",
)

// startWords mark a clause about when to start.
var startWords = phrases(
	"начать", "начнем", "начнём", "начинаем", "стартуем", "стартовать", "старт*", "запуск*", "запустить",
	"почати", "почнемо", "починаємо", "стартуємо", "розпочати",
	"start*", "begin*", "launch*", "kick off",
	"empezar", "empezamos", "comenzar", "comenzamos", "iniciar", "inicio", "arrancar", "lanzar",
	"beginnen", "anfangen", "starten", "loslegen",
	"commencer", "commence*", "démarrer", "démarrage", "lancer",
	"iniziare", "iniziamo", "partire", "cominciare", "avviare",
	"começar", "comecar", "iniciar", "início",
	"başla*", "basla*",
	"نبدأ", "البدء", "بدء", "نبدا",
)

// correctionWords, anywhere in a message, make it a correction.
var correctionWords = phrases(
	"поправка", "исправ*", "точнее", "вернее", "на самом деле", "имел в виду", "имела в виду", "ошибся", "ошиблась",
	"виправ*", "точніше", "насправді", "мав на увазі", "помилився",
	"actually", "correction", "i meant", "oops", "my mistake", "i mean",
	"en realidad", "corrección", "correccion", "quise decir", "me equivoqué",
	"eigentlich", "korrektur", "ich meinte", "vielmehr",
	"en fait", "je voulais dire",
	"in realtà", "correzione", "intendevo", "anzi",
	"na verdade", "correção", "correcao", "quis dizer",
	"aslında", "aslinda", "düzeltme",
	"في الواقع", "تصحيح", "أقصد", "اقصد",
)

// correctionOpeners, as a message's first word, make it a correction
// ("нет, бюджет 300", "no, the budget is 500").
var correctionOpeners = phrases(
	"нет", "не", "неа", "ой", "ні", "no", "nope", "nein", "non", "não", "nao", "hayır", "hayir", "لا",
)

// negations before a contact method exclude it ("не звоните").
var negations = phrases(
	"не", "нельзя", "ні", "not", "don't", "dont", "no", "nicht", "kein", "keine", "pas", "sin", "sem", "non", "لا", "değil",
)

// contactWords name each contact method.
var contactWords = []struct {
	kind  string
	words []phrase
}{
	{ContactWhatsApp, phrases("whatsapp*", "whats app", "what's app", "wa", "wapp", "вотсап*", "ватсап*", "вацап*", "воцап*",
		"уотсап*", "вотс", "вотсапп*", "ватсапп*", "zap", "zapzap", "واتساب*", "واتس*", "واتسب*")},
	{ContactTelegram, phrases("telegram*", "телеграм*", "телега", "телеге", "телегу", "тг", "tg", "тлг", "تيليجرام*", "تلغرام*", "تليجرام*")},
	{ContactEmail, phrases("email*", "e mail*", "mail", "почта", "почту", "почте", "почтой", "почтовый", "имейл*", "емейл*", "мейл*",
		"пошта", "пошту", "пошті", "поштою", "імейл*", "імеїл*", "correo*", "courriel*", "e posta*", "eposta*", "بريد*", "إيميل*", "ايميل*")},
	{ContactCall, phrases("позвон*", "звонок", "звонком", "звонить", "звоните", "созвон*", "call", "calls", "call me", "ring me",
		"подзвон*", "дзвінок", "дзвоніть", "зателефону*", "llamada*", "llamar*", "llámenme", "llamenme", "anruf*", "telefonat*", "rückruf*",
		"appel*", "appelez*", "chiamata*", "chiamare", "chiamatemi", "ligação", "ligacao", "ligar", "liguem", "ligue",
		"arama*", "arayın", "arayin", "اتصال*", "اتصل*", "مكالمة*")},
	{ContactPhone, phrases("телефон*", "phone*", "teléfono*", "telefono*", "telefon*", "téléphone*", "telephone*", "telefone*",
		"sms", "смс", "هاتف*", "جوال*")},
}

// ordinalWords name positions in a list of offered slots (index 0 first).
// "last" is index -1.
var ordinalWords = []struct {
	index int
	words []phrase
}{
	{0, phrases("первый", "первое", "первая", "первого", "первую", "перший", "першу", "перше", "першого",
		"first", "1st", "primero", "primer", "primera", "erste*", "premier", "première", "premiere", "primo", "prima",
		"primeiro", "primeira", "birinci", "ilk", "الأول", "الاول", "الأولى")},
	{1, phrases("второй", "второе", "вторая", "второго", "вторую", "другий", "другу", "друге", "другого",
		"second", "2nd", "segundo", "segunda", "zweite*", "deuxième", "deuxieme", "second", "seconde", "secondo", "seconda",
		"ikinci", "الثاني", "الثانية")},
	{2, phrases("третий", "третье", "третья", "третьего", "третью", "третій", "третю", "третє",
		"third", "3rd", "tercero", "tercer", "tercera", "dritte*", "troisième", "troisieme", "terzo", "terza",
		"terceiro", "terceira", "üçüncü", "ucuncu", "الثالث", "الثالثة")},
	{3, phrases("четвертый", "четвертое", "четвертая", "четвертую", "четвертий", "четверту", "fourth", "4th", "cuarto", "cuarta",
		"vierte*", "quatrième", "quarto", "quarta", "dördüncü", "الرابع", "الرابعة")},
	{4, phrases("пятый", "пятое", "пятая", "пятую", "п'ятий", "пятий", "fifth", "5th", "quinto", "quinta", "fünfte*",
		"cinquième", "beşinci", "الخامس", "الخامسة")},
	{-1, phrases("последний", "последнее", "последняя", "последнюю", "останній", "останню", "last", "último", "última",
		"letzte*", "dernier", "dernière", "ultimo", "ultima", "sonuncu", "الأخير", "الأخيرة")},
}
