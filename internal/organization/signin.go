package organization

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
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
	SignInWindow          = 15 * time.Minute
	MaxFailuresPerAccount = 10
	MaxFailuresPerAddress = 50
)

// tooManyFailedSignIns is the message of a limited attempt.
const tooManyFailedSignIns = "too many failed sign-ins; try again later"

// accountKey identifies the account an attempt names, known or not.
func accountKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// reserveSignIn counts an attempt from address at account as a failure
// before its password is checked, or refuses it once either limit is
// reached, with the time until the limit lifts. Counting first, under a
// lock per address, is what stops a burst of parallel attempts from all
// passing the check before any of them has failed. A successful sign-in
// takes its reservation back (keepSignIn).
func (s *Service) reserveSignIn(ctx context.Context, account, address string) (int64, error) {
	window := SignInWindow.Seconds()
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7361))`, address); err != nil {
			return err
		}
		var perAccount, perAddress int
		var accountLifts, addressLifts *float64 // seconds until the oldest counted failure leaves the window
		err := tx.QueryRowContext(ctx, `
			SELECT count(*) FILTER (WHERE account = $1),
			       count(*),
			       extract(epoch FROM min(failed_at) FILTER (WHERE account = $1) + make_interval(secs => $3) - now())::float8,
			       extract(epoch FROM min(failed_at) + make_interval(secs => $3) - now())::float8
			FROM login_failures
			WHERE address = $2 AND failed_at > now() - make_interval(secs => $3)`,
			account, address, window).Scan(&perAccount, &perAddress, &accountLifts, &addressLifts)
		if err != nil {
			return err
		}
		var lifts *float64
		switch {
		case perAccount >= MaxFailuresPerAccount:
			lifts = accountLifts
		case perAddress >= MaxFailuresPerAddress:
			lifts = addressLifts
		default:
			// Failures that have left the window go as new ones come (the
			// index on failed_at makes that cheap).
			return tx.QueryRowContext(ctx, `
				WITH expired AS (DELETE FROM login_failures WHERE failed_at <= now() - make_interval(secs => $3))
				INSERT INTO login_failures (account, address) VALUES ($1, $2) RETURNING id`,
				account, address, window).Scan(&id)
		}
		e := apperror.New(apperror.RateLimited, tooManyFailedSignIns)
		e.RetryAfter = SignInWindow
		if lifts != nil && *lifts > 0 {
			e.RetryAfter = time.Duration(*lifts * float64(time.Second))
		}
		return e
	})
	if _, ok := apperror.As(err); !ok && err != nil {
		return 0, fmt.Errorf("reserve sign-in attempt: %w", err)
	}
	return id, err
}

// keepSignIn takes back a successful attempt's reservation, and forgets the
// account's failures from address.
func (s *Service) keepSignIn(ctx context.Context, reservation int64, account, address string) error {
	if _, err := s.db.DB.ExecContext(ctx, `DELETE FROM login_failures WHERE id = $1 OR (account = $2 AND address = $3)`, reservation, account, address); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction of its own.
func (s *Service) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
