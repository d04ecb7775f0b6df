package classify

// Intent cue lexicon. Each concept groups the words that signal one idea in
// all ten languages ("where", "delivered", "cancel", "shift"...). A matched
// concept becomes one extra feature of the intent model, shared by every
// language, so what the model learns about a cue from the Russian and English
// examples carries over to the languages with fewer examples. The syntax is
// the one of lexicon.go. The rule categories of lexicon.go (refund, human,
// anger...) are intent features too.

const (
	cueFirst category = 1 << (iota + 16)
	cuePrice
	cueQuote
	cueArea
	cueBook
	cueSlot
	cueMove
	cueRunningLate
	cueCancel
	cueConfirm
	cueYes
	cueOrder
	cueWhere
	cueTrack
	cueWhen
	cueStillNot
	cueDelivered
	cueNotGot
	cueBroken
	cueWrong
	cueBadService
	cueExpensive
	cueCheaper
	cueDoubt
	cueLater
	cueStop
	cueNoNeed
	cueStock
	cueShift
	cueSwap
	cuePolicy
	cueAllowed
	cueApprove
	cueDiscount
	cueDayOff
	cueGreeting
	cueNotUnderstood
)

var conceptSource = []struct {
	cat     category
	phrases string
}{
	{cuePrice, `сколько стоит|сколько стоят|цена|цену|стоимость|почем|прайс|skolko stoit|skolko|cena|скільки коштує|ціна|вартість|how much|price|prices|cost|charge|cuánto cuesta|cuanto cuesta|cuánto vale|precio|cuánto cobran|quanto custa|preço|valor|quanto fica|quanto é|was kostet|wie viel kostet|wie teuer|preis|combien|prix|tarif|quanto costa|quanto viene|prezzo|ne kadar|fiyat*|kaç para|kaç tl|ücret*|كم السعر|سعر|بكم|كم تكلفة|كم رسوم|كم الاشتراك`},
	{cueQuote, `смета|смету|сметы|расчет|рассчитать|просчет|посчитайте|оценка работ|коммерческое предложение|smetu|smeta|кошторис|оцінку робіт|комерційна пропозиція|пропозиція|quote|estimate|price up|presupuesto|estimación|orçamento|estimativa|kostenvoranschlag|angebot|kostenschätzung|devis|estimation|preventivo|stima|teklif*|maliyet tahmini|عرض سعر|تقدير`},
	{cueArea, `м0|кв м|квадрат*|m0|sqm|sq m|mq|metros cuadrados|metros quadrados|quadratmeter*|mètres carrés|metri quadri|metrekare*|متر|ремонт*|renovation|redoing|reforma*|reformar|sanierung|badsanierung|refaire|rifare|tadilat*|تجديد|under key|под ключ`},
	{cueBook, `записаться|запишите|записать|запись на|забронировать|бронь на|zapisatsya|zapisat|записатися|забронювати|book|booking|appointment|schedule|reserve|table for|cita|reservar|apuntarme|marcar|agendar|reserva|termin|reservieren|anmelden|rendez vous|réserver|inscrire|prenotare|appuntamento|prenotazione|iscrivermi|randevu*|rezervasyon*|ayırtmak|kaydolmak|أحجز|حجز|موعد|التسجيل`},
	{cueSlot, `свободн*|окошк*|окно|вільн*|віконце|slot|availability|hueco|disponibilidad|horário|disponibilidade|was frei|créneau|une place|posto|boş|متاح`},
	{cueMove, `перенести|перенесите|перенесем|сдвинуть|вместо|perenesti|перенесіть|перенести|замість|reschedule|move my|instead of|instead|reprogramar|mover|remarcar|reagendar|mudem|verschieben|verlegen|umbuchen|déplacer|décaler|reporter|spostare|rimandare|spostate|ertele*|kaydır*|yerine|أغير|تأجيل|ننقل|غيروا`},
	{cueRunningLate, `опаздываю|не успеваю|opazdyvayu|запізнююсь|не встигаю|running late|stuck in traffic|llego tarde|vou me atrasar|ich verspäte mich|en retard|sono in ritardo|geç kalıyorum|متأخر شوي`},
	{cueCancel, `отмените|отменить|отмена|отменяю|снимите меня|otmenite|otmenit|скасуйте|скасувати|скасовую|скасуй|cancel|cancelen|cancelar|anular|anulen|cancela|cancelo|desmarcar|stornieren|absagen|sage|annulez|annuler|annule|annullate|disdire|disdico|cancellare|annulla|iptal*|ألغوا|إلغاء|ألغي|الغي`},
	{cueConfirm, `подтверждаю|подтверждаю запись|в силе|буду|приду|podtverzhdayu|підтверджую|підтверджено|прийду|confirm|confirmed|i'll be there|see you|still on|allí estaré|confirmo|confirmado|estarei lá|bestätige|bestätigt|ich komme|bis dann|je serai là|je confirme|confirmé|je viens|je viendrai|ci sarò|confermo|confermato|vengo|geleceğim|onaylıyorum|onaylandı|gelirim|oradayım|سأحضر|أؤكد|مؤكد|أكون عندكم|جاي`},
	{cueYes, `да|ага|ок|yes|yep|sure|sí|sim|ja|passt|oui|evet|tamam|نعم|تمام|أكيد|так`},
	{cueOrder, `заказ*|посылк*|zakaz|замовлення|посилк*|order|package|parcel|pedido|paquete|pacote|bestellung|paket|commande|colis|ordine|pacco|sipariş*|kargo*|طلب*|طردي|الطرد`},
	{cueWhere, `где|gde|де|where|wheres|dónde|cadê|onde|wo ist|où|dov'è|nerede|أين|وين`},
	{cueTrack, `трек*|статус*|на каком этапе|трекінг|track*|status|shipped|seguimiento|estado|rastreio|enviado|enviaron|sendungsnummer|verschickt|suivi|statut|tracking|stato|spedito|takip*|durumu|yola çıktı|تتبع|حالة|شحن`},
	{cueWhen, `когда|kogda|коли|when|cuándo|quando|wann|quand|ne zaman|متى`},
	{cueStillNot, `обещали|до сих пор|задерживается|срок* доставки|сроки|долго|opazdyvaet|обіцяли|досі|запізнюється|термін|supposed to|promised|still not|still waiting|late|overdue|todavía|retraso|prometieron|até agora|atrasado|prometeram|immer noch|verspätet|versprochen|toujours rien|retard|promis|ritardo|promesso|hâlâ|gecik*|للحين|متأخر|وعدتوني`},
	{cueDelivered, `доставлено|доставлен*|вручен*|полученный|получено|dostavleno|отримано|вручено|доставку|delivered|handed over|marked|received|delivery confirmation|entregado|recibido|entregue|zugestellt|übergeben|empfangen|livré|remis|reçue|consegnato|ricevuto|teslim edildi|teslim alındı|تم التوصيل|تم التسليم|مستلم`},
	{cueNotGot, `ничего нет|ничего не получал*|не получил*|нічого немає|не отримувала|nothing|never got|didn't receive|no tengo nada|não recebi|não chegou|nichts bekommen|rien reçu|non ho ricevuto|hiçbir şey gelmedi|ما استلمت`},
	{cueBroken, `разбит*|сломан*|трещин*|мятая|помятый|отвалилась|slomannyy|розбит*|зламаний|тріщин*|broken|cracked|squashed|ruined|damaged|roto|rota|rajada|quebrado|trincada|zerbrochen|sprung|abgebrochen*|kaputt|cassé|fissuré|rotto|rotta|crepato|kırık|çatlak|مكسور*|شرخ`},
	{cueWrong, `не тот|не хватает|вместо размера|прислали|не той|бракує|прислали|wrong|missing|instead of|equivocado|faltan|en vez de|errada|faltam|em vez de|falsche|fehlen|statt|mauvaise|manque|au lieu|sbagliato|mancano|invece|yanlış|eksik|yerine|غلط|ناقص|بدل`},
	{cueBadService, `ужасн*|недовольн*|никто не отвечает|нагрубил*|хамят|uzhasnoe|жахлив*|незадоволен*|ніхто не відповідає|terrible|unhappy|nobody answers|rude|worst|pésimo|descontenta|nadie contesta|péssimo|insatisfeita|ninguém responde|furchtbarer|unzufrieden|niemand antwortet|nul|mécontente|personne ne répond|pessimo|insoddisfatta|nessuno risponde|berbat|memnun kalmadım|kimse cevap vermiyor|سيئة|ما أحد يرد|مو راضية`},
	{cueExpensive, `дорого|дороговато|дорогувато|dorogo|expensive|pricey|too much|more than i expected|caro|cara|teuer|cher|pahalı|غالي`},
	{cueCheaper, `дешевле|конкурент*|дешевше|deshevle|cheaper|half the price|competitor|más barato|mitad de precio|competencia|mais barato|metade do preço|concorrente|billiger|hälfte|konkurrenz|moins cher|moitié prix|concurrence|costa meno|metà prezzo|concorrenza|daha ucuz|yarı fiyatına|rakip|أرخص|بنص السعر|المنافس`},
	{cueDoubt, `не уверен|сомневаюсь|стоит таких денег|не впевнений|варте|not sure|worth|not convinced|reviews|no sé si|vale lo que|não sei se|vale o que|weiß nicht|wert|pas sûr|vaille|non so se|vale quello|emin değilim|değer mi|مو متأكد|يستاهل`},
	{cueLater, `позже|через месяц|через неделю|не актуально|подумаю|после праздников|после отпуска|на следующей неделе|напомните|за рулем|перезвоню|pozzhe|пізніше|через місяць|подумаю|наступного тижня|нагадайте|за кермом|передзвоню|later|next month|next week|not right now|not now|think about it|get back to you|remind me|driving|will call you|revisit|not a good time|mes que viene|ahora no|lo pienso|semana que viene|recuérdamelo|conduciendo|te llamo|mês que vem|agora não|vou pensar|semana que vem|me lembra|dirigindo|te ligo|nächsten monat|jetzt nicht|überlege|nächste woche|erinnere|fahren|rufe|mois prochain|pas maintenant|réfléchis|semaine prochaine|relancez|je conduis|rappelle|mese prossimo|non ora|ci penso|settimana prossima|ricordamelo|guidando|richiamo|gelecek ay|şimdi değil|düşünüp|haftaya|hatırlatın|araba kullanıyorum|ararım|الشهر الجاي|مو الحين|بفكر|الأسبوع الجاي|ذكرني|أسوق|بتصل`},
	{cueStop, `не пишите|отпишите|не присылайте|удалите мой номер|прекратите|не беспокойте|не звоните|не пишіть|відпишіть|видаліть мій номер|припиніть|stop|unsubscribe|remove my number|don't contact|stop messaging|stop texting|dejen de|darme de baja|borren mi número|no vuelvan|parem|descadastrem|apaguem meu número|não me contatem|keine nachrichten|abmelden|löschen sie meine|kontaktieren sie mich nicht|arrêtez|désinscrivez|supprimez mon numéro|ne me contactez|smettete|cancellatemi|togliete il mio numero|non contattatemi|mesaj atmayın|çıkarın|listenizden silin|iletişime geçmeyin|لا تراسلوني|شيلوني|احذفوا رقمي|لا تتواصلوا`},
	{cueNoNeed, `не интересно|не нужно|неактуально|уже купили|ne interesno|не цікаво|не потрібно|вже купили|not interested|don't need|not for me|bought elsewhere|no me interesa|no lo necesito|compramos en otro|não tenho interesse|não preciso|compramos em outro|kein interesse|brauche ich nicht|woanders gekauft|pas intéressé|pas besoin|acheté ailleurs|non mi interessa|non mi serve|comprato altrove|ilgilenmiyorum|ihtiyacım yok|başka yerden aldık|مو مهتم|ما أحتاج|اشترينا من مكان`},
	{cueStock, `остатк*|осталось|осталась|наличи*|склад*|ostatki|sklade|залишки|лишилося|лишилася|складі|stock|left at|warehouse|depot|in stock|quedan|queda|almacén|stock del|restam|estoque|ainda tem|depósito|bestand|lager|zentrallager|noch|reste|réserve|entrepôt|restano|magazzino|giacenza|c'è ancora|kaldı|depo*|stok*|باقي|المستودع|مخزون|sku|арт|артикул*|art|ref|item|artículo|artikel|article|articolo|ürün*|الصنف`},
	{cueShift, `смен*|график|smenu|smena|зміну|зміною|зміна|графік|shift|shifts|rota|turno|cuadrante|plantão|escala|schicht*|freitagsschicht|sonntagsschicht|frühschicht|dienstplan|poste|service de|planning|turni|vardiya*|çizelge*|شفت*|الشفت|الجدول`},
	{cueSwap, `поменяться|поменяемся|поменять|выйти за меня|вместо меня|замену|pomenyat|помінятися|поміняти|вийти за мене|замість мене|заміну|swap|cover my|cambiar mi turno|me cubre|cubrir|trocar|cobre|cobrir|tauschen|übernimmt|wechseln|échanger|remplacer|scambiare|mi copre|coprire|değiştir*|yerime|أبدل|يغطي|بدالي|أنتقل`},
	{cuePolicy, `правила|правилам|дресс код|перерыв|больничный|компенсаци*|дрес код|правилами|перерва|лікарняний|policy|rule|rules|dress code|lunch break|sick leave|holiday allowance|bank holidays|normas|código de vestimenta|pausa|baja médica|festivos|regra|código de vestimenta|intervalo|atestado|feriado|regel|regelung|dresscode|mittagspause|krank|feiertag*|règlement|code vestimentaire|pause déjeuner|arrêt maladie|fériés|regolamento|dress code|pausa pranzo|malattia|festivi|kural*|kıyafet|öğle arası|rapor|resmi tatil|النظام|قانون اللبس|استراحة|الإجازة المرضية|الإجازات الرسمية`},
	{cueAllowed, `можно ли|чи можна|are we allowed|allowed|podemos|se puede|dürfen wir|darf man|on a le droit|autorisé|possiamo|si può|yapabilir miyiz|serbest mi|هل يسمح|مسموح`},
	{cueApprove, `согласовать|согласуйте|одобрение|утвердить|разрешить|виза|soglasuyte|погодити|погодьте|погодження|затвердити|approve|approval|sign off|ok to|your ok|aprobar|aprueba|autorización|aprobación|autorizas|aprovação|aprovar|aprove|autorização|genehmigen|freigabe|freigeben|beantrage|valider|validation|accord|approuver|approvazione|approvare|approva|l'ok|onay*|onaylar|الموافقة|موافقة|اعتماد|توافق|موافقتك`},
	{cueDiscount, `скидк*|знижк*|discount|off|descuento|desconto|rabatt|remise|sconto|indirim|خصم`},
	{cueDayOff, `отгул|отпуск|списание|day off|annual leave|leave|overtime|write off|día libre|vacaciones|folga|férias|freien tag|urlaub|congé|congés|giorno libero|ferie|izin*|yıllık izin|إجازتي|відгул|відпустку`},
	{cueGreeting, `здравствуйте|здрасьте|привет|добрый день|добрый вечер|доброе утро|приветствую|хай|privet|привіт|вітаю|доброго ранку|добрий вечір|добрий день|hello|hi|hey|hiya|good morning|good evening|hola|buenos días|buenas tardes|buenas noches|buenas|olá|oi|bom dia|boa tarde|boa noite|hallo|guten morgen|guten tag|guten abend|moin|bonjour|salut|bonsoir|coucou|ciao|buongiorno|buonasera|salve|buon pomeriggio|merhaba*|selam|günaydın|iyi akşamlar|iyi günler|السلام عليكم|مرحبا|صباح الخير|مساء الخير|أهلا|هلا`},
	{cueNotUnderstood, `не понял*|что это значит|а это как|не понятно|не зрозумів|що це означає|what does that mean|huh|no entiendo|qué significa|não entendi|o que isso quer dizer|hein|versteh ich nicht|was heißt das|pas compris|ça veut dire quoi|c'est quoi|non ho capito|che vuol dire|anlamadım|ne demek|ما فهمت|وش معنى|هاه`},
}
