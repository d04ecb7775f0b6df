package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"frontdesk/graph/generated"
	"frontdesk/graph/model"
	"frontdesk/internal/conversation"
	"frontdesk/internal/lead"
)

// depthLimit rejects operations whose selections nest deeper than max,
// before anything executes. Introspection (__schema, __type and everything
// under them) does not count: graphql-js's getIntrospectionQuery(), which
// GraphiQL, Apollo Sandbox, graphql-codegen and Postman send, nests 15 deep
// through its ofType chain, and what it walks is the schema held in memory,
// not data (gqlgen's complexity limit leaves __schema out for the same
// reason). Production refuses introspection altogether.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0); depth > d.max {
		err := gqlerror.Errorf("operation has depth %d, which exceeds the limit of %d", depth, d.max)
		err.Extensions = map[string]any{"code": "QUERY_TOO_DEEP"}
		return err
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	if seen > 64 {
		return seen // fragments cannot recurse (validation forbids cycles); this bounds the walk anyway
	}
	best := seen
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if isIntrospection(s.Name) {
				continue
			}
			if len(s.SelectionSet) == 0 {
				d = seen + 1
			} else {
				d = selectionDepth(s.SelectionSet, frags, seen+1)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, seen)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = selectionDepth(f.SelectionSet, frags, seen)
			}
		}
		if d > best {
			best = d
		}
	}
	return best
}

// isIntrospection reports whether a field is an introspection entry point.
// __typename is not one: it is a leaf and counts like any other field.
func isIntrospection(field string) bool {
	return field == "__schema" || field == "__type"
}

// complexity prices lists by how many items they may return, so that
// `first: 100` of a nested list costs a hundred times its children.
func complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Conversations = func(child int, first *int, _ *string, _ *model.ConversationFilter) int {
		return listCost(first, child)
	}
	c.Query.Leads = func(child int, first *int, _ *string, _ *lead.Filter) int {
		return listCost(first, child)
	}
	c.Query.Users = func(child int, first *int, _ *string) int { return listCost(first, child) }
	c.Conversation.Messages = func(child int, first *int, _ *string) int { return listCost(first, child) }
	c.Query.ChannelAccounts = func(child int) int { return 10 * (child + 1) }
	return c
}

func listCost(first *int, child int) int {
	n := conversation.DefaultPageSize
	if first != nil && *first >= 0 {
		n = *first
	}
	if n == 0 {
		n = 1
	}
	return n * (child + 1)
}
