package pdfseal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

// Font is a TrueType font (glyf outlines) that Render embeds as a subset
// and SealAppearance draws as outlines. The OpenType-CFF files of Noto CJK
// are not TrueType and are refused with a clear error; Debian's
// fonts-wqy-zenhei is. A Font is immutable and safe for concurrent use:
// load it once and pass it to every Render.
type Font struct {
	f    *render.Font
	path string
}

// Name is the font's PostScript name.
func (f *Font) Name() string { return f.f.Name }

// String returns the name and, when known, the file it came from.
func (f *Font) String() string {
	if f.path != "" {
		return f.f.Name + " (" + f.path + ")"
	}
	return f.f.Name
}

// DefaultFontPaths returns the TrueType files that Render and
// SealAppearance use when no font is given: WenQuanYi Zen Hei, which
// draws Chinese and Latin text, at its Debian and Fedora locations.
func DefaultFontPaths() []string {
	return []string{
		"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
		"/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
		"/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
	}
}

// LoadFont reads a TrueType font file (.ttf) or the first face of a
// collection (.ttc) into memory. Append "#N" to the path to pick face N
// of a collection. Nothing is installed or written anywhere: unlike
// pdfcpu's own font support, pdfseal never touches pdfcpu's configuration
// directory.
func LoadFont(path string) (*Font, error) {
	file, index := splitFontPath(path)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("pdfseal: load font: %w", err)
	}
	f, err := ParseFont(data, index)
	if err != nil {
		return nil, fmt.Errorf("pdfseal: load font %s: %w", path, errors.Unwrap(err))
	}
	f.path = path
	return f, nil
}

// ParseFont parses face index of a TrueType font or collection held in
// memory. data must not be modified afterwards.
func ParseFont(data []byte, index int) (*Font, error) {
	f, err := render.Open(bytes.NewReader(data), index)
	if err != nil {
		return nil, fmt.Errorf("pdfseal: parse font: %w", err)
	}
	return &Font{f: f}, nil
}

func splitFontPath(p string) (string, int) {
	if i := strings.LastIndexByte(p, '#'); i > 0 {
		n := 0
		for _, c := range p[i+1:] {
			if c < '0' || c > '9' || n > 1000 {
				return p, 0
			}
			n = 10*n + int(c-'0')
		}
		if i+1 < len(p) {
			return p[:i], n
		}
	}
	return p, 0
}

// openDefaultFont opens the first default font that exists. The file is
// read lazily through ReadAt, so a one-off render does not read 17 MB;
// the caller must close it.
func openDefaultFont() (*Font, io.Closer, error) { return openFirstFont(DefaultFontPaths()) }

func openFirstFont(paths []string) (*Font, io.Closer, error) {
	var tried []string
	for _, p := range paths {
		fh, err := os.Open(p)
		if err != nil {
			tried = append(tried, p)
			continue
		}
		f, err := render.Open(fh, 0)
		if err != nil {
			fh.Close()
			return nil, nil, fmt.Errorf("pdfseal: default font %s: %w", p, err)
		}
		return &Font{f: f, path: p}, fh, nil
	}
	return nil, nil, &FontNotFoundError{Tried: tried}
}

// FontNotFoundError is returned when no font was given and none of
// DefaultFontPaths exists.
type FontNotFoundError struct {
	Tried []string
}

func (e *FontNotFoundError) Error() string {
	return "pdfseal: no font: none of " + strings.Join(e.Tried, ", ") +
		" exists; install fonts-wqy-zenhei or pass a TrueType font in the options"
}

// MissingGlyphsError is returned when no configured font can draw some of
// the text. Runes lists each missing character once, in order of first use.
type MissingGlyphsError struct {
	Runes []rune
	Fonts []string // the fonts that were tried
}

func (e *MissingGlyphsError) Error() string {
	var b strings.Builder
	b.WriteString("pdfseal: no configured font can draw ")
	for i, r := range e.Runes {
		if i == 20 {
			fmt.Fprintf(&b, " and %d more", len(e.Runes)-20)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (U+%04X)", r, r)
	}
	b.WriteString("; fonts tried: ")
	b.WriteString(strings.Join(e.Fonts, ", "))
	return b.String()
}
