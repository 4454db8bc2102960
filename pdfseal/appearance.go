package pdfseal

// Appearance is artwork for a visible seal: a PDF content stream that
// draws in the box [0 0 Width Height] (points), plus the image XObjects it
// names. Render draws it on the certificate; Seal uses it as the
// appearance stream (a Form XObject) of the signature widget, scaled to
// the widget's rectangle. The vector seal needs no fonts: its lettering is
// drawn as glyph outlines.
type Appearance struct {
	Width, Height float64
	// Content is PDF content-stream operators (uncompressed).
	Content []byte
	// Images are referenced from Content by name ("/Im0 Do").
	Images []AppearanceImage
}

// AppearanceImage is an image XObject used by an Appearance.
type AppearanceImage struct {
	Name             string // resource name without the slash, e.g. "Im0"
	Width, Height    int    // pixels
	ColorSpace       string // "DeviceRGB" or "DeviceGray"
	BitsPerComponent int
	// Filter is "FlateDecode" (Data is zlib-compressed samples) or
	// "DCTDecode" (Data is a JPEG file).
	Filter string
	Data   []byte
	// SMask is an optional soft mask (alpha), DeviceGray.
	SMask *AppearanceImage
}
