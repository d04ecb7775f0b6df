package wstransport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// testSchema is a hand-written graphql.ExecutableSchema, so these tests need
// no generated code.
const testSchema = `
type Query {
  hello: String!
  whoami: String!
  boom: String!
}
type Mutation {
  echo(msg: String!): String!
}
type Subscription {
  count(to: Int!): Int!
  forever: Int!
  flood: String!
  broken: Int!
}
`

// principalKey carries the name an InitFunc authenticated; Query.whoami
// returns it.
type principalKey struct{}

// schemaEvents lets a test observe what the resolvers saw.
type schemaEvents struct {
	// cancelled receives the field name of each subscription whose
	// context ended before it finished on its own.
	cancelled chan string
}

// newTestSchema returns a schema with a query, a mutation and subscriptions
// that end (count), never end (forever), outrun any client (flood) or fail
// (broken).
func newTestSchema() (graphql.ExecutableSchema, *schemaEvents) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	events := &schemaEvents{cancelled: make(chan string, 16)}
	bigString := strings.Repeat("x", 32<<10)

	es := &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			rc := graphql.GetOperationContext(ctx)
			field := rc.Operation.SelectionSet[0].(*ast.Field)
			args := field.ArgumentMap(rc.Variables)
			data := func(v any) *graphql.Response {
				b, err := json.Marshal(map[string]any{field.Alias: v})
				if err != nil {
					panic(err)
				}
				return &graphql.Response{Data: b}
			}

			switch field.Name {
			case "hello":
				return graphql.OneShot(data("world"))
			case "whoami":
				name, _ := ctx.Value(principalKey{}).(string)
				return graphql.OneShot(data(name))
			case "boom":
				panic("boom")
			case "echo":
				return graphql.OneShot(data(args["msg"]))
			case "broken":
				return graphql.OneShot(graphql.ErrorResponse(ctx, "broken subscription"))
			case "count":
				to := toInt(args["to"])
				i := 0
				return func(context.Context) *graphql.Response {
					if i >= to {
						return nil
					}
					i++
					return data(i)
				}
			case "forever":
				context.AfterFunc(ctx, func() { events.cancelled <- "forever" })
				sent := false
				return func(ctx context.Context) *graphql.Response {
					if !sent {
						sent = true
						return data(0)
					}
					<-ctx.Done()
					return nil
				}
			case "flood":
				context.AfterFunc(ctx, func() { events.cancelled <- "flood" })
				return func(ctx context.Context) *graphql.Response {
					if ctx.Err() != nil {
						return nil
					}
					return data(bigString)
				}
			}
			return graphql.OneShot(graphql.ErrorResponse(ctx, "unknown field %s", field.Name))
		},
	}
	return es, events
}

func toInt(v any) int {
	var n int
	_, _ = fmt.Sscan(fmt.Sprint(v), &n)
	return n
}
