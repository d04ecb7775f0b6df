package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"frontdesk/graph/generated"
	"frontdesk/internal/apptest"
	"frontdesk/internal/lead"
)

// typeRef is an introspected type reference.
type typeRef struct {
	Kind   string
	Name   *string
	OfType *typeRef
}

// named is the named type under any NON_NULL and LIST wrappers, and
// whether a LIST is among them.
func (r typeRef) named() (name, kind string, list bool) {
	for t := &r; t != nil; t = t.OfType {
		if t.Kind == "LIST" {
			list = true
		}
		if t.Name != nil {
			return *t.Name, t.Kind, list
		}
	}
	return "", "", list
}

// gql writes the reference as a variable type, "[PriceItemInput!]!".
func (r typeRef) gql() string {
	switch r.Kind {
	case "NON_NULL":
		return r.OfType.gql() + "!"
	case "LIST":
		return "[" + r.OfType.gql() + "]"
	}
	return *r.Name
}

type inputValue struct {
	Name string
	Type typeRef
}

// introspectedSchema is what the bad-text test reads of the schema by
// introspection: every root field's arguments and every input type.
type introspectedSchema struct {
	roots  map[string][]inputValue // "Mutation.signUp" -> its arguments
	inputs map[string][]inputValue // input object name -> its fields
}

func introspectArguments(t *testing.T, s *apptest.Server) introspectedSchema {
	t.Helper()
	const ref = `kind name ofType { kind name ofType { kind name ofType { kind name } } }`
	type field struct {
		Name string
		Args []inputValue
	}
	type root struct{ Fields []field }
	var out struct {
		Schema struct {
			QueryType, MutationType, SubscriptionType *root
			Types                                     []struct {
				Name, Kind  string
				InputFields []inputValue
			}
		} `json:"__schema"`
	}
	s.MustDo("", `{ __schema {
		queryType { fields { name args { name type { `+ref+` } } } }
		mutationType { fields { name args { name type { `+ref+` } } } }
		subscriptionType { fields { name args { name type { `+ref+` } } } }
		types { name kind inputFields { name type { `+ref+` } } } } }`, nil, &out)
	is := introspectedSchema{roots: map[string][]inputValue{}, inputs: map[string][]inputValue{}}
	for prefix, r := range map[string]*root{"Query": out.Schema.QueryType, "Mutation": out.Schema.MutationType, "Subscription": out.Schema.SubscriptionType} {
		for _, f := range r.Fields {
			is.roots[prefix+"."+f.Name] = f.Args
		}
	}
	for _, typ := range out.Schema.Types {
		if typ.Kind == "INPUT_OBJECT" {
			is.inputs[typ.Name] = typ.InputFields
		}
	}
	return is
}

// stringLeaves lists the path of every String the value of type r can hold,
// through input objects and lists (a list's path takes index 0).
func (is introspectedSchema) stringLeaves(r typeRef, path []any) [][]any {
	name, kind, list := r.named()
	if list {
		path = append(append([]any(nil), path...), 0)
	}
	switch {
	case kind == "SCALAR" && name == "String":
		return [][]any{path}
	case kind == "INPUT_OBJECT" && len(path) < 12:
		var out [][]any
		for _, f := range is.inputs[name] {
			out = append(out, is.stringLeaves(f.Type, append(append([]any(nil), path...), f.Name))...)
		}
		return out
	}
	return nil
}

// pathKey writes a leaf path as the test names it: input.priceList[0].name.
func pathKey(path []any) string {
	var b strings.Builder
	for _, el := range path {
		switch el := el.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(el)
		case int:
			b.WriteString("[" + strconv.Itoa(el) + "]")
		}
	}
	return b.String()
}

// wantField is the extensions.field an error about path names: relative to
// the argument called input, as the services name their fields.
func wantField(path []any) string {
	if len(path) > 1 && path[0] == "input" {
		path = path[1:]
	}
	return pathKey(path)
}

// textRule is a String input's declared check: its longest length and
// whether it is free text (control characters kept).
type textRule struct {
	max  int
	free bool
}

// ruleFor reads the @text directive of the String at path under root field
// field, from the schema the server is generated from.
func ruleFor(t *testing.T, schema *ast.Schema, rootField string, path []any) textRule {
	t.Helper()
	typeName, fieldName, _ := strings.Cut(rootField, ".")
	def := schema.Types[typeName].Fields.ForName(fieldName)
	require.NotNil(t, def, rootField)
	arg := def.Arguments.ForName(path[0].(string))
	require.NotNil(t, arg, "%s(%v)", rootField, path[0])
	dirs, typ := arg.Directives, arg.Type
	for _, el := range path[1:] {
		name, ok := el.(string)
		if !ok {
			continue
		}
		f := schema.Types[typ.Name()].Fields.ForName(name)
		require.NotNil(t, f, "%s: %v", rootField, path)
		dirs, typ = f.Directives, f.Type
	}
	rule := textRule{max: defaultMaxText(schema)}
	if d := dirs.ForName("text"); d != nil {
		if a := d.Arguments.ForName("max"); a != nil {
			n, err := strconv.Atoi(a.Value.Raw)
			require.NoError(t, err)
			rule.max = n
		}
		if a := d.Arguments.ForName("free"); a != nil {
			rule.free = a.Value.Raw == "true"
		}
	}
	return rule
}

// defaultMaxText is the limit of a String input without @text(max:), as
// the directive's definition declares it (200 if it declares none).
func defaultMaxText(schema *ast.Schema) int {
	if d := schema.Directives["text"]; d != nil {
		if a := d.Arguments.ForName("max"); a != nil && a.DefaultValue != nil {
			if n, err := strconv.Atoi(a.DefaultValue.Raw); err == nil {
				return n
			}
		}
	}
	return 200
}

// deepCopy copies a JSON-like value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// setPath puts value at path in vars (a copy), and reports whether the
// baseline had something there to replace.
func setPath(vars map[string]any, path []any, value any) (map[string]any, bool) {
	out := deepCopy(vars).(map[string]any)
	var cur any = out
	for i, el := range path {
		last := i == len(path)-1
		switch el := el.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if _, ok := m[el]; !ok {
				return nil, false
			}
			if last {
				m[el] = value
				return out, true
			}
			cur = m[el]
		case int:
			l, ok := cur.([]any)
			if !ok || len(l) <= el {
				return nil, false
			}
			if last {
				l[el] = value
				return out, true
			}
			cur = l[el]
		}
	}
	return nil, false
}

// textBaseline is a valid call of a root field: who may make it and every
// argument. A field with optional alternatives (the credentials of each
// channel kind) has one baseline per alternative.
type textBaseline struct {
	token string
	vars  map[string]any
}

// textBundle is the bad-input server plus what the baselines refer to.
type textBundle struct {
	*badBundle
	leadID   string
	channels map[string]string // kind -> connected account id
	cursors  map[string]string // list root field -> a real cursor of its first page
}

func credentialsOf(kind string) map[string]any {
	return map[string]any{
		"WHATSAPP": map[string]any{"phoneNumberId": "109876543210987", "wabaId": "102290129340398",
			"accessToken": "EAAG-secret-access-token-0123456789", "appSecret": "whatsapp-app-secret-0123", "verifyToken": "verify-me-please"},
		"MESSENGER": map[string]any{"pageId": "100200300400500", "pageToken": "EAAG-test-page-token-0123456789",
			"appSecret": "messenger-app-secret-0123", "verifyToken": "verify-me-please"},
		"INSTAGRAM": map[string]any{"accountId": "17841400000000001", "accessToken": "IGQV-test-access-token-0123456789",
			"appSecret": "instagram-app-secret-0123", "verifyToken": "verify-me-please"},
		"TELEGRAM": map[string]any{"botToken": "7123456789:AAH-telegram-test-token-0123456789"},
	}[kind].(map[string]any)
}

func channelInput(kind string) map[string]any {
	return map[string]any{"kind": kind, "name": "A " + strings.ToLower(kind) + " account", strings.ToLower(kind): credentialsOf(kind)}
}

// textBaselines has, for every root field with String arguments, calls
// that would succeed; TestEveryStringInputRefusesBadText fails for a root
// field with String arguments that has none, and for a String input (an
// argument or a field of an input object, in lists too) that no baseline
// of its field sets.
var textBaselines = map[string]func(b *textBundle) []textBaseline{
	"Query.classify": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.adminToken, map[string]any{"text": "How much is a website?"}}}
	},
	"Query.users": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.org.OwnerToken, map[string]any{"first": 10, "after": b.cursors["users"]}}}
	},
	"Query.conversations": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"first": 10, "after": b.cursors["conversations"], "filter": map[string]any{"text": "hello"}}}}
	},
	"Query.leads": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"first": 10, "after": b.cursors["leads"]}}}
	},
	"Mutation.signUp": func(b *textBundle) []textBaseline {
		return []textBaseline{{"", map[string]any{"input": map[string]any{"organizationName": "Acme", "name": "Ann", "email": "ann-new@example.test",
			"password": "password-123", "timeZone": "Europe/Berlin", "country": "DE", "currency": "EUR", "teamLanguage": "de"}}}}
	},
	"Mutation.connectChannel": func(b *textBundle) []textBaseline {
		var out []textBaseline
		for _, kind := range []string{"WHATSAPP", "MESSENGER", "INSTAGRAM", "TELEGRAM"} {
			in := channelInput(kind)
			// Another account of the kind: the connected one's ids are taken.
			creds := in[strings.ToLower(kind)].(map[string]any)
			for k, v := range map[string]string{"phoneNumberId": "109876543210999", "pageId": "100200300400599", "accountId": "17841400000000099",
				"botToken": "7123456799:AAH-telegram-test-token-9876543210"} {
				if _, ok := creds[k]; ok {
					creds[k] = v
				}
			}
			out = append(out, textBaseline{b.adminToken, map[string]any{"input": in}})
		}
		return out
	},
	"Mutation.updateChannel": func(b *textBundle) []textBaseline {
		var out []textBaseline
		for _, kind := range []string{"WHATSAPP", "MESSENGER", "INSTAGRAM", "TELEGRAM"} {
			out = append(out, textBaseline{b.adminToken, map[string]any{"id": b.channels[kind], "input": channelInput(kind)}})
		}
		return out
	},
	"Mutation.login": func(b *textBundle) []textBaseline {
		return []textBaseline{{"", map[string]any{"email": "someone@example.test", "password": "password-123"}}}
	},
	"Mutation.inviteUser": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.adminToken, map[string]any{"input": map[string]any{"email": "new-agent@example.test", "name": "New Agent",
			"role": "AGENT", "password": "password-123"}}}}
	},
	"Mutation.startWebChat": func(b *textBundle) []textBaseline {
		return []textBaseline{{"", map[string]any{"publicKey": b.org.PublicKey, "visitorName": "Vera", "language": "en"}}}
	},
	"Mutation.sendVisitorMessage": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.visitor.Token, map[string]any{"conversationId": b.conv, "text": "one more question", "payload": "BTN_1"}}}
	},
	"Mutation.sendStaffMessage": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.empToken, map[string]any{"text": "When is my shift?"}}}
	},
	"Mutation.sendAgentMessage": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"conversationId": b.conv, "text": "Here is the price list",
			"attachments": []any{map[string]any{"url": "https://example.com/prices.pdf", "mimeType": "application/pdf", "name": "prices.pdf"}}}}}
	},
	"Mutation.addNote": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"conversationId": b.conv, "text": "VIP"}}}
	},
	"Mutation.handOffConversation": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"conversationId": b.conv, "reason": "asked for a person"}}}
	},
	"Mutation.updateOrganizationSettings": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.adminToken, map[string]any{"input": map[string]any{
			"name": "Renamed", "timeZone": "Europe/Berlin", "country": "DE", "currency": "EUR", "teamLanguage": "de", "botDisclosure": "I am a bot.",
			"businessHours":   []any{map[string]any{"weekday": 1, "opens": "09:00", "closes": "17:00"}},
			"escalationRules": map[string]any{"orderValueAbove": map[string]any{"amount": 1000, "currency": "EUR"}, "keywords": []any{"lawyer"}},
		}}}}
	},
	"Mutation.updateLeadSettings": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.adminToken, map[string]any{"input": map[string]any{
			"priceList":         []any{map[string]any{"name": "Website", "keywords": []any{"site"}, "priceFrom": 100, "currency": "USD"}},
			"minimumBudget":     map[string]any{"amount": 50, "currency": "USD"},
			"consultationHours": []any{map[string]any{"weekday": 1, "opens": "09:00", "closes": "10:00"}},
		}}}}
	},
	"Mutation.updateLead": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"id": b.leadID, "input": map[string]any{
			"need": "a website", "city": "Berlin", "preferredContact": "email", "budget": map[string]any{"amount": 10, "currency": "USD"}}}}}
	},
	"Mutation.setChannelTemplate": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.adminToken, map[string]any{"channelId": b.channels["WHATSAPP"],
			"template": map[string]any{"name": "reengage", "language": "en_US", "textParam": true}}}}
	},
	"Subscription.conversationEvents": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"conversationId": b.conv, "after": "x"}}}
	},
	"Subscription.inboxEvents": func(b *textBundle) []textBaseline {
		return []textBaseline{{b.agentToken, map[string]any{"after": "x"}}}
	},
}

// rootOperation writes the operation that calls root field with the
// arguments in vars, each as a variable of its introspected type.
func rootOperation(rootField string, args []inputValue, vars map[string]any) string {
	typeName, field, _ := strings.Cut(rootField, ".")
	var decls, uses []string
	for _, a := range args {
		if _, ok := vars[a.Name]; !ok {
			continue
		}
		decls = append(decls, "$"+a.Name+": "+a.Type.gql())
		uses = append(uses, a.Name+": $"+a.Name)
	}
	op := strings.ToLower(typeName)
	if len(decls) > 0 {
		op += "(" + strings.Join(decls, ", ") + ")"
	}
	call := field
	if len(uses) > 0 {
		call += "(" + strings.Join(uses, ", ") + ")"
	}
	return op + " { " + call + " { __typename } }"
}

// appTables are the tables whose contents a refused request must leave as
// they were (River's tables change on their own; tableRowCounts covers
// their row counts).
func contentChecksum(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range tableRowCounts(t, s) {
		if strings.HasPrefix(name, "river_") {
			continue
		}
		var sum string
		require.NoError(t, s.App.DB.SQL.QueryRow(fmt.Sprintf(`SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM public.%q x`, name)).Scan(&sum))
		out[name] = sum
	}
	return out
}

// wsErrors subscribes over ws and returns the errors the server answers
// with (an error message, or a next carrying errors and then complete).
func wsErrors(ctx context.Context, t *testing.T, ws *apptest.WS, id, query string, vars map[string]any) []apptest.Error {
	t.Helper()
	ws.Subscribe(ctx, id, query, vars)
	msg := ws.Read(ctx)
	require.Equal(t, id, msg["id"])
	var raw any
	switch msg["type"] {
	case "error":
		raw = msg["payload"]
	case "next":
		payload, _ := msg["payload"].(map[string]any)
		require.Nil(t, payload["data"], "a refused subscription streamed data: %v", msg)
		raw = payload["errors"]
		require.Equal(t, map[string]any{"id": id, "type": "complete"}, ws.Read(ctx))
	default:
		t.Fatalf("want error or next with errors, got %v", msg)
	}
	b, err := json.Marshal(raw)
	require.NoError(t, err)
	var errs []apptest.Error
	require.NoError(t, json.Unmarshal(b, &errs))
	return errs
}

// Every String input of every root field, arguments and fields of input
// objects (in lists too), refuses NUL, control characters (unless it is
// free text) and a string over its limit, with INVALID_INPUT naming it,
// before anything runs: never INTERNAL, and no row changes. The fields are
// found by introspection, so a new one cannot skip the check.
func TestEveryStringInputRefusesBadText(t *testing.T) {
	t.Parallel()
	b := &textBundle{badBundle: setupBadInput(t), channels: map[string]string{}}
	s := b.s
	b.leadID = createLead(t, s, b.org, lead.Fields{Need: "a website"}, lead.StatusNew).ID.String()
	for _, kind := range []string{"WHATSAPP", "MESSENGER", "INSTAGRAM", "TELEGRAM"} {
		var out struct{ ConnectChannel struct{ ID string } }
		s.MustDo(b.org.OwnerToken, `mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }`, map[string]any{"i": channelInput(kind)}, &out)
		b.channels[kind] = out.ConnectChannel.ID
	}
	b.cursors = map[string]string{}
	for _, list := range []string{"users", "conversations", "leads"} {
		var page map[string]struct{ PageInfo struct{ EndCursor string } }
		s.MustDo(b.org.OwnerToken, `{ `+list+`(first: 1) { pageInfo { endCursor } } }`, nil, &page)
		require.NotEmpty(t, page[list].PageInfo.EndCursor, list)
		b.cursors[list] = page[list].PageInfo.EndCursor
	}
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	is := introspectArguments(t, s)

	var roots []string
	for f := range is.roots {
		roots = append(roots, f)
	}
	sort.Strings(roots)
	type textCase struct {
		rootField, name, field string
		baseline               textBaseline
		vars                   map[string]any
	}
	var cases []textCase
	inputs, withStrings := 0, 0
	for _, rootField := range roots {
		args := is.roots[rootField]
		var leaves [][]any
		for _, a := range args {
			leaves = append(leaves, is.stringLeaves(a.Type, []any{a.Name})...)
		}
		mk, ok := textBaselines[rootField]
		if len(leaves) == 0 {
			if ok {
				t.Errorf("%s has no String argument but a baseline in textBaselines", rootField)
			}
			continue
		}
		withStrings++
		if !ok {
			t.Errorf("root field %s has String arguments but no baseline in textBaselines", rootField)
			continue
		}
		baselines := mk(b)
		for _, leaf := range leaves {
			inputs++
			rule := ruleFor(t, schema, rootField, leaf)
			bad := map[string]string{
				"NUL":      "ok\x00ok",
				"too long": strings.Repeat("é", rule.max+1),
			}
			if !rule.free {
				bad["BEL"] = "ok\x07ok"
				bad["ESC"] = "\x1b[31mred"
				bad["C1 CSI"] = "ok\u009bok"
				bad["DEL"] = "ok\x7fok"
			}
			covered := false
			for _, base := range baselines {
				for name, value := range bad {
					vars, ok := setPath(base.vars, leaf, value)
					if !ok {
						continue
					}
					covered = true
					cases = append(cases, textCase{rootField: rootField, name: pathKey(leaf) + " " + name, field: wantField(leaf), baseline: base, vars: vars})
				}
			}
			if !covered {
				t.Errorf("%s: no baseline sets %s", rootField, pathKey(leaf))
			}
		}
	}
	for name := range textBaselines {
		if _, ok := is.roots[name]; !ok {
			t.Errorf("textBaselines names %s, which is not a root field", name)
		}
	}
	if t.Failed() {
		return
	}

	counts := settledRowCounts(t, s)
	sums := contentChecksum(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sockets := map[string]*apptest.WS{}
	for i, c := range cases {
		t.Run(c.rootField+" "+c.name, func(t *testing.T) {
			query := rootOperation(c.rootField, is.roots[c.rootField], c.vars)
			var errs []apptest.Error
			if strings.HasPrefix(c.rootField, "Subscription.") {
				ws := sockets[c.baseline.token]
				if ws == nil {
					ws = s.Dial(ctx, map[string]any{"Authorization": "Bearer " + c.baseline.token})
					sockets[c.baseline.token] = ws
				}
				errs = wsErrors(ctx, t, ws, strconv.Itoa(i), query, c.vars)
			} else {
				var header http.Header
				if c.baseline.token != "" {
					header = authHeader(c.baseline.token)
				}
				r := postRaw(t, s, http.MethodPost, gqlJSON(t, query, c.vars), header, false)
				require.Equal(t, http.StatusOK, r.status, r.body)
				require.Nil(t, r.data, "a refused operation ran: %s", r.body)
				require.NoError(t, json.Unmarshal([]byte(r.body), &struct{ Errors *[]apptest.Error }{&errs}))
			}
			require.Len(t, errs, 1, "%+v", errs)
			require.Equal(t, "INVALID_INPUT", errs[0].Code(), "%+v", errs)
			require.Equal(t, c.field, errs[0].Extensions["field"], "%+v", errs)
		})
	}
	// A body over the server's limit is refused as a whole, 413.
	r := postRaw(t, s, http.MethodPost, gqlJSON(t, `query($t: String!) { classify(text: $t) { intent } }`,
		map[string]any{"t": strings.Repeat("a", badInputMaxBody)}), authHeader(b.adminToken), false)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, r.body)
	require.Equal(t, []string{"INVALID_INPUT"}, r.codes)

	require.Equal(t, counts, tableRowCounts(t, s), "a refused request wrote rows")
	require.Equal(t, sums, contentChecksum(t, s), "a refused request changed rows")
	t.Logf("bad text: %d root fields, %d with String arguments, %d String inputs, %d cases (+1 over the body limit)",
		len(roots), withStrings, inputs, len(cases))

	// Each baseline itself is a valid call by a permitted caller, so the
	// refusals above came from the one bad input alone. (After the row
	// checks: a baseline may write.)
	for _, rootField := range roots {
		mk, ok := textBaselines[rootField]
		if !ok || strings.HasPrefix(rootField, "Subscription.") {
			continue
		}
		for _, base := range mk(b) {
			var header http.Header
			if base.token != "" {
				header = authHeader(base.token)
			}
			r := postRaw(t, s, http.MethodPost, gqlJSON(t, rootOperation(rootField, is.roots[rootField], base.vars), base.vars), header, false)
			require.Equal(t, http.StatusOK, r.status, "%s baseline: %s", rootField, r.body)
			refused := []string{"INVALID_INPUT", "INTERNAL", "FORBIDDEN", "UNAUTHENTICATED"}
			if rootField == "Mutation.login" {
				refused = refused[:3] // its baseline password is wrong, on purpose
			}
			for _, code := range r.codes {
				require.NotContains(t, refused, code, "%s baseline: %s", rootField, r.body)
			}
		}
	}
}

// Free text keeps what a person wrote, control characters included; only
// NUL is refused there. A body that is not UTF-8 is not a GraphQL request.
func TestFreeTextKeepsControlCharactersAndBodiesMustBeUTF8(t *testing.T) {
	t.Parallel()
	b := setupBadInput(t)
	s := b.s
	const text = "line one\r\n\tline two \x07 \x1b[1mbold\x1b[0m \u0085 end"
	var out struct{ AddNote struct{ Text string } }
	s.MustDo(b.agentToken, `mutation($c: ID!, $t: String!) { addNote(conversationId: $c, text: $t) { text } }`,
		map[string]any{"c": b.conv, "t": text}, &out)
	require.Equal(t, text, out.AddNote.Text)

	before := settledRowCounts(t, s)
	// Literals are checked like variables, and so are the arguments of
	// nested fields and of fields inside fragments.
	for q, field := range map[string]string{
		`mutation { addNote(conversationId: "` + b.conv + `", text: "a\u0000b") { id } }`:                                  "text",
		`{ conversations(first: 1) { edges { node { messages(first: 1, after: "\u0007") { edges { node { id } } } } } } }`: "after",
		`query { ...Q } fragment Q on Query { conversations(filter: {text: "x\u0000"}) { edges { node { id } } } }`:        "filter.text",
		`mutation { updateOrganizationSettings(input: {escalationRules: {keywords: ["ok", "bad\u001b"]}}) { id } }`:        "escalationRules.keywords[1]",
	} {
		r := s.Do(b.org.OwnerToken, q, nil)
		require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), q)
		require.Equal(t, field, r.Errors[0].Extensions["field"], q)
	}
	for _, body := range []string{
		"{\"query\": \"mutation { addNote(conversationId: \\\"" + b.conv + "\\\", text: \\\"caf\xe9\\\") { id } }\"}",
		"{\"query\": \"mutation($c: ID!, $t: String!) { addNote(conversationId: $c, text: $t) { id } }\", \"variables\": {\"c\": \"" + b.conv + "\", \"t\": \"\xff\xfe\"}}",
		"\xef\xbb\xbf{\"query\": \"{ __typename }\"}\xc0",
	} {
		r := postRaw(t, s, http.MethodPost, body, authHeader(b.agentToken), false)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Equal(t, []string{"INVALID_INPUT"}, r.codes, r.body)
	}
	require.Equal(t, before, tableRowCounts(t, s))
}
