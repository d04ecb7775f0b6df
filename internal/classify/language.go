package classify

import (
	"bytes"
	"strings"
)

// Language detection combines script rules with a small softmax model over
// character 1-3-grams and words (trained on the corpus plus the word lists
// below):
//
//   - no letters at all (emoji, "??", digits) -> unknown;
//   - mostly letters of another script (CJK, Greek, Hebrew, ...) -> unknown;
//   - Arabic script -> ar;
//   - Cyrillic (also when mixed with Latin words, as long as Cyrillic letters
//     are at least a third of the letters: "нужен refund по order") -> ru or
//     uk: і ї є ґ without ы э ъ ё means uk, the opposite means ru, otherwise
//     ru unless the model is confident of uk (Ukrainian text rarely has
//     no і/ї/є);
//   - Latin -> the model decides among en es pt de fr it tr and Russian
//     written in Latin letters ("skolko stoit", "zavtra v 15" -> ru); letters
//     only one of those languages uses (ñ ¿ ã õ ß ş ğ ı) settle it outright.

// langWords are frequent words of each language, added to the language
// model's training data so that short messages ("hola", "merci", "danke")
// have evidence beyond the corpus. The ru list includes common Russian words
// as people type them in Latin letters.
var langWords = map[string]string{
	"en": `the and you your for with this that what when where how why can could would please thanks thank hello hi hey yes no not
		is are was were have has do does my me i it we our they them there here today tomorrow now later order booking appointment
		price cost much many want need help still just about know time week day morning evening cheers okay sorry wait
		wrong late refund money back get got shipped arrived delivered cancel reschedule move confirm sure see you soon`,
	"ru": `и в не на я что тот быть с а весь это как она по но они к у ты из мы за вы так же от сказать этот который мочь
		человек о один еще бы такой только себя свое какой когда уже для вот кто да говорить год знать мой до или если время
		рука нет самый ни стать большой даже другой наш свой ну под где дело есть сам раз чтобы два там чем глаз жизнь первый
		день тут ничто потом очень хотеть ли при голова надо без видеть идти теперь тоже стоять друг дом сейчас можно после
		здравствуйте спасибо пожалуйста заказ запись сколько стоит завтра сегодня хочу будет буду ещё всё почему
		privet zdravstvuyte spasibo pozhaluysta skolko stoit mozhno zapisatsya zapisat zavtra segodnya seychas gde moy moi zakaz
		hochu vernut dengi kogda eto ochen horosho nado nuzhno tolko uzhe esche net da kak chto pochemu zdes tam budu mne menya
		vy vam vas nam nas ya ty on ona oni chas pozzhe ranshe utrom vecherom dostavka tovar otmenit otmenite perenesti zapis
		podtverzhdayu ne interesno pishite napishite dorogo deshevle nichego poluchil prishel slomannyy smena ostatki sklade
		soedinite operatorom operator menedzher chelovekom pozovite dayte skazhite podskazhite mozhete khochu hotel hotela
		zapisatsya zapishite otmenite perenesite pridu budu spasibo interesno neinteresno ne nado ne pishite tseny tsena
		skidka skolko stoit dostavka kurier zakazal zakazala oplatil oplatila vernite dengi obmen razmer uzhasno plokho
		normalno ponyal ponyala ne ponyal chto eto znachit privetik dobryy den dobriy vecher utro`,
	"uk": `і в не на я що той бути з а весь це як вона по але вони до у ти із ми за ви так же від сказати цей який могти
		людина о один ще би такий тільки себе свій коли вже для ось хто так говорити рік знати мій або якщо час рука ні
		найбільший навіть інший наш ну під де справа є сам раз щоб два там чим око життя перший день тут ніщо потім дуже
		хотіти чи при голова треба без бачити йти тепер теж стояти друг дім зараз можна після будь ласка дякую
		вітаю привіт добрий день замовлення запис скільки коштує завтра сьогодні хочу буде буду ще все чому де моє
		який яка яке їх її його вам вас нам нас мені мене тобі тебе відповідає прийду скасуйте перенесіть
		покличте зараз повернемося цього восени прийшла розбита повернути навушники вони працюють конкуренти
		пропонують менше більше дешевше дорожче гроші грошей людина людину людиною співробітник керівник
		замовлення замовила замовляв отримала отримав доставка кур'єр посилка відправили надішліть треба потрібно
		добре гаразд звичайно вибачте дякую будь ласка зможу прийти записатися перенести скасувати підтверджую
		чому навіщо коли скільки котра година тиждень місяць сьогодні вчора завтра післязавтра неділя понеділок
		вівторок середа четвер п'ятниця субота знижка погодити зміна зміну залишки складі хай хочемо маємо`,
	"es": `el la de que y en un ser se no haber por con su para como estar tener le lo todo pero más hacer o poder decir este
		ir otro ese si me ya ver porque dar cuando él muy sin vez mucho saber qué sobre mi alguno mismo yo también hasta año
		dos querer entre así primero desde grande eso ni nos llegar pasar tiempo ella sí día uno bien poco deber entonces
		hola gracias por favor buenos días buenas tardes cuánto cuesta pedido cita reserva mañana hoy quiero necesito dónde
		está usted ustedes vale vosotros sois tengo puedo hay nada todavía también señor`,
	"pt": `o a de que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou
		ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas
		me esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos elas havia seja qual será nós
		olá obrigado obrigada por favor bom dia boa tarde quanto custa pedido horário reserva amanhã hoje quero preciso
		onde cadê vocês tudo bem não consigo vou sim agora ainda nada então aqui pra tá`,
	"de": `der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass
		sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch
		man sein wurde sei ich du wir ihr mein meine dein bitte danke hallo guten tag morgen abend wie viel kostet bestellung
		termin heute morgen möchte brauche wo ist warum kann können schon immer nichts jetzt gerne tschüss ja nein genau
		geht gibt habe hätte würde mich mir uns euch`,
	"fr": `le de un à être et en avoir que pour dans ce il qui ne sur se pas plus pouvoir par je avec tout faire son mettre
		autre on mais nous comme ou si leur y dire elle devoir avant deux même prendre aussi celui donner bien où fois
		vous encore nouveau aller cela entre premier vouloir déjà grand mon me moins aucun lui temps très savoir falloir
		voir quelque sans raison notre dont non an monde jour monsieur demander alors après trouver personne rendre part
		bonjour merci s'il vous plaît combien coûte commande rendez-vous demain aujourd'hui je voudrais besoin est c'est
		ça oui pourquoi quand toujours rien maintenant j'ai n'est qu'il`,
	"it": `il di che è e la per un in non una sono mi a si ho lo ma ti ha le con cosa da se no come io ci questo qui bene hai
		sei del tu al anche lei tutto della mio me più te solo ora niente so lui ne gli sì noi ancora fatto chi dove perché
		voglio quando molto grazie ciao buongiorno buonasera per favore quanto costa ordine appuntamento prenotazione
		domani oggi vorrei devo posso potete c'è dov'è allora sempre già nostro vostro siete abbiamo avete`,
	"tr": `bir ve bu da de için ne ben sen o biz siz onlar var yok mi mı mu mü çok daha gibi ama ile kadar sonra önce şimdi
		nasıl neden nerede zaman gün bugün yarın evet hayır tamam teşekkürler teşekkür ederim lütfen merhaba selam
		günaydın iyi akşamlar fiyat kaç para sipariş randevu istiyorum lazım misiniz musunuz olur mu bana beni benim
		sizin bizim hiç hâlâ artık yani şey değil oldu geldi gelmedi ediyorum edebilir miyim`,
	"ar": `في من على إلى أن عن مع هذا هذه كان لا ما هو هي أنا أنت نحن هم كل بعد قبل عند لم لن قد ثم أو إذا كيف لماذا متى أين
		نعم شكرا مرحبا السلام عليكم صباح الخير مساء الخير من فضلك لو سمحت كم السعر طلب موعد حجز بكرة اليوم أريد أبي
		ممكن عندكم الحين وش ليش شي طيب تمام يعني`,
}

// ukWithoutLetters is the share of the uk+ru probability the model must give
// uk when a Cyrillic text has none of the letters that tell them apart.
var ukWithoutLetters = 0.7

// enPrior boosts English for Latin texts of at most shortText letters.
var (
	enPrior   = 1.5
	shortText = 12
)

// latinCandidates are the languages the model may answer for Latin text.
var latinCandidates = []string{"en", "es", "pt", "de", "fr", "it", "tr", "ru"}

// langExtraSamples are the language model's training samples beyond the
// corpus: every word of langWords and every phrase of the per-language rule
// lexicons, in a deterministic order.
func langExtraSamples() []sample {
	var out []sample
	var t text
	add := func(lang, s string) {
		t.analyse(strings.ReplaceAll(s, "*", ""))
		if t.letters > 0 {
			out = append(out, sample{feats: languageFeatures(nil, &t), class: languageIndex(lang)})
		}
	}
	for _, lang := range allLanguages {
		for _, w := range strings.Fields(langWords[lang]) {
			add(lang, w)
		}
	}
	for _, src := range lexiconSource {
		for _, p := range strings.Split(src.phrases, "|") {
			add(src.lang, p)
		}
	}
	return out
}

// detectLanguage returns the ISO 639-1 code of the analysed text.
func (c *Classifier) detectLanguage(t *text, feats []uint32, probs []float64) (string, []uint32) {
	if t.letters == 0 {
		return LanguageUnknown, feats
	}
	if t.other*2 > t.letters {
		return LanguageUnknown, feats
	}
	if t.arabic > 0 && t.arabic >= t.latin && t.arabic >= t.cyrillic {
		return "ar", feats
	}
	if t.cyrillic > 0 && t.cyrillic*2 >= t.latin {
		switch {
		case t.ukOnly > 0 && t.ruOnly == 0:
			return "uk", feats
		case t.ruOnly > 0 && t.ukOnly == 0:
			return "ru", feats
		}
		feats = languageFeatures(feats[:0], t)
		c.lang.probabilities(feats, probs)
		// Neither ы э ъ ё nor і ї є ґ. Ukrainian text rarely goes without
		// і/ї/є, so it takes a confident model to call it uk.
		pu, pr := probs[languageIndex("uk")], probs[languageIndex("ru")]
		if pu/(pu+pr) >= ukWithoutLetters {
			return "uk", feats
		}
		return "ru", feats
	}
	if t.latin == 0 {
		return LanguageUnknown, feats
	}
	if l := uniqueLatinLetter(t); l != "" {
		return l, feats
	}
	feats = languageFeatures(feats[:0], t)
	c.lang.probabilities(feats, probs)
	best, bestP := "en", -1.0
	for _, l := range latinCandidates {
		p := probs[languageIndex(l)]
		if l == "en" && t.letters <= shortText {
			// Short interjections in Latin letters ("ok", "hmm", "so?",
			// "STOP") are English far more often than anything else.
			p *= enPrior
		}
		if p > bestP {
			best, bestP = l, p
		}
	}
	return best, feats
}

// uniqueLatinLetter returns the language when the text contains letters that
// only one of the built-in Latin-script languages uses, and no letters that
// contradict it.
func uniqueLatinLetter(t *text) string {
	es := t.spanishMarks || bytes.ContainsRune(t.lang, 'ñ')
	pt := bytes.ContainsAny(t.lang, "ãõ")
	de := bytes.ContainsAny(t.lang, "ßä")
	tr := bytes.ContainsAny(t.lang, "şğı")
	n := 0
	res := ""
	for _, x := range []struct {
		ok   bool
		lang string
	}{{es, "es"}, {pt, "pt"}, {de, "de"}, {tr, "tr"}} {
		if x.ok {
			n++
			res = x.lang
		}
	}
	if n == 1 {
		return res
	}
	return ""
}
