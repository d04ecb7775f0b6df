package graph_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
)

// The introspection queries in testdata are graphql-js 16.15's
// getIntrospectionQuery(), as GraphiQL, Apollo Sandbox, graphql-codegen and
// Postman send it: introspection.graphql with the default options, and
// introspection-all-options.graphql with every option on (descriptions,
// specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation, oneOf). Their TypeRef fragment nests ofType nine
// deep, 15 levels in all, past the default depth limit of 12. Regenerate with
// node -e 'process.stdout.write(require("graphql").getIntrospectionQuery())'.

// Standard tooling reads the schema at the default depth limit, because
// introspection fields do not count against it, while a query as deep on
// data fields is still refused, alone or beside introspection.
func TestIntrospectionPassesTheDepthLimit(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	require.Equal(t, 12, s.Config.MaxDepth, "the test is about the default limit")

	for _, file := range []string{"introspection.graphql", "introspection-all-options.graphql"} {
		query, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		var out struct {
			Schema struct {
				QueryType        struct{ Name string }
				MutationType     struct{ Name string }
				SubscriptionType struct{ Name string }
				Types            []struct{ Name string }
			} `json:"__schema"`
		}
		s.MustDo("", string(query), nil, &out)
		require.Equal(t, "Query", out.Schema.QueryType.Name, file)
		require.Equal(t, "Mutation", out.Schema.MutationType.Name, file)
		require.Equal(t, "Subscription", out.Schema.SubscriptionType.Name, file)
		require.Greater(t, len(out.Schema.Types), 20, file)
	}

	// __type is exempt like __schema.
	deepType := `{ __type(name: "Query") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } }`
	var typ struct {
		Type struct{ Fields []any } `json:"__type"`
	}
	s.MustDo("", deepType, nil, &typ)
	require.NotEmpty(t, typ.Type.Fields)

	// Data fields still count, also when introspection sits beside them, and
	// a shallow selection under __schema does not hide a deep data one.
	org := s.SignUp("Depth Org")
	for name, q := range map[string]string{
		"data":                    deepQuery,
		"data beside __schema":    `{ __schema { queryType { name } } ` + deepQuery[1:],
		"data beside __typename":  `{ __typename ` + deepQuery[1:],
		"data through a fragment": `query { ...Q } fragment Q on Query ` + deepQuery,
	} {
		r := s.Do(org.OwnerToken, q, nil)
		require.Equal(t, []string{"QUERY_TOO_DEEP"}, r.Codes(), name)
		require.Nil(t, r.Data, name)
	}
	// What bounds introspection instead of the depth limit is gqlparser's
	// own rule (graphql-js's MaxIntrospectionDepthRule): fields,
	// interfaces, possibleTypes and inputFields nest at most three deep,
	// since each multiplies the answer by the schema's breadth. The
	// shapes getIntrospectionQuery() uses run; a deeper nesting does not.
	threeLists := `{ __schema { types { fields { type { fields { name } } } } } }`
	r := s.Do("", threeLists, nil)
	require.Empty(t, r.Errors)
	for name, q := range map[string]string{
		"nested fields":      `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`,
		"through a fragment": `{ __schema { types { ...F } } } fragment F on __Type { fields { type { fields { type { interfaces { name } } } } } }`,
		"under __type":       `{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }`,
	} {
		r := s.Do("", q, nil)
		require.Equal(t, []string{"GRAPHQL_VALIDATION_FAILED"}, r.Codes(), "%s: %v", name, r.Errors)
		require.Contains(t, r.Errors[0].Message, "introspection depth", name)
	}

	// At the limit, a data query runs.
	atLimit := `{ conversations(first: 1) { edges { node { messages(first: 1) { edges { node { conversation {
		messages(first: 1) { edges { node { conversation { id } } } } } } } } } } } }`
	r = s.Do(org.OwnerToken, atLimit, nil)
	require.Empty(t, r.Errors)
}
