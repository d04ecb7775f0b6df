// Package auth identifies callers: it issues and verifies JWTs, hashes
// passwords, and carries the authenticated principal in the context so that
// every service can check roles and scope its queries by organisation.
package auth

import (
	"context"

	"github.com/google/uuid"

	"frontdesk/internal/apperror"
)

// Role is what a principal may do. The values are the GraphQL enum's.
type Role string

// Roles. Visitor is not a user role: it is a web chat visitor whose token is
// scoped to one conversation.
const (
	RoleOwner    Role = "OWNER"
	RoleAdmin    Role = "ADMIN"
	RoleManager  Role = "MANAGER"
	RoleAgent    Role = "AGENT"
	RoleEmployee Role = "EMPLOYEE"
	RoleVisitor  Role = "VISITOR"
)

// UserRoles lists the roles a user can hold.
var UserRoles = []Role{RoleOwner, RoleAdmin, RoleManager, RoleAgent, RoleEmployee}

// Role groups used by services.
var (
	// Admins manage the organisation and its users.
	Admins = []Role{RoleOwner, RoleAdmin}
	// Team handles customer conversations.
	Team = []Role{RoleOwner, RoleAdmin, RoleManager, RoleAgent}
	// Staff is every user of the organisation.
	Staff = []Role{RoleOwner, RoleAdmin, RoleManager, RoleAgent, RoleEmployee}
)

// Valid reports whether r is a user role.
func (r Role) Valid() bool {
	for _, v := range UserRoles {
		if r == v {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller.
type Principal struct {
	OrgID uuid.UUID
	Role  Role
	// UserID is set for users.
	UserID uuid.UUID
	// ContactID and ConversationID are set for visitors.
	ContactID      uuid.UUID
	ConversationID uuid.UUID
	// TokenID is the token's jti, used for rate limiting.
	TokenID string
}

// Is reports whether the principal holds one of roles.
func (p *Principal) Is(roles ...Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

type principalKey struct{}
type authErrKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// WithFailure records why a presented token was refused, so that protected
// fields report it while public fields still answer.
func WithFailure(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrKey{}, err)
}

// FromContext returns the principal, if the caller is authenticated. The
// principal of a request or a socket's operation is fixed when it starts:
// nothing it runs can change it (a sign-in answers its own selection as the
// new identity through its payload, not through the context).
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Require returns the principal if it holds one of roles (any role when
// none are given): UNAUTHENTICATED without a valid token, FORBIDDEN for the
// wrong role.
func Require(ctx context.Context, roles ...Role) (*Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		if err, ok := ctx.Value(authErrKey{}).(error); ok {
			return nil, err
		}
		return nil, apperror.New(apperror.Unauthenticated, "authentication required")
	}
	if len(roles) > 0 && !p.Is(roles...) {
		return nil, apperror.New(apperror.Forbidden, "your role may not do this")
	}
	return p, nil
}
