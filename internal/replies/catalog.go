package replies

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Tone is how the bot speaks; the values are those of the GraphQL enum Tone.
type Tone string

// The tones. FRIENDLY is warm and may use the informal "you" where that is
// natural for business chat (es, de, it); FORMAL and CONCISE keep the polite
// form. ru, uk, fr and tr use the polite form in every tone, pt uses "você".
const (
	Friendly Tone = "FRIENDLY"
	Formal   Tone = "FORMAL"
	Concise  Tone = "CONCISE"
)

// Tones lists every tone, FRIENDLY (the fallback) first.
func Tones() []Tone { return []Tone{Friendly, Formal, Concise} }

// fallbackLang is used for unknown languages and for texts a language lacks.
const fallbackLang = "en"

//go:embed catalog/*.json
var catalogFS embed.FS

// std is the embedded catalogue. A malformed catalogue file is a programming
// error that every test of this package reports, so it stops the process at
// start-up rather than leaving the bot mute.
var std = mustParseCatalog(catalogFS, "catalog")

// catalog holds every language, by its code.
type catalog struct {
	langs map[string]*language
	codes []string // sorted
}

// language is one catalogue file.
type language struct {
	Messages map[Key]toneTexts `json:"messages"`
	Labels   map[Key]string    `json:"labels"`
	Format   localeFormat      `json:"format"`
}

// toneTexts is a message's text per tone. In the catalogue a message is either
// an object with one text per tone or a plain string, which means the text is
// the same in every tone.
type toneTexts map[Tone]string

// UnmarshalJSON accepts a string (one text for all tones) or an object keyed
// by tone; an unknown tone name is an error, so typos do not go unnoticed.
func (t *toneTexts) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*t = toneTexts{Friendly: s, Formal: s, Concise: s}
		return nil
	}
	var m map[Tone]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for tone := range m {
		if !slices.Contains(Tones(), tone) {
			return fmt.Errorf("unknown tone %q", tone)
		}
	}
	*t = m
	return nil
}

func mustParseCatalog(fsys fs.FS, dir string) *catalog {
	c, err := parseCatalog(fsys, dir)
	if err != nil {
		panic("replies: " + err.Error())
	}
	return c
}

// parseCatalog reads every dir/<lang>.json of fsys.
func parseCatalog(fsys fs.FS, dir string) (*catalog, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list catalogue: %w", err)
	}
	c := &catalog{langs: make(map[string]*language, len(files))}
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read catalogue: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var l language
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		code := strings.TrimSuffix(path.Base(name), ".json")
		c.langs[code] = &l
		c.codes = append(c.codes, code)
	}
	if c.langs[fallbackLang] == nil {
		return nil, fmt.Errorf("catalogue has no %s.json", fallbackLang)
	}
	slices.Sort(c.codes)
	return c, nil
}

// lang returns the language for a code such as "ru", "pt-BR" or "EN", or the
// fallback language when there is none.
func (c *catalog) lang(code string) *language {
	if l, ok := c.langs[normalizeLang(code)]; ok {
		return l
	}
	return c.langs[fallbackLang]
}

// text returns the text of key in tone, trying the language's FRIENDLY text,
// then the fallback language, before giving up.
func (c *catalog) text(code string, tone Tone, key Key) (string, bool) {
	if !slices.Contains(Tones(), tone) {
		tone = Tone(strings.ToUpper(strings.TrimSpace(string(tone))))
	}
	for _, l := range []*language{c.lang(code), c.langs[fallbackLang]} {
		texts := l.Messages[key]
		if s := texts[tone]; s != "" {
			return s, true
		}
		if s := texts[Friendly]; s != "" {
			return s, true
		}
	}
	return "", false
}

// normalizeLang reduces a language tag to its lower-case primary subtag.
func normalizeLang(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	return code
}

// Render returns the message key in the language and tone with p filled in.
// Unknown languages fall back to English and unknown tones to FRIENDLY; a
// placeholder without a parameter becomes "". An unknown key yields "" (use
// Lookup to tell that apart).
func Render(lang string, tone Tone, key Key, p Params) string {
	s, _ := Lookup(lang, tone, key, p)
	return s
}

// Lookup is Render that also reports whether the catalogue has the key.
func Lookup(lang string, tone Tone, key Key, p Params) (string, bool) {
	s, ok := std.text(lang, tone, key)
	if !ok {
		return "", false
	}
	return expand(s, p), true
}

// Label returns a short label (a label_*, field_* or contact_* key) in the
// language, falling back to English; "" for an unknown key.
func Label(lang string, key Key) string {
	if s := std.lang(lang).Labels[key]; s != "" {
		return s
	}
	return std.langs[fallbackLang].Labels[key]
}

// Languages returns the codes of the catalogue's languages, sorted.
func Languages() []string { return slices.Clone(std.codes) }

// Supported reports whether lang (a code or tag such as "pt-BR") has its own
// catalogue rather than falling back to English.
func Supported(lang string) bool {
	_, ok := std.langs[normalizeLang(lang)]
	return ok
}
