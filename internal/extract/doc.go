// Package extract pulls the entities Frontdesk acts on out of a customer's or
// an employee's message: order id, phone, email, dates and times, amounts of
// money, SKU and city (see docs/intents.md, section "Entities").
//
// It reports only what is literally written and never invents a value: an
// amount written without a currency marker has an empty Currency, a date with
// no time has HasTime false. Extraction is deterministic: the clock and the
// organisation's time zone come in through [Options], so the same text and
// options always give the same [Entities].
//
// The work is done by hand-written scanners over one tokenisation of the
// text, with a few precompiled linear-time regular expressions for ids and
// emails, so a message costs tens of microseconds rather than the
// milliseconds that general date-parsing libraries take.
//
// Order of claims: email, SKU, order id, phone, amounts with a currency or a
// multiplier, dates and times, then amounts recognised only by a money word
// ("бюджет 300"). A stretch of text claimed by one entity is not read again by
// a later one, so a phone number or an order id is never also an amount or a
// date.
package extract
