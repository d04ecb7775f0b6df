package delivery

import (
	"context"
	"fmt"

	"frontdesk/internal/channel"
	"frontdesk/jobs"
)

// AnswerCallback acknowledges a Telegram button press. A disconnected
// account, or a press Telegram no longer accepts an answer for, is left
// alone: the spinner stops by itself on the customer's side.
func (s *Service) AnswerCallback(ctx context.Context, args jobs.AnswerCallbackArgs) error {
	a, err := s.conns.Account(ctx, args.ChannelAccountID)
	if err != nil {
		return fmt.Errorf("answer callback: %w", err)
	}
	if a.OrganizationID != args.OrganizationID || a.Kind != channel.Telegram || a.Status == channel.StatusDisconnected {
		return nil
	}
	var c channel.TelegramCredentials
	if err := s.conns.Credentials(ctx, a, &c); err != nil {
		return fmt.Errorf("answer callback: %w", err)
	}
	return s.tg.AnswerCallbackQuery(ctx, c.BotToken, args.CallbackID, "")
}
