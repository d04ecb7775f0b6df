// Package organization manages tenants and their people: sign-up, log-in,
// invitations, roles, deactivation and organisation settings.
package organization

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/auth"
)

// Organization is one tenant. Every other row carries its id.
type Organization struct {
	bun.BaseModel `bun:"table:organizations"`

	ID           uuid.UUID `bun:"id,pk,type:uuid"`
	Name         string    `bun:"name"`
	Slug         string    `bun:"slug"`
	TimeZone     string    `bun:"time_zone"`
	Country      string    `bun:"country"`
	Currency     string    `bun:"currency"`
	TeamLanguage string    `bun:"team_language"`
	// HandoffSLASeconds is how long a handed-off conversation may wait for
	// a human reply before it escalates.
	HandoffSLASeconds int `bun:"handoff_sla_seconds"`
	// Settings steer the bot; read them through Settings.Effective.
	Settings  Settings  `bun:"settings,type:jsonb"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// User is a member of an organisation's team.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID             uuid.UUID `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID `bun:"organization_id,type:uuid"`
	Email          string    `bun:"email"`
	Name           string    `bun:"name"`
	Role           auth.Role `bun:"role"`
	PasswordHash   string    `bun:"password_hash"`
	Active         bool      `bun:"active"`
	CreatedAt      time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt      time.Time `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}
