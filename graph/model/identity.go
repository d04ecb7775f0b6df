package model

import (
	"frontdesk/internal/auth"
	"frontdesk/internal/conversation"
	"frontdesk/internal/organization"
)

// IdentityCarrier is a payload of an operation that establishes an
// identity (a sign-in, a sign-up, a web chat): the fields beneath it resolve
// as that identity, read from the payload itself, while the request's own
// principal stays what its token made it.
type IdentityCarrier interface {
	Identity() *auth.Principal
}

// AuthPayload answers signUp and login.
type AuthPayload struct {
	Token        string                     `json:"token"`
	User         *organization.User         `json:"user"`
	Organization *organization.Organization `json:"organization"`
	// Principal is the user who just signed in.
	Principal *auth.Principal `json:"-"`
}

// Identity is the user who just signed in.
func (p *AuthPayload) Identity() *auth.Principal { return p.Principal }

// WebChatSession answers startWebChat.
type WebChatSession struct {
	Token        string                     `json:"token"`
	Conversation *conversation.Conversation `json:"conversation"`
	// Principal is the visitor whose conversation was opened.
	Principal *auth.Principal `json:"-"`
}

// Identity is the visitor whose conversation was opened.
func (s *WebChatSession) Identity() *auth.Principal { return s.Principal }
