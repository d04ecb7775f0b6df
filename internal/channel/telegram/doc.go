// Package telegram is the Telegram Bot API adapter: it checks and parses
// the webhook's Updates into wire.Events (inbound.go) and sends
// wire.Outbound messages through the Bot API (client.go). It holds no
// state and touches no database; the bot token is passed per call because
// one process serves many bots.
package telegram
