package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// refuseIntrospection refuses, in production, an operation that selects
// __schema or __type, before anything executes. Without it gqlgen answers
// such a field with a plain error, which the presenter can only log and
// show as INTERNAL; a client asking is not a fault of the server, so it is
// refused like any other invalid request: GRAPHQL_VALIDATION_FAILED, as
// graphql-js and Apollo answer it, and nothing logged. (__typename is not
// introspection of the schema and stays allowed.)
type refuseIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = refuseIntrospection{}

func (refuseIntrospection) ExtensionName() string                   { return "RefuseIntrospection" }
func (refuseIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (refuseIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !selectsIntrospection(oc.Operation.SelectionSet, oc.Doc.Fragments, map[string]bool{}) {
		return nil
	}
	err := gqlerror.Errorf("introspection is disabled in production")
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// selectsIntrospection reports whether set selects __schema or __type at any
// depth, through fragments too; seen stops a fragment being walked twice.
func selectsIntrospection(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if isIntrospection(s.Name) || selectsIntrospection(s.SelectionSet, frags, seen) {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(s.SelectionSet, frags, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := frags.ForName(s.Name); f != nil && selectsIntrospection(f.SelectionSet, frags, seen) {
				return true
			}
		}
	}
	return false
}
