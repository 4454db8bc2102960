package validate

import (
	"errors"
)

// maxBERDepth bounds the nesting of BER values; real CMS stays under 20.
const maxBERDepth = 64

var errBER = errors.New("malformed BER")

// berToDER rewrites the BER encodings that signers (NSS, Adobe) emit into
// DER: indefinite lengths become definite and constructed OCTET STRINGs
// become primitive. Definite-length values are re-emitted byte for byte,
// so DER input (including signed attributes, whose exact bytes are
// signed) comes out unchanged. Bytes after the first value are dropped.
func berToDER(in []byte) ([]byte, error) {
	out, _, err := berValue(in, 0)
	return out, err
}

// berValue converts the value at the start of in and returns it with the
// number of input bytes consumed.
func berValue(in []byte, depth int) ([]byte, int, error) {
	if depth > maxBERDepth {
		return nil, 0, errBER
	}
	if len(in) < 2 {
		return nil, 0, errBER
	}
	// identifier octets
	i := 1
	constructed := in[0]&0x20 != 0
	if in[0]&0x1f == 0x1f {
		for {
			if i >= len(in) || i > 5 {
				return nil, 0, errBER
			}
			b := in[i]
			i++
			if b&0x80 == 0 {
				break
			}
		}
	}
	ident := in[:i]
	if i >= len(in) {
		return nil, 0, errBER
	}
	lb := in[i]
	i++
	if lb == 0x80 { // indefinite
		if !constructed {
			return nil, 0, errBER
		}
		var body []byte
		for {
			if i+1 < len(in) && in[i] == 0 && in[i+1] == 0 {
				i += 2
				break
			}
			child, n, err := berValue(in[i:], depth+1)
			if err != nil {
				return nil, 0, err
			}
			body = append(body, child...)
			i += n
		}
		return emit(ident, body, constructed), i, nil
	}
	length := int(lb)
	if lb&0x80 != 0 {
		n := int(lb & 0x7f)
		if n == 0 || n > 4 || i+n > len(in) {
			return nil, 0, errBER
		}
		length = 0
		for _, b := range in[i : i+n] {
			length = length<<8 | int(b)
		}
		i += n
	}
	if length < 0 || length > len(in)-i {
		return nil, 0, errBER
	}
	end := i + length
	if !constructed {
		return in[:end], end, nil
	}
	var body []byte
	changed := false
	for j := i; j < end; {
		child, n, err := berValue(in[j:end], depth+1)
		if err != nil {
			return nil, 0, err
		}
		if len(child) != n {
			changed = true
		}
		body = append(body, child...)
		j += n
	}
	if !changed && !(ident[0] == 0x24) {
		return in[:end], end, nil
	}
	return emit(ident, body, constructed), end, nil
}

// emit encodes a value; a constructed OCTET STRING (0x24) becomes a
// primitive one holding its segments' contents.
func emit(ident, body []byte, constructed bool) []byte {
	if len(ident) == 1 && ident[0] == 0x24 {
		var flat []byte
		for rest := body; len(rest) > 0; {
			_, hdr, l, ok := header(rest)
			if !ok {
				break
			}
			flat = append(flat, rest[hdr:hdr+l]...)
			rest = rest[hdr+l:]
		}
		return appendTLV(nil, []byte{0x04}, flat)
	}
	return appendTLV(nil, ident, body)
}

func header(b []byte) (tag byte, hdr, length int, ok bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, 0, 0, false
	}
	lb := b[1]
	if lb < 0x80 {
		return b[0], 2, int(lb), 2+int(lb) <= len(b)
	}
	n := int(lb & 0x7f)
	if n == 0 || n > 4 || 2+n > len(b) {
		return 0, 0, 0, false
	}
	for _, x := range b[2 : 2+n] {
		length = length<<8 | int(x)
	}
	return b[0], 2 + n, length, length >= 0 && 2+n+length <= len(b)
}

func appendTLV(dst, ident, body []byte) []byte {
	dst = append(dst, ident...)
	l := len(body)
	switch {
	case l < 0x80:
		dst = append(dst, byte(l))
	case l < 0x100:
		dst = append(dst, 0x81, byte(l))
	case l < 0x10000:
		dst = append(dst, 0x82, byte(l>>8), byte(l))
	case l < 0x1000000:
		dst = append(dst, 0x83, byte(l>>16), byte(l>>8), byte(l))
	default:
		dst = append(dst, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	return append(dst, body...)
}
