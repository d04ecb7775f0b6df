package organization

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/currency"
	"frontdesk/internal/database"
)

// Service implements the organisation and user use cases.
type Service struct {
	db        *bun.DB
	tokens    *auth.Tokens
	passwords *auth.Passwords
}

// NewService returns a Service.
func NewService(db *bun.DB, tokens *auth.Tokens, passwords *auth.Passwords) *Service {
	return &Service{db: db, tokens: tokens, passwords: passwords}
}

// Session is a signed-in user with a fresh token.
type Session struct {
	Token        string
	ExpiresAt    time.Time
	User         *User
	Organization *Organization
}

// SignUpInput creates an organisation and its owner.
type SignUpInput struct {
	OrganizationName string
	Name             string
	Email            string
	Password         string
	TimeZone         string
	Country          string
	Currency         string
	TeamLanguage     string
}

// SignUp creates the organisation, its owner and a web chat channel in one
// transaction, and signs the owner in.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*Session, error) {
	in.OrganizationName = strings.TrimSpace(in.OrganizationName)
	if err := checkName("organizationName", in.OrganizationName); err != nil {
		return nil, err
	}
	org := &Organization{
		ID: uuid.Must(uuid.NewV7()), Name: in.OrganizationName,
		TimeZone: "UTC", Country: "US", Currency: "USD", TeamLanguage: "en", HandoffSLASeconds: 600,
	}
	if err := applySettings(org, SettingsInput{TimeZone: nonEmpty(in.TimeZone), Country: nonEmpty(in.Country), Currency: nonEmpty(in.Currency), TeamLanguage: nonEmpty(in.TeamLanguage)}); err != nil {
		return nil, err
	}
	org.Slug = slugify(org.Name) + "-" + org.ID.String()[len(org.ID.String())-6:]
	owner, err := s.newUser(org.ID, in.Email, in.Name, auth.RoleOwner, in.Password)
	if err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(org).Returning("created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert organization: %w", err)
		}
		if err := insertUser(ctx, tx, owner); err != nil {
			return err
		}
		_, err := channel.Create(ctx, tx, org.ID, channel.WebChat, "Web chat")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign up: %w", err)
	}
	return s.session(owner, org)
}

// Login checks an e-mail and password from a client at address. Failed
// attempts are limited per (account, address) and per address (see
// SignInWindow); an unknown e-mail takes the same path, with the same
// answers and the same password-check cost, as a wrong password.
func (s *Service) Login(ctx context.Context, email, password, address string) (*Session, error) {
	account := accountKey(email)
	reservation, err := s.reserveSignIn(ctx, account, address)
	if err != nil {
		return nil, err
	}
	u := new(User)
	err = s.db.NewSelect().Model(u).Where("lower(email) = lower(?)", strings.TrimSpace(email)).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("login: find user: %w", err)
	}
	// Check the password even for an unknown address so that timing does
	// not reveal which addresses exist. A failure stays counted.
	if !s.passwords.Check(u.PasswordHash, password) || !u.Active {
		return nil, apperror.New(apperror.Unauthenticated, "wrong e-mail or password")
	}
	if err := s.keepSignIn(ctx, reservation, account, address); err != nil {
		return nil, err
	}
	org, err := s.orgByID(ctx, u.OrganizationID)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return s.session(u, org)
}

func (s *Service) session(u *User, org *Organization) (*Session, error) {
	tok, exp, err := s.tokens.IssueUser(u.ID, org.ID, u.Role)
	if err != nil {
		return nil, err
	}
	return &Session{Token: tok, ExpiresAt: exp, User: u, Organization: org}, nil
}

// InviteInput adds a user to the caller's organisation.
type InviteInput struct {
	Email    string
	Name     string
	Role     auth.Role
	Password string
}

// Invite adds a user; owners and admins only, and only owners may create
// owners.
func (s *Service) Invite(ctx context.Context, in InviteInput) (*User, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	if in.Role == auth.RoleOwner && p.Role != auth.RoleOwner {
		return nil, apperror.New(apperror.Forbidden, "only an owner can add an owner")
	}
	u, err := s.newUser(p.OrgID, in.Email, in.Name, in.Role, in.Password)
	if err != nil {
		return nil, err
	}
	if err := insertUser(ctx, s.db, u); err != nil {
		return nil, fmt.Errorf("invite user: %w", err)
	}
	return u, nil
}

// UpdateRole changes a user's role. The last active owner cannot be
// demoted, and only owners may grant or take away ownership.
func (s *Service) UpdateRole(ctx context.Context, userID uuid.UUID, role auth.Role) (*User, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, apperror.Invalid("role", "unknown role")
	}
	var u *User
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = s.lockUser(ctx, tx, p.OrgID, userID); err != nil {
			return err
		}
		if (u.Role == auth.RoleOwner || role == auth.RoleOwner) && p.Role != auth.RoleOwner {
			return apperror.New(apperror.Forbidden, "only an owner can change ownership")
		}
		if u.Role == auth.RoleOwner && role != auth.RoleOwner {
			if err := s.keepAnOwner(ctx, tx, p.OrgID, u.ID); err != nil {
				return err
			}
		}
		u.Role = role
		_, err = tx.NewUpdate().Model(u).Column("role").Set("updated_at = now()").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update role: %w", err)
	}
	return u, nil
}

// Deactivate stops a user from signing in; their tokens stop working at
// once, because every request re-reads the user.
func (s *Service) Deactivate(ctx context.Context, userID uuid.UUID) (*User, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = s.lockUser(ctx, tx, p.OrgID, userID); err != nil {
			return err
		}
		if u.Role == auth.RoleOwner {
			if p.Role != auth.RoleOwner {
				return apperror.New(apperror.Forbidden, "only an owner can deactivate an owner")
			}
			if err := s.keepAnOwner(ctx, tx, p.OrgID, u.ID); err != nil {
				return err
			}
		}
		u.Active = false
		_, err = tx.NewUpdate().Model(u).Column("active").Set("updated_at = now()").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deactivate user: %w", err)
	}
	return u, nil
}

func (s *Service) lockUser(ctx context.Context, tx bun.Tx, orgID, userID uuid.UUID) (*User, error) {
	u := new(User)
	err := tx.NewSelect().Model(u).Where("organization_id = ? AND id = ?", orgID, userID).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("user not found")
	}
	return u, err
}

// keepAnOwner fails unless another active owner than userID remains. It
// locks the owners so two concurrent demotions cannot both pass.
func (s *Service) keepAnOwner(ctx context.Context, tx bun.Tx, orgID, userID uuid.UUID) error {
	var others []uuid.UUID
	err := tx.NewSelect().Model((*User)(nil)).Column("id").
		Where("organization_id = ? AND role = ? AND active AND id <> ?", orgID, auth.RoleOwner, userID).
		For("UPDATE").Scan(ctx, &others)
	if err != nil {
		return err
	}
	if len(others) == 0 {
		return apperror.New(apperror.Conflict, "the organisation needs at least one active owner")
	}
	return nil
}

// Users lists the caller's organisation's users by id (UUIDv7, so by
// creation), after the given id.
func (s *Service) Users(ctx context.Context, first int, after *uuid.UUID) ([]*User, bool, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, false, err
	}
	var out []*User
	q := s.db.NewSelect().Model(&out).Where("organization_id = ?", p.OrgID).Order("id").Limit(int64(first + 1))
	if after != nil {
		q.Where("id > ?", *after)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("list users: %w", err)
	}
	more := len(out) > first
	if more {
		out = out[:first]
	}
	return out, more, nil
}

// Me returns the signed-in user.
func (s *Service) Me(ctx context.Context) (*User, error) {
	p, err := auth.Require(ctx, auth.Staff...)
	if err != nil {
		return nil, err
	}
	users, err := UsersByIDs(ctx, s.db, p.OrgID, []uuid.UUID{p.UserID})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, apperror.NotFoundf("user not found")
	}
	return users[0], nil
}

// Current returns the caller's organisation (visitors included).
func (s *Service) Current(ctx context.Context) (*Organization, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return s.orgByID(ctx, p.OrgID)
}

func (s *Service) orgByID(ctx context.Context, id uuid.UUID) (*Organization, error) {
	org := new(Organization)
	err := s.db.NewSelect().Model(org).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("organization not found")
	}
	if err != nil {
		return nil, fmt.Errorf("load organization: %w", err)
	}
	return org, nil
}

// OrgsByIDs loads organisations for a principal of orgID (dataloaders): a
// principal only ever sees its own organisation, whatever ids it asks for.
func OrgsByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*Organization, error) {
	var out []*Organization
	err := db.NewSelect().Model(&out).Where("id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load organizations: %w", err)
	}
	return out, nil
}

// UsersByIDs loads users of one organisation (dataloaders, principals).
func UsersByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*User, error) {
	var out []*User
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	return out, nil
}

// SettingsInput changes organisation settings; nil fields stay as they are.
type SettingsInput struct {
	Name                *string
	TimeZone            *string
	Country             *string
	Currency            *string
	TeamLanguage        *string
	HandoffSLASeconds   *int
	Tone                *Tone
	BotDisclosure       *string
	ConfidenceThreshold *float64
	BusinessHours       []BusinessHours // nil: unchanged; empty: always open
	EscalationRules     *EscalationRules
	HandoffRouting      *HandoffRouting
}

// UpdateSettings changes the caller's organisation; owners and admins only.
func (s *Service) UpdateSettings(ctx context.Context, in SettingsInput) (*Organization, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	var org *Organization
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		org = new(Organization)
		if err := tx.NewSelect().Model(org).Where("id = ?", p.OrgID).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		if err := applySettings(org, in); err != nil {
			return err
		}
		if err := checkRoutes(ctx, tx, org); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(org).WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update settings: %w", err)
	}
	return org, nil
}

var (
	countryRe  = regexp.MustCompile(`^[A-Z]{2}$`)
	languageRe = regexp.MustCompile(`^[a-z]{2}$`)
)

func applySettings(org *Organization, in SettingsInput) error {
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if err := checkName("name", name); err != nil {
			return err
		}
		org.Name = name
	}
	if in.TimeZone != nil {
		if _, err := time.LoadLocation(*in.TimeZone); err != nil || *in.TimeZone == "" || *in.TimeZone == "Local" {
			return apperror.Invalid("timeZone", "unknown time zone %q; use an IANA name like Europe/Berlin", *in.TimeZone)
		}
		org.TimeZone = *in.TimeZone
	}
	if in.Country != nil {
		c := strings.ToUpper(*in.Country)
		if !countryRe.MatchString(c) {
			return apperror.Invalid("country", "country must be an ISO 3166 alpha-2 code like DE")
		}
		org.Country = c
	}
	if in.Currency != nil {
		c, ok := currency.Normalize(*in.Currency)
		if !ok {
			return apperror.Invalid("currency", "currency must be an ISO 4217 code like EUR")
		}
		org.Currency = c
	}
	if in.TeamLanguage != nil {
		l := strings.ToLower(*in.TeamLanguage)
		if !languageRe.MatchString(l) {
			return apperror.Invalid("teamLanguage", "team language must be an ISO 639-1 code like en")
		}
		org.TeamLanguage = l
	}
	if in.Tone != nil {
		org.Settings.Tone = *in.Tone
	}
	if in.BotDisclosure != nil {
		org.Settings.BotDisclosure = strings.TrimSpace(*in.BotDisclosure)
	}
	if in.ConfidenceThreshold != nil {
		org.Settings.ConfidenceThreshold = *in.ConfidenceThreshold
	}
	if in.BusinessHours != nil {
		org.Settings.BusinessHours = in.BusinessHours
	}
	if in.EscalationRules != nil {
		rules := *in.EscalationRules
		if m := rules.OrderValueAbove; m != nil {
			// Stored in canonical form; validateSettings refuses what
			// Normalize does not know.
			if c, ok := currency.Normalize(m.Currency); ok {
				rules.OrderValueAbove = &Money{Amount: m.Amount, Currency: c}
			}
		}
		org.Settings.EscalationRules = rules
	}
	if in.HandoffRouting != nil {
		org.Settings.HandoffRouting = *in.HandoffRouting
	}
	if err := validateSettings(org.Settings); err != nil {
		return err
	}
	if in.HandoffSLASeconds != nil {
		if *in.HandoffSLASeconds < 1 || *in.HandoffSLASeconds > 7*24*3600 {
			return apperror.Invalid("handoffSlaSeconds", "hand-off SLA must be between 1 second and 7 days")
		}
		org.HandoffSLASeconds = *in.HandoffSLASeconds
	}
	return nil
}

// checkRoutes makes sure every routed user is an active team member of the
// organisation.
func checkRoutes(ctx context.Context, tx bun.Tx, org *Organization) error {
	for _, r := range org.Settings.HandoffRouting.Routes {
		ok, err := tx.NewSelect().Model((*User)(nil)).
			Where("organization_id = ? AND id = ? AND active AND role IN (?)", org.ID, r.UserID, bun.List(auth.Team)).Exists(ctx)
		if err != nil {
			return fmt.Errorf("check route user: %w", err)
		}
		if !ok {
			return apperror.Invalid("handoffRouting.routes", "no active team member with id %s", r.UserID)
		}
	}
	return nil
}

func (s *Service) newUser(orgID uuid.UUID, email, name string, role auth.Role, password string) (*User, error) {
	email = strings.TrimSpace(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, apperror.Invalid("email", "invalid e-mail address")
	}
	name = strings.TrimSpace(name)
	if err := checkName("name", name); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, apperror.Invalid("role", "unknown role")
	}
	if n := utf8.RuneCountInString(password); n < auth.MinPasswordLength || len(password) > auth.MaxPasswordLength {
		return nil, apperror.Invalid("password", "password must be %d to %d bytes long", auth.MinPasswordLength, auth.MaxPasswordLength)
	}
	hash, err := s.passwords.Hash(password)
	if err != nil {
		return nil, err
	}
	return &User{ID: uuid.Must(uuid.NewV7()), OrganizationID: orgID, Email: email, Name: name, Role: role, PasswordHash: hash, Active: true}, nil
}

func insertUser(ctx context.Context, db bun.IDB, u *User) error {
	_, err := db.NewInsert().Model(u).Returning("created_at, updated_at").Exec(ctx)
	if database.IsUniqueViolation(err) {
		return apperror.New(apperror.Conflict, "a user with this e-mail already exists")
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func checkName(field, name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
		return apperror.Invalid(field, "%s must be 1 to 200 characters", field)
	}
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func slugify(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "org"
	}
	return s
}

// Verify checks a token's signature and claims without reading the
// database (Authenticate also checks that its user is still active).
func (s *Service) Verify(token string) (*auth.Claims, error) { return s.tokens.Parse(token) }

// Authenticate verifies a bearer token and returns its principal. Users are
// re-read on every call, so a deactivated user's tokens stop working at once
// and a changed role applies to the next request.
func (s *Service) Authenticate(ctx context.Context, token string) (*auth.Principal, time.Time, error) {
	c, err := s.tokens.Parse(token)
	if err != nil {
		return nil, time.Time{}, err
	}
	orgID := uuid.MustParse(c.Org)
	sub := uuid.MustParse(c.Subject)
	exp := c.ExpiresAt.Time
	if c.Role == auth.RoleVisitor {
		return &auth.Principal{OrgID: orgID, Role: auth.RoleVisitor, ContactID: sub, ConversationID: uuid.MustParse(c.Conv), TokenID: c.ID}, exp, nil
	}
	users, err := UsersByIDs(ctx, s.db, orgID, []uuid.UUID{sub})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("authenticate: %w", err)
	}
	if len(users) == 0 || !users[0].Active {
		return nil, time.Time{}, apperror.New(apperror.Unauthenticated, "user is deactivated or gone")
	}
	return &auth.Principal{OrgID: orgID, Role: users[0].Role, UserID: sub, TokenID: c.ID}, exp, nil
}

// SettingsOf returns org's effective settings to a team member of org.
func (s *Service) SettingsOf(ctx context.Context, org *Organization) (*Settings, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	if p.OrgID != org.ID {
		return nil, apperror.NotFoundf("organization not found")
	}
	eff := org.Settings.Effective()
	return &eff, nil
}
