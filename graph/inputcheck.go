package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"frontdesk/internal/apperror"
)

// DefaultMaxText is the longest String input, in characters, that has no
// @text(max:) of its own; the schema's @text directive declares the same
// default.
const DefaultMaxText = 200

// textDirective is the schema directive that sets a String input's limit
// and whether it is free text.
const textDirective = "text"

// inputCheck checks every String input of an operation (arguments of every
// field at any depth, fields of input objects, list items, literals and
// variables alike) against the schema's @text rules before anything
// executes, so that no resolver, service or SQL statement ever sees NUL, a
// control character in a name or key, or an unbounded string, and a field
// added to the schema cannot skip the check. The first violation refuses
// the whole operation with INVALID_INPUT naming the input.
type inputCheck struct {
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*inputCheck)(nil)

func (*inputCheck) ExtensionName() string { return "InputCheck" }

// Validate keeps the schema that operations are checked against.
func (c *inputCheck) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

func (c *inputCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := inputWalk{schema: c.schema, vars: oc.Variables, frags: oc.Doc.Fragments, seen: map[string]bool{}}
	if ae := w.selections(oc.Operation.SelectionSet); ae != nil {
		return &gqlerror.Error{Message: ae.Message, Err: ae, Extensions: map[string]any{"code": string(ae.Code), "field": ae.Field}}
	}
	return nil
}

// inputWalk is one operation's check.
type inputWalk struct {
	schema *ast.Schema
	vars   map[string]any
	frags  ast.FragmentDefinitionList
	seen   map[string]bool // fragments already walked: their arguments are the same wherever they are spread
}

func (w *inputWalk) selections(set ast.SelectionSet) *apperror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Definition != nil {
				for _, arg := range s.Arguments {
					def := s.Definition.Arguments.ForName(arg.Name)
					if def == nil || arg.Value == nil {
						continue
					}
					v, err := arg.Value.Value(w.vars)
					if err != nil {
						continue // validation has refused such an operation already
					}
					if ae := w.value(v, def.Type, def.Directives, ast.Path{ast.PathName(arg.Name)}); ae != nil {
						return ae
					}
				}
			}
			if ae := w.selections(s.SelectionSet); ae != nil {
				return ae
			}
		case *ast.InlineFragment:
			if ae := w.selections(s.SelectionSet); ae != nil {
				return ae
			}
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue
			}
			w.seen[s.Name] = true
			if f := w.frags.ForName(s.Name); f != nil {
				if ae := w.selections(f.SelectionSet); ae != nil {
					return ae
				}
			}
		}
	}
	return nil
}

// value checks v, a value of type t declared with dirs, at path.
func (w *inputWalk) value(v any, t *ast.Type, dirs ast.DirectiveList, path ast.Path) *apperror.Error {
	if v == nil || t == nil {
		return nil
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			// A single value where a list is expected is coerced to a
			// list of one (GraphQL's input coercion).
			return w.value(v, t.Elem, dirs, append(path, ast.PathIndex(0)))
		}
		for i, item := range items {
			if ae := w.value(item, t.Elem, dirs, append(path, ast.PathIndex(i))); ae != nil {
				return ae
			}
		}
		return nil
	}
	def := w.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch {
	case def.Kind == ast.InputObject:
		fields, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range def.Fields {
			if ae := w.value(fields[f.Name], f.Type, f.Directives, append(path, ast.PathName(f.Name))); ae != nil {
				return ae
			}
		}
	case def.Kind == ast.Scalar && def.Name == "String":
		if s, ok := v.(string); ok {
			if problem := textProblem(s, ruleOf(dirs)); problem != "" {
				// Named only on failure: this runs for every String
				// argument of every request.
				field := inputFieldName(path)
				return apperror.Invalid(field, "%s %s", field, problem)
			}
		}
	}
	return nil
}

// textRule is a String input's check, from its @text directive.
type textRule struct {
	max  int
	free bool
}

func ruleOf(dirs ast.DirectiveList) textRule {
	r := textRule{max: DefaultMaxText}
	d := dirs.ForName(textDirective)
	if d == nil {
		return r
	}
	if a := d.Arguments.ForName("max"); a != nil && a.Value != nil {
		if n, err := strconv.Atoi(a.Value.Raw); err == nil && n > 0 {
			r.max = n
		}
	}
	if a := d.Arguments.ForName("free"); a != nil && a.Value != nil {
		r.free = a.Value.Raw == "true"
	}
	return r
}

// textProblem says what is wrong with s under rule ("" when nothing is),
// as the end of a sentence about the input.
func textProblem(s string, rule textRule) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain the NUL character (U+0000)"
	}
	if !rule.free {
		for _, r := range s {
			if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
				return fmt.Sprintf("must not contain control characters (%U)", r)
			}
		}
	}
	if len(s) > rule.max && utf8.RuneCountInString(s) > rule.max {
		return fmt.Sprintf("must be at most %d characters", rule.max)
	}
	return ""
}
