package classify

// The keyword lexicons behind Sensitive, Escalate, Urgency and CustomerType.
//
// Entries are phrases separated by "|". They are written as people type them
// and folded at start-up exactly like messages (lower case, no diacritics,
// ё→е, й→и, Arabic alef variants unified), so "Роспотребнадзор" matches
// "роспотребнадзор" and "brûlé" matches "brule". A trailing "*" on a word
// matches any word starting with it ("идиот*" matches "идиоты"); other words
// match whole words only. Matching is language independent: every message is
// checked against every language's entries, which also catches mixed-language
// messages. Keep stems specific: "опт*" would match "оптимально", so the list
// says "оптом|оптов*".

type category uint64

const (
	catThreat     category = 1 << iota // violence or intimidation
	catLegal                           // courts, lawyers, police, regulators
	catHealth                          // injury, allergy, poisoning, hospital
	catAbuse                           // insults, obscenities
	catRefund                          // money back or a return (escalates)
	catHuman                           // asks for a person (escalates)
	catUrgent                          // explicit urgency: urgent, asap, срочно
	catToday                           // a deadline of today or tonight
	catAnger                           // strong dissatisfaction
	catBusiness                        // the sender writes for a business
	catIndividual                      // the sender writes for themself or family
)

var lexiconSource = []struct {
	cat     category
	lang    string
	phrases string
}{
	// Threats.
	{catThreat, "en", `i will find you|i'll find you|you'll regret|you will regret|you will pay for this|watch your back|kill*|i know where|burn your|smash your|beat you up|i'm coming for you`},
	{catThreat, "ru", `я вас найду|я тебя найду|найду вас|пожалеете|пожалеешь|убью|прибью|сожгу|вам конец|тебе конец|ответите за это|вы за это ответите|разнесу|урою|мало не покажется|поплатитесь`},
	{catThreat, "uk", `я вас знайду|знайду вас|пошкодуєте|пошкодуєш|вб'ю|спалю|вам кінець|поплатитесь`},
	{catThreat, "es", `te voy a matar|os voy a matar|los voy a matar|os vais a arrepentir|se van a arrepentir|te arrepentirás|sé dónde vives|sé dónde está|voy a quemar`},
	{catThreat, "pt", `vou te matar|vou matar vocês|vão se arrepender|vai se arrepender|sei onde vocês|sei onde você|vou quebrar tudo`},
	{catThreat, "de", `ich bring euch um|ich bringe euch um|umbringen|ihr werdet es bereuen|werdet das bereuen|ich weiß wo|ich mache euch fertig`},
	{catThreat, "fr", `je vais vous tuer|je vais te tuer|vous allez le regretter|vous le regretterez|je sais où|je vais tout casser`},
	{catThreat, "it", `vi ammazzo|ti ammazzo|ve ne pentirete|te ne pentirai|so dove|vi faccio pentire`},
	{catThreat, "tr", `öldürürüm|sizi öldürürüm|pişman olacaksınız|pişman ederim|nerede olduğunuzu biliyorum`},
	{catThreat, "ar", `سأقتلك|بقتلك|راح تندمون|ستندمون|بتندمون|أعرف وين`},

	// Legal threats and regulators.
	{catLegal, "en", `sue|suing|sued|lawyer*|attorney*|court|courts|legal action|solicitor*|trading standards|small claims|ombudsman|consumer protection|report you to`},
	{catLegal, "ru", `суд|суда|суде|судом|суду|судебн*|юрист*|адвокат*|прокуратур*|роспотребнадзор*|полици*|претензи*|иск|иском|защиты прав потребителей|защиту прав потребителей`},
	{catLegal, "uk", `суд|суду|судом|юрист*|адвокат*|прокуратур*|поліці*|позов|позову|позовом|позовну|претензі*|захисту прав споживачів`},
	{catLegal, "es", `demandar*|os demando|les demando|poner una demanda|denunci*|abogad*|tribunal*|juzgado|juicio|policía|hoja de reclamaciones`},
	{catLegal, "pt", `processar*|vou processar|processo judicial|advogad*|justiça|procon|tribunal|polícia|reclame aqui`},
	{catLegal, "de", `anwalt*|rechtsanwalt*|verklag*|klage|gericht*|rechtliche schritte|polizei|verbraucherzentrale|anzeige`},
	{catLegal, "fr", `avocat*|plainte|tribunal*|justice|poursuivre|police|mise en demeure|dgccrf`},
	{catLegal, "it", `avvocat*|denunci*|tribunale|querela|polizia|carabinieri|vie legali`},
	{catLegal, "tr", `avukat*|mahkeme*|dava*|tüketici hakem*|savcılı*|polis*`},
	{catLegal, "ar", `محامي*|المحامي|محكمة|المحكمة|قضية|شكوى رسمية|الشرطة|حماية المستهلك|بلاغ`},

	// Health and safety.
	{catHealth, "en", `allerg*|rash|burn|burns|burned|burnt|burning|swollen|swelling|hospital*|ambulance|food poisoning|poisoned|injur*|bleed*|infection|infected|can't breathe|fainted|emergency room`},
	{catHealth, "ru", `аллерги*|ожог*|обожгл*|отравлени*|отравил*|больниц*|скорая|скорую|травм*|кровь|кровью|кровоточ*|сыпь|отек*|воспален*|инфекци*|покраснени*|тошнит|рвота|зуд|опух*|задыха*`},
	{catHealth, "uk", `алергі*|опік*|отруєння|отруїл*|лікарня|лікарні|лікарню|швидку|швидка допомога|травм*|кров|набряк*|почервоніння|запален*|нудить|висип*`},
	{catHealth, "es", `alergi*|quemad*|quemadura*|hinchad*|hospital*|intoxicaci*|urgencias|sangr*|herida*|infecci*|ambulancia|sarpullido`},
	{catHealth, "pt", `alergi*|queimad*|queimadura*|inchad*|hospital*|intoxica*|pronto socorro|sangr*|ferid*|infecç*|ambulância`},
	{catHealth, "de", `allergi*|verbrannt|verbrennung*|geschwollen|krankenhaus|notaufnahme|vergiftung|lebensmittelvergiftung|blutet|verletz*|entzündung|ausschlag|krankenwagen`},
	{catHealth, "fr", `allergi*|brûlé*|brûlure*|gonflé*|hôpital|urgences|intoxication|saign*|blessé*|blessure*|infection|ambulance|plaques rouges`},
	{catHealth, "it", `allergi*|bruciat*|ustion*|gonfi*|ospedale|pronto soccorso|intossicazione|sangu*|ferit*|infezione|ambulanza`},
	{catHealth, "tr", `alerji*|yandı|yanık*|şişti|şişlik|hastane*|zehirlen*|kanama*|yaralan*|enfeksiyon|ambulans|kızarıklık`},
	{catHealth, "ar", `حساسية|محروق*|حروق|حرق|متورم*|تورم|مستشفى|المستشفى|تسمم|نزيف|جرح|التهاب|إسعاف|الإسعاف`},

	// Abuse and insults.
	{catAbuse, "en", `idiot*|stupid|moron*|fuck*|shit*|bastard*|bitch*|asshole*|dumb|scum|retard*|wanker*|cunt*|dickhead*`},
	{catAbuse, "ru", `идиот*|дебил*|дура|дурак*|тупые|тупая|тупой|уроды|урод|козлы|козел|сволоч*|тварь|твари|мраз*|бля*|хуй*|хуе*|пизд*|ебан*|долбоеб*|сука|суки|придурк*|придурок|кретин*|имбецил*|ублюд*`},
	{catAbuse, "uk", `ідіот*|дебіл*|дурні|тупі|придурк*|сволот*|курва|уроди|покидьк*`},
	{catAbuse, "es", `idiota*|imbécil*|estúpid*|gilipollas|cabrón*|mierda|joder|puta*|capullo*|pendej*`},
	{catAbuse, "pt", `idiota*|imbecil*|otário*|merda|porra|caralho|babaca*|filho da puta`},
	{catAbuse, "de", `idiot*|vollidiot*|arschloch*|scheiß*|trottel*|wichser*|blödmann*|dummköpf*|dummkopf`},
	{catAbuse, "fr", `idiot*|abruti*|connard*|connasse*|crétin*|merde|putain|débile*|imbécile*|enfoiré*`},
	{catAbuse, "it", `idiot*|imbecill*|stronz*|cretin*|coglion*|cazzo|merda|deficient*|vaffanculo`},
	{catAbuse, "tr", `salak*|aptal*|gerizekalı*|şerefsiz*|siktir*|orospu*|ahmak*|dangalak*`},
	{catAbuse, "ar", `أغبياء|غبي|اغبياء|حمير|حمار|كلاب|تافه*|حقير*|يلعن*|زبالة`},

	// Refunds and returns: escalate even when the intent model says otherwise.
	{catRefund, "en", `refund*|money back|my money|return this|return the|return it|chargeback|reimburse*`},
	{catRefund, "ru", `верните деньги|вернуть деньги|возврат*|верните оплату|верните предоплату|вернуть предоплату|деньги обратно|верните лишнее|верните мне|хочу вернуть`},
	{catRefund, "uk", `поверніть гроші|повернути гроші|повернення|поверніть зайве|поверніть передоплату|повернути кошти|хочу повернути`},
	{catRefund, "es", `reembols*|devolución|devuélvanme|devolver*|me devuelvan`},
	{catRefund, "pt", `reembols*|estorno|dinheiro de volta|devolv*|devolução`},
	{catRefund, "de", `geld zurück|erstatt*|rückerstattung|zurückschicken|zurückgeben|rückgabe`},
	{catRefund, "fr", `rembours*|retour|renvoyer|rendre mon argent`},
	{catRefund, "it", `rimbors*|reso|restituire|indietro i miei soldi|ridatemi i soldi|soldi indietro`},
	{catRefund, "tr", `iade*|paramı geri|param geri`},
	{catRefund, "ar", `استرجاع|استرداد|استردوا|إرجاع|ارجاع|رجعوا فلوسي|فلوسي`},

	// Requests for a person.
	{catHuman, "en", `human|real person|a person|actual person|manager|operator|speak to someone|talk to someone|speak to the owner|call me back|customer support staff|live agent|an agent`},
	{catHuman, "ru", `позовите человека|позови человека|позвать человека|человека позовите|нужен человек|хочу человека|переключите на человека|соедините с человеком|поговорить с человеком|менеджер*|оператор*|живым человеком|живой человек|живого человека|с человеком|дайте человека|администратор*|руководител*|директор*|живой сотрудник|живым сотрудником|перезвоните мне|перезвонит`},
	{catHuman, "uk", `покличте людину|поклич людину|покликати людину|поговорити з людиною|з живою людиною|менеджер*|оператор*|живою людиною|жива людина|живий співробітник|дайте людину|адміністратор*|керівник*|передзвоніть мені|передзвонить`},
	{catHuman, "es", `persona|humano|encargado|agente|gerente|operador*|alguien real|alguien del equipo`},
	{catHuman, "pt", `pessoa|humano|gerente|atendente|supervisor|alguém de verdade|alguém da equipe`},
	{catHuman, "de", `mensch|menschen|mitarbeiter|filialleiter|vorgesetzt*|echte person|echten menschen|jemand aus dem team`},
	{catHuman, "fr", `humain|quelqu'un|responsable|conseiller|vraie personne|manager`},
	{catHuman, "it", `persona|umano|operatore|responsabile|persona vera|qualcuno del team`},
	{catHuman, "tr", `insan*|müdür*|temsilci*|yetkili*|gerçek bir kişi|gerçek bir çalışan|ekipten biri`},
	{catHuman, "ar", `شخص حقيقي|المدير|مدير|موظف|إنسان|انسان|أحد من الفريق`},

	// Explicit urgency.
	{catUrgent, "en", `urgent*|asap|right now|immediately|emergency|as soon as possible`},
	{catUrgent, "ru", `срочн*|немедленно|прямо сейчас|как можно скорее|сию минуту|горит`},
	{catUrgent, "uk", `терміново|негайно|прямо зараз|якнайшвидше`},
	{catUrgent, "es", `urgente*|ya mismo|inmediatamente|cuanto antes|ahora mismo`},
	{catUrgent, "pt", `urgente*|imediatamente|agora mesmo|o quanto antes`},
	{catUrgent, "de", `dringend*|sofort|umgehend|schnellstmöglich`},
	{catUrgent, "fr", `urgent*|urgence|immédiatement|tout de suite|au plus vite`},
	{catUrgent, "it", `urgente*|subito|immediatamente|il prima possibile`},
	{catUrgent, "tr", `acil*|hemen|derhal|bir an önce`},
	{catUrgent, "ar", `عاجل|مستعجل|ضروري|فورا|حالا`},

	// Deadlines of today.
	{catToday, "en", `today|tonight|by noon`},
	{catToday, "ru", `сегодня|сегодняшн*`},
	{catToday, "uk", `сьогодні`},
	{catToday, "es", `hoy|esta noche`},
	{catToday, "pt", `hoje`},
	{catToday, "de", `heute`},
	{catToday, "fr", `aujourd'hui|ce soir`},
	{catToday, "it", `oggi|stasera`},
	{catToday, "tr", `bugün*`},
	{catToday, "ar", `اليوم|الليلة`},

	// Anger.
	{catAnger, "en", `terrible|worst|disgusting|outrageous|ridiculous|furious|unacceptable|awful|scam*|fraud*|horrible|useless`},
	{catAnger, "ru", `ужас*|отвратительн*|безобрази*|кошмар*|мошенник*|возмутительн*|позор*|бардак|хамят|хамство|достали`},
	{catAnger, "uk", `жахлив*|жах|огидн*|шахра*|неприпустим*|обурлив*|ганьба`},
	{catAnger, "es", `pésimo|horrible|vergüenza|estafa*|inaceptable|indignante|inútiles`},
	{catAnger, "pt", `péssimo|horrível|absurdo|vergonha|golpe*|golpist*|inaceitável|incompetentes`},
	{catAnger, "de", `furchtbar*|unverschämt*|frechheit|betrug|betrüger*|katastrophe|inakzeptabel|schrecklich*`},
	{catAnger, "fr", `nul|honteux|scandaleux|inadmissible|escroc*|arnaque*|inacceptable|horrible`},
	{catAnger, "it", `pessimo|vergogna|schifo|truffa*|truffator*|inaccettabile|vergognoso`},
	{catAnger, "tr", `berbat|rezalet|dolandırıcı*|kabul edilemez|skandal|saçmalık`},
	{catAnger, "ar", `سيئة جدا|سيء|نصاب*|حرامية|مهزلة|فضيحة`},

	// Business customers.
	{catBusiness, "en", `company|our company|business|invoice|vat|wholesale|ltd|llc|inc|corporate|b2b|our office|our store|our shop|we are a|retail shop|in bulk|tax id|purchase order|our clients`},
	{catBusiness, "ru", `ооо|ип|оао|пао|компани*|фирм*|организаци*|юрлиц*|юр лицо|счет на оплату|счет фактур*|ндс|оптом|оптов*|мы магазин|наш магазин|для офиса|в офис|инн|коммерческое предложение|кп|для бизнеса|поставку|поставщик*`},
	{catBusiness, "uk", `тов|фоп|компані*|фірм*|рахунок|рахунку|пдв|оптом|оптов*|для офісу|офісу|наш магазин|юрособ*|комерційна пропозиція|постачальник*`},
	{catBusiness, "es", `empresa*|factura*|iva|al por mayor|mayorista*|nuestra tienda|oficina|autónomo|proveedor`},
	{catBusiness, "pt", `empresa*|nota fiscal|cnpj|atacado|escritório|nossa loja|ltda|fornecedor`},
	{catBusiness, "de", `firma|unternehmen*|rechnung*|lieferantenrechnung|mwst|gmbh|großhandel|büro*|büroreinigung|lieferant*`},
	{catBusiness, "fr", `société|entreprise*|facture*|tva|siret|sarl|grossiste|en gros|bureau|fournisseur`},
	{catBusiness, "it", `azienda*|fattura*|iva|partita iva|srl|ingrosso|ufficio|fornitore`},
	{catBusiness, "tr", `şirket*|firma*|fatura*|faturasını|kdv|toptan|ofis*|vergi numarası|tedarikçi*`},
	{catBusiness, "ar", `شركة|شركتنا|لشركتنا|فاتورة|ضريبة|الجملة|مكتب|مؤسسة|سجل تجاري|المورد`},

	// Individuals.
	{catIndividual, "en", `for myself|for me|my wife|my husband|my son|my daughter|my kid*|my mum|my mom|my girlfriend|my boyfriend|my child`},
	{catIndividual, "ru", `для себя|для меня|мужу|жене|ребенк*|ребенок|дочк*|дочер*|сыну|сына|для мамы|мой муж|моя жена`},
	{catIndividual, "uk", `для себе|для мене|дитин*|чоловіку|дружині|доньк*|сину|для мами`},
	{catIndividual, "es", `para mí|mi marido|mi esposa|mi hijo|mi hija|mi madre`},
	{catIndividual, "pt", `para mim|meu marido|minha esposa|meu filho|minha filha|minha mãe`},
	{catIndividual, "de", `für mich|mein mann|meine frau|mein sohn|meine tochter`},
	{catIndividual, "fr", `pour moi|mon mari|ma femme|mon fils|ma fille`},
	{catIndividual, "it", `per me|mio marito|mia moglie|mio figlio|mia figlia`},
	{catIndividual, "tr", `kendim için|eşim|oğlum|kızım|annem`},
	{catIndividual, "ar", `لنفسي|زوجي|زوجتي|ابني|بنتي`},
}
