// Package rawjson finds the top-level members of a JSON object without
// decoding it: what a server needs to pass stored JSON on with a field
// or two changed.
package rawjson

import "errors"

// Member is one top-level member of an object: Name is its key as
// written (between the quotes, escapes not decoded), Value the span
// [Start, End) of its value in the object.
type Member struct {
	Name       []byte
	Start, End int
}

var errSyntax = errors.New("rawjson: not a JSON object")

// Members appends the top-level members of the JSON object obj to dst.
// It checks the object's structure (keys, colons, commas, brackets,
// strings), not the contents of strings and scalars: it is meant for
// JSON that a program wrote, such as a stored canonical form.
func Members(obj []byte, dst []Member) ([]Member, error) {
	i := ws(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return dst, errSyntax
	}
	i = ws(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return dst, end(obj, i+1)
	}
	for {
		if i >= len(obj) || obj[i] != '"' {
			return dst, errSyntax
		}
		e := str(obj, i)
		if e < 0 {
			return dst, errSyntax
		}
		name := obj[i+1 : e-1]
		i = ws(obj, e)
		if i >= len(obj) || obj[i] != ':' {
			return dst, errSyntax
		}
		i = ws(obj, i+1)
		e = value(obj, i)
		if e < 0 {
			return dst, errSyntax
		}
		dst = append(dst, Member{Name: name, Start: i, End: e})
		i = ws(obj, e)
		if i >= len(obj) {
			return dst, errSyntax
		}
		switch obj[i] {
		case ',':
			i = ws(obj, i+1)
		case '}':
			return dst, end(obj, i+1)
		default:
			return dst, errSyntax
		}
	}
}

// end checks that only white space follows position i.
func end(b []byte, i int) error {
	if ws(b, i) != len(b) {
		return errSyntax
	}
	return nil
}

func ws(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// str returns the position after the string starting at b[i] == '"', or -1.
func str(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// value returns the position after the value starting at i, or -1.
func value(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return str(b, i)
	case '{', '[':
		var arr [32]byte
		stack := arr[:0]
		for ; i < len(b); i++ {
			switch c := b[i]; c {
			case '"':
				e := str(b, i)
				if e < 0 {
					return -1
				}
				i = e - 1
			case '{', '[':
				stack = append(stack, c)
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c-2 { // '{'+2 == '}', '['+2 == ']'
					return -1
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return i + 1
				}
			}
		}
		return -1
	case ',', '}', ']', ':':
		return -1
	default: // a number or a literal
		s := i
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		if i == s {
			return -1
		}
		return i
	}
}

// Find returns the member of ms named name, and whether there is one.
func Find(obj []byte, ms []Member, name string) ([]byte, bool) {
	for _, m := range ms {
		if string(m.Name) == name {
			return obj[m.Start:m.End], true
		}
	}
	return nil, false
}
