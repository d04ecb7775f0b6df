package organization

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
)

// Demo organisation facts, printed at start-up and used in the README.
const (
	DemoSlug      = "demo"
	DemoPassword  = "frontdesk-demo"
	DemoPublicKey = "wc_demo_public_key"
	demoLockKey   = 7_361_024_120
)

// DemoEmail is the demo user's address for a role.
func DemoEmail(role auth.Role) string {
	return fmt.Sprintf("%s@demo.frontdesk.test", map[auth.Role]string{
		auth.RoleOwner: "owner", auth.RoleAdmin: "admin", auth.RoleManager: "manager",
		auth.RoleAgent: "agent", auth.RoleEmployee: "employee",
	}[role])
}

// SeedDemo creates, once, a demo organisation with one user per role
// (password DemoPassword) and a web chat channel with DemoPublicKey. It is
// safe to run from several replicas at once. It reports whether it created
// anything.
func (s *Service) SeedDemo(ctx context.Context) (bool, error) {
	created := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, demoLockKey); err != nil {
			return err
		}
		exists, err := tx.NewSelect().Model((*Organization)(nil)).Where("slug = ?", DemoSlug).Exists(ctx)
		if err != nil || exists {
			return err
		}
		org := &Organization{ID: uuid.Must(uuid.NewV7()), Name: "Demo Company", Slug: DemoSlug, TimeZone: "Europe/Berlin", Country: "DE", Currency: "EUR", TeamLanguage: "en", HandoffSLASeconds: 600}
		if _, err := tx.NewInsert().Model(org).Exec(ctx); err != nil {
			return fmt.Errorf("insert demo organization: %w", err)
		}
		for _, role := range auth.UserRoles {
			u, err := s.newUser(org.ID, DemoEmail(role), "Demo "+string(role[0])+strings.ToLower(string(role[1:])), role, DemoPassword)
			if err != nil {
				return err
			}
			if err := insertUser(ctx, tx, u); err != nil {
				return err
			}
		}
		acct, err := channel.Create(ctx, tx, org.ID, channel.WebChat, "Website chat")
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(acct).Set("public_key = ?", DemoPublicKey).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("set demo public key: %w", err)
		}
		created = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed demo: %w", err)
	}
	return created, nil
}

// Demo returns the demo organisation, or nil when the database holds none.
func (s *Service) Demo(ctx context.Context) (*Organization, error) {
	var orgs []Organization
	if err := s.db.NewSelect().Model(&orgs).Where("slug = ?", DemoSlug).Scan(ctx); err != nil {
		return nil, fmt.Errorf("find demo organization: %w", err)
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	return &orgs[0], nil
}

// DeleteDemo deletes the demo organisation inside tx, and with it, through
// the schema's ON DELETE CASCADE, every row that belongs to it (users,
// channels, contacts, conversations, messages, events, leads...). It
// returns the deleted organisation's id, or uuid.Nil when there was none.
// Rows that only refer to the organisation by value, such as River jobs,
// are the caller's to delete in the same transaction. Only the seeded
// organisation has the slug DemoSlug: signUp slugs end in a suffix of
// the organisation's id.
func DeleteDemo(ctx context.Context, tx bun.Tx) (uuid.UUID, error) {
	// The seed's lock: a seed running at the same time waits, and then
	// either sees the demo organisation gone or creates a new one after.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, demoLockKey); err != nil {
		return uuid.Nil, fmt.Errorf("lock demo seed: %w", err)
	}
	var ids []uuid.UUID
	if err := tx.NewDelete().Model((*Organization)(nil)).Where("slug = ?", DemoSlug).Returning("id").Scan(ctx, &ids); err != nil {
		return uuid.Nil, fmt.Errorf("delete demo organization: %w", err)
	}
	if len(ids) == 0 {
		return uuid.Nil, nil
	}
	return ids[0], nil
}

// TokenFor mints a token for an existing active user, by e-mail (the
// `token` command and the start-up banner). An unknown e-mail is a
// NOT_FOUND error and a deactivated user a FORBIDDEN one, each saying so in
// a line an operator can read.
func (s *Service) TokenFor(ctx context.Context, email string) (string, *User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("lower(email) = lower(?)", email).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, apperror.NotFoundf("no user with e-mail %q", email)
	}
	if err != nil {
		return "", nil, fmt.Errorf("find user %q: %w", email, err)
	}
	if !u.Active {
		return "", nil, apperror.New(apperror.Forbidden, "user %q is deactivated", email)
	}
	tok, _, err := s.tokens.IssueUser(u.ID, u.OrganizationID, u.Role)
	return tok, u, err
}
