package replies

import "strings"

// Params are the facts put into a text's {placeholders}, by name.
type Params map[string]string

// expand replaces every {name} in s with p[name]; a missing parameter becomes
// "". It is a single pass, so a value that itself contains braces is copied as
// is and never expanded. A brace that does not open a well-formed placeholder
// is kept literally.
func expand(s string, p Params) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		name, ok := placeholderAt(s[i:])
		if !ok {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(p[name])
		s = s[i+len(name)+2:]
	}
}

// placeholders lists the names of the placeholders in s, in order of use.
func placeholders(s string) []string {
	var names []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return names
		}
		name, ok := placeholderAt(s[i:])
		if !ok {
			s = s[i+1:]
			continue
		}
		names = append(names, name)
		s = s[i+len(name)+2:]
	}
}

// placeholderAt reports the name of the placeholder at the start of s, which
// begins with '{'. Names are lower-case ASCII letters, digits and '_'.
func placeholderAt(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '}':
			return s[1:j], j > 1
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
		default:
			return "", false
		}
	}
	return "", false
}
