package organization

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"frontdesk/internal/apperror"
)

// Sign-in limits: failures counted over SignInWindow, per (account,
// address) and per address. A limited attempt is refused before its
// password is checked, and is not itself counted, so the limit lifts one
// window after the failures that caused it. The per-address figure is
// higher because an office signs in from one address.
const (
	SignInWindow              = 15 * time.Minute
	MaxFailuresPerAccount     = 10
	MaxFailuresPerAddress     = 50
	signInWindowSQL           = "15 minutes"
	errTooManyFailedSignInMsg = "too many failed sign-ins; try again later"
)

// accountKey identifies the account an attempt names, known or not.
func accountKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// checkSignInLimit refuses an attempt from address at account once either
// limit is reached, with the time until it lifts.
func (s *Service) checkSignInLimit(ctx context.Context, account, address string) error {
	var perAccount, perAddress int
	var accountLifts, addressLifts *float64 // seconds until the oldest counted failure leaves the window
	err := s.db.DB.QueryRowContext(ctx, `
		SELECT count(*) FILTER (WHERE account = $1),
		       count(*),
		       extract(epoch FROM min(failed_at) FILTER (WHERE account = $1) + interval '`+signInWindowSQL+`' - now())::float8,
		       extract(epoch FROM min(failed_at) + interval '`+signInWindowSQL+`' - now())::float8
		FROM login_failures
		WHERE address = $2 AND failed_at > now() - interval '`+signInWindowSQL+`'`,
		account, address).Scan(&perAccount, &perAddress, &accountLifts, &addressLifts)
	if err != nil {
		return fmt.Errorf("check sign-in limit: %w", err)
	}
	var wait *float64
	switch {
	case perAccount >= MaxFailuresPerAccount:
		wait = accountLifts
	case perAddress >= MaxFailuresPerAddress:
		wait = addressLifts
	default:
		return nil
	}
	e := apperror.New(apperror.RateLimited, errTooManyFailedSignInMsg)
	e.RetryAfter = SignInWindow
	if wait != nil && *wait > 0 {
		e.RetryAfter = time.Duration(*wait * float64(time.Second))
	}
	return e
}

// recordSignInFailure counts a failed attempt, and drops failures that have
// left the window (the index on failed_at makes that cheap).
func (s *Service) recordSignInFailure(ctx context.Context, account, address string) error {
	_, err := s.db.DB.ExecContext(ctx, `
		WITH expired AS (DELETE FROM login_failures WHERE failed_at <= now() - interval '`+signInWindowSQL+`')
		INSERT INTO login_failures (account, address) VALUES ($1, $2)`, account, address)
	if err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

// clearSignInFailures forgets an account's failures from address after it
// signed in there.
func (s *Service) clearSignInFailures(ctx context.Context, account, address string) error {
	if _, err := s.db.DB.ExecContext(ctx, `DELETE FROM login_failures WHERE account = $1 AND address = $2`, account, address); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}
