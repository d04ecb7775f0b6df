package graph

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"frontdesk/graph/wstransport"
	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/ratelimit"
)

// socketSession is one WebSocket's identity. It is fixed at
// connection_init, from the token of the upgrade request or of
// connection_init (which must agree), and only the server's periodic
// re-check changes it: a new role, or the socket's end. Each operation runs
// with a snapshot of it taken when the operation starts.
type socketSession struct {
	token     string // "" for an anonymous socket
	addr      string // the client's address
	principal atomic.Pointer[auth.Principal]
}

type socketSessionKey struct{}

func sessionFrom(ctx context.Context) *socketSession {
	s, _ := ctx.Value(socketSessionKey{}).(*socketSession)
	return s
}

// sockets authenticates, re-checks and limits the WebSockets of one
// endpoint.
type sockets struct {
	authn   Authenticator
	limiter *ratelimit.Limiter
	slots   *ratelimit.Slots
	// authorize re-checks a running subscription with the socket's
	// current identity.
	authorize func(ctx context.Context) error
}

// errTokensDiffer refuses a socket that presents two identities.
var errTokensDiffer = errors.New("the upgrade request's token and connection_init's differ")

// init handles connection_init. ctx is the connection's lifetime, derived
// from the upgrade request (see withAuth).
func (s *sockets) init(ctx context.Context, payload map[string]any) (context.Context, error) {
	req := requestFrom(ctx)
	token := bearer(stringField(payload, "Authorization", "authorization"))
	if token == "" {
		token = stringField(payload, "token")
	}
	switch {
	case token != "" && req.token != "" && token != req.token:
		return nil, errTokensDiffer
	case token == "":
		token = req.token
	}
	sess := &socketSession{token: token, addr: req.addr}
	conn := ctx
	// Operations take their principal from the session, never from the
	// upgrade request.
	ctx = auth.WithPrincipal(context.WithValue(ctx, socketSessionKey{}, sess), nil)
	if token != "" {
		p, exp, err := s.authn.Authenticate(ctx, token)
		if err != nil {
			if !isVerdict(err) {
				// The check could not be made (the database is down): the
				// client should come back later, not sign in again.
				return nil, wstransport.Refuse(websocket.StatusTryAgainLater, "Try again later")
			}
			return nil, err
		}
		sess.principal.Store(p)
		// The transport closes the socket (4403) when this deadline, the
		// token's expiry, passes.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, exp)
		context.AfterFunc(conn, cancel)
	}
	key := sess.slotKey()
	if !s.slots.Acquire(key) {
		return nil, wstransport.Refuse(wstransport.CloseTooManyInitRequest, "Too many open sockets")
	}
	context.AfterFunc(conn, func() { s.slots.Release(key) })
	return ctx, nil
}

// slotKey is what the socket's place counts against: its user, or its
// client address for a visitor or an anonymous socket (visitors are free to
// mint, so they count where they come from).
func (sess *socketSession) slotKey() string {
	if p := sess.principal.Load(); p != nil && p.Role != auth.RoleVisitor {
		return "u:" + p.UserID.String()
	}
	return "a:" + ratelimit.Subnet(sess.addr)
}

// operation gives one operation its snapshot of the session's identity,
// after counting it against the rate limit.
func (s *sockets) operation(session context.Context) (context.Context, error) {
	sess := sessionFrom(session)
	if sess == nil {
		return session, nil
	}
	p := sess.principal.Load()
	if !allow(s.limiter, principalKeys(p, sess.addr)) {
		return nil, apperror.New(apperror.RateLimited, "too many requests; slow down")
	}
	return auth.WithPrincipal(session, p), nil
}

// revalidate re-checks the socket's token and user. Deactivated, gone or
// expired is a verdict (the socket closes with 4403); a check that could not
// be made (the database is unreachable) is temporary. A new role is taken
// into the session and reported as a change, so running subscriptions are
// re-checked.
func (s *sockets) revalidate(ctx context.Context) (bool, error) {
	sess := sessionFrom(ctx)
	if sess == nil || sess.token == "" {
		return false, nil
	}
	p, _, err := s.authn.Authenticate(ctx, sess.token)
	if err != nil {
		if isVerdict(err) {
			return false, err
		}
		return false, wstransport.Temporary(err)
	}
	old := sess.principal.Swap(p)
	return old == nil || old.Role != p.Role, nil
}

// isVerdict reports whether an authentication error says the token or its
// user is no good (invalid, expired, deactivated, gone), as opposed to a
// check that could not be made.
func isVerdict(err error) bool {
	ae, ok := apperror.As(err)
	return ok && (ae.Code == apperror.Unauthenticated || ae.Code == apperror.Forbidden)
}

// reauthorize re-checks a running operation with the socket's current
// identity.
func (s *sockets) reauthorize(ctx context.Context) error {
	if sess := sessionFrom(ctx); sess != nil {
		ctx = auth.WithPrincipal(ctx, sess.principal.Load())
	}
	return s.authorize(ctx)
}

// authorizeSubscription checks that the caller may hold each root field of
// ctx's subscription: the same check each field's resolver makes when it
// starts. A subscription field this does not know is refused, so a new one
// cannot run on unchecked after a role change.
func (r *Resolver) authorizeSubscription(ctx context.Context) error {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	rc := graphql.GetOperationContext(ctx)
	if rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return nil
	}
	for _, f := range graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"}) {
		var err error
		switch f.Name {
		case "__typename":
		case "inboxEvents":
			err = r.ConvSvc.AuthorizeInbox(ctx)
		case "conversationEvents":
			id, perr := uuid.Parse(fmt.Sprint(f.ArgumentMap(rc.Variables)["conversationId"]))
			if perr != nil {
				return apperror.Invalid("conversationId", "not a conversation id")
			}
			_, err = r.ConvSvc.Get(ctx, id)
		default:
			err = apperror.New(apperror.Forbidden, "subscription %s cannot be re-checked", f.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
