// Package lead is Frontdesk's first scenario, lead qualification: a price
// question is answered from the organisation's price list, then the bot
// collects budget, need, start, city and preferred contact from free text
// in any order and any built-in language, qualifies the lead against the
// organisation's rules, and either books a call in a free consultation slot
// or hands the complete lead to the routed manager.
//
// The package has three layers, each usable alone:
//
//   - pure logic, deterministic for a given clock: [MatchPrice], [Parse],
//     [Merge], [Missing], [Qualify], [Slots], [ChooseSlot];
//   - a store whose functions take a bun.IDB (so the pipeline can call them
//     inside its own transaction): [Load], [Save], [CreateOrUpdateLead],
//     [BookMeeting], [BookedStarts], ...;
//   - a [Service] for the API, which checks the caller's role and scopes
//     every query by the caller's organisation.
//
// Budgets are compared in the organisation's currency and never converted:
// a budget in another currency yields [VerdictCurrencyMismatch], and the
// scenario asks for the budget again in the organisation's currency.
package lead
