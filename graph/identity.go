package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"frontdesk/graph/model"
	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
)

// withIdentity is a field middleware: a field beneath the payload of an
// operation that establishes an identity (login, signUp, startWebChat)
// resolves as that identity, which it reads from the payload object. The
// request's (or socket's) own principal never changes: a sign-in over an
// anonymous socket does not sign the socket in, and one over an agent's
// request does not make the agent someone else.
func withIdentity(ctx context.Context, next graphql.Resolver) (any, error) {
	// Every identity field is a mutation's: queries and subscriptions,
	// which are most of the fields resolved, pass straight through.
	if rc := graphql.GetOperationContext(ctx); rc.Operation == nil || rc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return next(ctx)
	}
	for p := fc.Parent; p != nil; p = p.Parent {
		if c, ok := p.Result.(model.IdentityCarrier); ok {
			if id := c.Identity(); id != nil {
				ctx = auth.WithPrincipal(ctx, id)
			}
			break
		}
	}
	return next(ctx)
}

// identityFields are the root fields that establish an identity or hash a
// password. One operation may hold at most one of them, so that one request
// never costs more than one password hash and cannot try many passwords at
// once (forty aliased logins would run forty checks and show which one was
// right).
var identityFields = map[string]bool{
	"login":        true,
	"signUp":       true,
	"startWebChat": true,
	"inviteUser":   true,
}

// oneIdentityField refuses, before anything runs, an operation with more
// than one identity field.
type oneIdentityField struct{}

var (
	_ graphql.HandlerExtension        = oneIdentityField{}
	_ graphql.OperationContextMutator = oneIdentityField{}
)

func (oneIdentityField) ExtensionName() string                   { return "OneIdentityField" }
func (oneIdentityField) Validate(graphql.ExecutableSchema) error { return nil }

func (oneIdentityField) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	if n := countIdentityFields(rc.Operation.SelectionSet, rc.Doc.Fragments, 0); n > 1 {
		return &gqlerror.Error{
			Message:    "an operation may sign in, sign up, open a web chat or invite a user only once; send one per request",
			Extensions: map[string]any{"code": string(apperror.InvalidInput)},
		}
	}
	return nil
}

// countIdentityFields counts the identity fields among the root fields of
// set, through fragments (depth-limited, although validation has already
// refused fragment cycles).
func countIdentityFields(set ast.SelectionSet, fragments ast.FragmentDefinitionList, depth int) int {
	if depth > 10 {
		return 0
	}
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if identityFields[sel.Name] {
				n++
			}
		case *ast.InlineFragment:
			n += countIdentityFields(sel.SelectionSet, fragments, depth+1)
		case *ast.FragmentSpread:
			if f := fragments.ForName(sel.Name); f != nil {
				n += countIdentityFields(f.SelectionSet, fragments, depth+1)
			}
		}
	}
	return n
}
