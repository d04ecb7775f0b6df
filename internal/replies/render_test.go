package replies

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/rendered.golden")

func TestRender(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name string
		lang string
		tone Tone
		key  Key
		p    Params
		want string
	}{
		{"substitutes", "en", Friendly, DisclosureDefault, Params{"org": "Acme"}, "I'm the virtual assistant of Acme."},
		{"ru formal", "ru", Formal, Greeting, nil, "Здравствуйте! Чем я могу вам помочь?"},
		{"several params", "ru", Concise, PriceRangeTo, Params{"item": "Сайт", "from": "150 000 ₽", "to": "300 000 ₽"}, "Сайт: от 150 000 ₽ до 300 000 ₽."},
		{"missing param is empty", "en", Concise, Corrected, nil, "Updated: ."},
		{"extra params are ignored", "en", Concise, Thanks, Params{"org": "Acme"}, "Thanks!"},
		{"values are not expanded", "en", Friendly, DisclosureDefault, Params{"org": "{org} {time}"}, "I'm the virtual assistant of {org} {time}."},
		{"unknown language is English", "xx", Formal, Thanks, nil, "Thank you."},
		{"empty language is English", "", Formal, Thanks, nil, "Thank you."},
		{"region subtag", "pt-BR", Concise, Thanks, nil, "Obrigado!"},
		{"underscore and case", "DE_at", Concise, Thanks, nil, "Danke!"},
		{"unknown tone is FRIENDLY", "de", "LOUD", Thanks, nil, "Vielen Dank!"},
		{"empty tone is FRIENDLY", "de", "", Thanks, nil, "Vielen Dank!"},
		{"lower-case tone", "de", "formal", Thanks, nil, "Herzlichen Dank."},
		{"same text in every tone", "es", Formal, PriceRange, Params{"item": "Web", "from": "2000 €"}, "Web: desde 2000 €."},
		{"unknown key", "en", Friendly, "nope", nil, ""},
		{"label key is not a message", "en", Friendly, LabelIntent, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			require.Equal(t, tt.want, Render(tt.lang, tt.tone, tt.key, tt.p))
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()

	s, ok := Lookup("fr", Concise, Thanks, nil)
	require.True(t, ok)
	require.Equal(t, "Merci\u00a0!", s)

	s, ok = Lookup("fr", Concise, "no_such_key", Params{"a": "b"})
	require.False(t, ok)
	require.Empty(t, s)
}

// TestFallbackToFriendlyAndEnglish covers a language file that lacks a text,
// which the completeness test forbids for the built-in catalogue but which
// must still never leave the customer without a reply.
func TestFallbackToFriendlyAndEnglish(t *testing.T) {
	t.Parallel()

	c, err := parseCatalog(os.DirFS("testdata"), "broken")
	require.NoError(t, err)

	s, ok := c.text("xx", Concise, Greeting)
	require.True(t, ok)
	require.Equal(t, "Hi!", s, "missing CONCISE falls back to the language's FRIENDLY")

	s, ok = c.text("xx", Formal, MeetingBooked)
	require.True(t, ok)
	require.Equal(t, "Booked for {time}, we'll call via {contact}.", s, "missing key falls back to English")

	_, ok = c.text("xx", Formal, Thanks)
	require.False(t, ok)
}

// TestEveryTextKeepsItsFacts renders every message with every parameter set
// and checks each value reaches the customer and no brace is left over.
func TestEveryTextKeepsItsFacts(t *testing.T) {
	t.Parallel()

	for _, lang := range Languages() {
		for key, names := range stdSpec.messages {
			p := Params{}
			for _, name := range names {
				p[name] = "<" + name + ">"
			}
			for _, tone := range Tones() {
				s, ok := Lookup(lang, tone, key, p)
				require.True(t, ok, "%s %s %s", lang, key, tone)
				for _, v := range p {
					require.Contains(t, s, v, "%s %s %s", lang, key, tone)
				}
				require.NotContains(t, s, "{", "%s %s %s", lang, key, tone)

				s = Render(lang, tone, key, nil)
				require.NotContains(t, s, "{", "%s %s %s without params", lang, key, tone)
				require.NotContains(t, s, "}", "%s %s %s without params", lang, key, tone)
			}
		}
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()

	require.Equal(t, "бюджет", Label("ru", FieldBudget))
	require.Equal(t, "Übergabe", Label("de-CH", LabelHandoffTitle))
	require.Equal(t, "Customer asked", Label("xx", LabelAsk))
	require.Equal(t, "WhatsApp", Label("tr", ContactWhatsApp))
	require.Empty(t, Label("en", "no_such_label"))
	require.Empty(t, Label("en", Greeting), "messages are not labels")
}

func TestSupported(t *testing.T) {
	t.Parallel()

	require.True(t, Supported("uk"))
	require.True(t, Supported("pt-BR"))
	require.False(t, Supported("pl"))
	require.False(t, Supported(""))
}

func TestExpand(t *testing.T) {
	t.Parallel()

	p := Params{"a": "1", "b_2": "two"}
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"{a}", "1"},
		{"x{a}y{b_2}z{a}", "x1ytwoz1"},
		{"{missing}", ""},
		{"{}", "{}"},
		{"{A}", "{A}"},
		{"{a b}", "{a b}"},
		{"{a", "{a"},
		{"a}", "a}"},
		{"{{a}}", "{1}"},
		{"€{a}€", "€1€"},
	} {
		require.Equal(t, tt.want, expand(tt.in, p), "expand(%q)", tt.in)
	}
	require.Equal(t, []string{"a", "b_2", "a"}, placeholders("x{a}y{b_2}z{a}{} {B}"))
	require.Nil(t, placeholders("no placeholders"))
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"", "{a}", "{{a}}", "x{a}y{", "{a b}", "{é}"} {
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, tpl, v string) {
		out := expand(tpl, Params{"a": v})
		if !strings.Contains(tpl, "{") {
			require.Equal(t, tpl, out)
		}
		if !strings.ContainsAny(tpl, "{}") && !strings.ContainsAny(v, "{}") {
			require.NotContains(t, expand(tpl+"{a}", Params{"a": v}), "{")
		}
	})
}

// FuzzRender feeds outside input (language tags, tones and customer-supplied
// values) to Render: it must not panic and must keep every value.
func FuzzRender(f *testing.F) {
	f.Add("en", "FRIENDLY", "Acme")
	f.Add("pt-BR", "formal", "{org}")
	f.Add("\xff", "", "")
	keys := slices.Sorted(maps.Keys(stdSpec.messages))
	f.Fuzz(func(t *testing.T, lang, tone, v string) {
		for _, key := range keys {
			p := Params{}
			for _, name := range stdSpec.messages[key] {
				p[name] = v
			}
			s, ok := Lookup(lang, Tone(tone), key, p)
			require.True(t, ok)
			if len(p) > 0 {
				require.Contains(t, s, v)
			}
		}
	})
}

// TestRenderedGolden writes every text, label and format of every language
// into one file so a reviewer or translator can read the catalogue as the
// customer sees it; run with -update after changing the catalogue.
func TestRenderedGolden(t *testing.T) {
	t.Parallel()

	at := time.Date(2025, time.November, 25, 11, 0, 0, 0, time.FixedZone("", 3*3600))
	var b strings.Builder
	for _, lang := range Languages() {
		sample := Params{
			"org": "Acme", "opens": FormatTime(lang, at.AddDate(0, 0, 1)), "item": "Website",
			"from": FormatMoney(lang, 2000, "EUR"), "to": FormatMoney(lang, 5000, "EUR"), "currency": "EUR",
			"time": FormatTime(lang, at), "contact": Label(lang, ContactWhatsApp), "field": Label(lang, FieldBudget),
			"fields": FormatList(lang, []string{Label(lang, FieldStart), Label(lang, FieldCity), Label(lang, FieldContact)}),
		}
		fmt.Fprintf(&b, "## %s\n", lang)
		for _, key := range slices.Sorted(maps.Keys(stdSpec.messages)) {
			for _, tone := range Tones() {
				fmt.Fprintf(&b, "%s %s: %s\n", key, tone, Render(lang, tone, key, sample))
			}
		}
		for _, key := range stdSpec.labels {
			fmt.Fprintf(&b, "%s: %s\n", key, Label(lang, key))
		}
		fmt.Fprintf(&b, "money: %s | %s | %s\n", FormatMoney(lang, 150000, "RUB"), FormatMoney(lang, 2000, "USD"), FormatMoney(lang, 1234.5, "EUR"))
		fmt.Fprintf(&b, "time: %s | date: %s\n\n", FormatTime(lang, at), FormatDate(lang, at))
	}
	path := filepath.Join("testdata", "rendered.golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), b.String(), "run go test ./internal/replies/ -run Golden -update")
}
