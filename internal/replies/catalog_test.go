package replies

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// catalogSpec is what a catalogue must contain: every message key with the
// placeholders its English text uses, and every label key.
type catalogSpec struct {
	messages map[Key][]string
	labels   []Key
}

// stdSpec is the contract between the code that calls Render and the
// translators: adding a key or a parameter starts here.
var stdSpec = catalogSpec{
	messages: map[Key][]string{
		DisclosureDefault:    {"org"},
		Greeting:             nil,
		Clarify:              nil,
		Handoff:              nil,
		HandoffAfterHours:    {"opens"},
		PriceRange:           {"item", "from"},
		PriceRangeTo:         {"item", "from", "to"},
		PriceUnknown:         nil,
		AskIntro:             nil,
		AskBudget:            nil,
		AskNeed:              nil,
		AskStart:             nil,
		AskCity:              nil,
		AskContact:           nil,
		CurrencyMismatch:     {"currency"},
		OfferSlots:           nil,
		SlotTaken:            nil,
		SlotUnclear:          nil,
		MeetingBooked:        {"time", "contact"},
		LeadComplete:         {"contact"},
		LeadUnqualified:      nil,
		StopConfirmed:        nil,
		NotUnderstoodHandoff: nil,
		Corrected:            {"field"},
		Thanks:               nil,
		FollowUpFields:       {"fields"},
		FollowUpSlots:        nil,
	},
	labels: []Key{
		LabelScenario, LabelIntent, LabelReason, LabelFields, LabelAsk, LabelLast, LabelHandoffTitle,
		FieldBudget, FieldNeed, FieldStart, FieldCity, FieldContact,
		ContactPhone, ContactWhatsApp, ContactTelegram, ContactEmail, ContactCall,
	},
}

// builtinLanguages are the languages Frontdesk promises.
var builtinLanguages = []string{"ar", "de", "en", "es", "fr", "it", "pt", "ru", "tr", "uk"}

// validate lists everything wrong with c against spec, one line per problem,
// so a failing test tells a translator exactly what to fix.
func validate(c *catalog, spec catalogSpec) []string {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	en := c.langs[fallbackLang]
	for _, code := range c.codes {
		l := c.langs[code]
		for _, key := range slices.Sorted(maps.Keys(spec.messages)) {
			texts, ok := l.Messages[key]
			if !ok {
				report("%s: message %s is missing", code, key)
				continue
			}
			for _, tone := range Tones() {
				s := texts[tone]
				if s == "" {
					report("%s: message %s has no %s text", code, key, tone)
					continue
				}
				want := spec.messages[key]
				if code != fallbackLang {
					want = placeholders(en.Messages[key][tone])
				}
				if got := placeholders(s); !sameSet(got, want) {
					report("%s: message %s %s uses {%s}, want {%s}", code, key, tone,
						strings.Join(got, "} {"), strings.Join(want, "} {"))
				}
				if strings.TrimSpace(s) != s || strings.Contains(s, "  ") {
					report("%s: message %s %s has stray spaces", code, key, tone)
				}
			}
		}
		for _, key := range slices.Sorted(maps.Keys(l.Messages)) {
			if _, ok := spec.messages[key]; !ok {
				report("%s: unknown message %s", code, key)
			}
		}
		for _, key := range spec.labels {
			if s := l.Labels[key]; strings.TrimSpace(s) == "" || strings.TrimSpace(s) != s {
				report("%s: label %s is missing or blank", code, key)
			}
		}
		for _, key := range slices.Sorted(maps.Keys(l.Labels)) {
			if !slices.Contains(spec.labels, key) {
				report("%s: unknown label %s", code, key)
			}
		}
		if !l.Format.complete() {
			report("%s: format needs decimal, money, date, time, 12 months and 7 weekdays", code)
		}
	}
	return problems
}

// sameSet reports whether a and b hold the same names, ignoring order and
// repetition.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// eachText calls fn for every message text of every language and tone.
func eachText(fn func(lang string, key Key, tone Tone, s string)) {
	for _, code := range std.codes {
		msgs := std.langs[code].Messages
		for _, key := range slices.Sorted(maps.Keys(msgs)) {
			for _, tone := range Tones() {
				fn(code, key, tone, msgs[key][tone])
			}
		}
	}
}

func TestCatalogIsComplete(t *testing.T) {
	t.Parallel()

	require.Empty(t, validate(std, stdSpec))
}

func TestCatalogLanguages(t *testing.T) {
	t.Parallel()

	require.Equal(t, builtinLanguages, Languages())

	langs := Languages()
	langs[0] = "xx"
	require.Equal(t, builtinLanguages, Languages(), "Languages returns a copy")
}

// TestValidateReportsProblems proves the completeness check catches each kind
// of mistake, using a deliberately broken catalogue.
func TestValidateReportsProblems(t *testing.T) {
	t.Parallel()

	c, err := parseCatalog(os.DirFS("testdata"), "broken")
	require.NoError(t, err)
	spec := catalogSpec{
		messages: map[Key][]string{Greeting: nil, Corrected: {"field"}, MeetingBooked: {"time", "contact"}},
		labels:   []Key{LabelScenario, FieldBudget},
	}
	require.ElementsMatch(t, []string{
		"xx: message greeting has no CONCISE text",
		"xx: message corrected FORMAL uses {}, want {field}",
		"xx: message corrected CONCISE uses {name} {field}, want {field}",
		"xx: label label_scenario is missing or blank",
		"xx: message meeting_booked is missing",
		"xx: unknown message greting",
		"xx: label field_budget is missing or blank",
		"xx: unknown label label_scenari",
		"xx: format needs decimal, money, date, time, 12 months and 7 weekdays",
	}, validate(c, spec))
}

func TestParseCatalogErrors(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		dir, err string
	}{
		{"badtone", `unknown tone "FORMALL"`},
		{"unknownfield", `unknown field "mesages"`},
		{"noen", "catalogue has no en.json"},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()

			_, err := parseCatalog(os.DirFS("testdata"), tt.dir)
			require.ErrorContains(t, err, tt.err)
		})
	}
}

func TestTypography(t *testing.T) {
	t.Parallel()

	eachText(func(lang string, key Key, tone Tone, s string) {
		where := fmt.Sprintf("%s %s %s: %q", lang, key, tone, s)
		last, _ := utf8.DecodeLastRuneInString(s)
		require.Contains(t, ".?!:؟)", string(last), "%s ends without punctuation", where)

		emoji := 0
		for _, r := range s {
			if isEmoji(r) {
				emoji++
			}
		}
		if key == Greeting && tone == Friendly {
			require.LessOrEqual(t, emoji, 1, where)
		} else {
			require.Zero(t, emoji, "%s: emoji only in the FRIENDLY greeting", where)
		}

		switch lang {
		case "fr":
			for i, r := range s {
				if strings.ContainsRune("?!:;", r) {
					before, _ := utf8.DecodeLastRuneInString(s[:i])
					require.Contains(t, "\u00a0\u202f", string(before), "%s: no-break space before %q", where, r)
				}
			}
		case "es":
			require.Equal(t, strings.Count(s, "?"), strings.Count(s, "¿"), "%s: ¿…?", where)
			require.Equal(t, strings.Count(s, "!"), strings.Count(s, "¡"), "%s: ¡…!", where)
		case "ar":
			require.NotContains(t, s, "?", "%s: Arabic question mark is ؟", where)
			require.NotContains(t, s, ",", "%s: Arabic comma is ،", where)
		}
		if lang != "fr" {
			require.NotContains(t, s, " ?", where)
			require.NotContains(t, s, " !", where)
			require.NotContains(t, s, " :", where)
		}
	})
}

func isEmoji(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF)
}

// TestConciseIsShort keeps CONCISE true to its name.
func TestConciseIsShort(t *testing.T) {
	t.Parallel()

	for _, code := range std.codes {
		for key, texts := range std.langs[code].Messages {
			concise, formal := utf8.RuneCountInString(texts[Concise]), utf8.RuneCountInString(texts[Formal])
			require.LessOrEqual(t, concise, formal, "%s %s: CONCISE %q is longer than FORMAL %q",
				code, key, texts[Concise], texts[Formal])
		}
	}
}

// TestLabelsFitInReplies checks that field and contact labels, which are put
// into {field} and {contact}, do not start with a capital where the language
// would not capitalise a common noun.
func TestLabelsFitInReplies(t *testing.T) {
	t.Parallel()

	brands := []Key{ContactWhatsApp, ContactTelegram}
	for _, code := range std.codes {
		if code == "de" {
			continue // German capitalises every noun.
		}
		for _, key := range stdSpec.labels {
			if !strings.HasPrefix(string(key), "field_") && !strings.HasPrefix(string(key), "contact_") ||
				slices.Contains(brands, key) {
				continue
			}
			first, _ := utf8.DecodeRuneInString(Label(code, key))
			require.False(t, unicode.IsUpper(first), "%s %s: %q", code, key, Label(code, key))
		}
	}
}
