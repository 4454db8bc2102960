// Package pdfseal makes, seals and verifies the PDF of an electronic
// certificate of conformity. Most users need three calls, in this order:
//
//	pdfseal.Render(ctx, cert, w, pdfseal.RenderOptions{})          // certificate -> PDF
//	pdfseal.Seal(ctx, in, size, out, signer, pdfseal.SealOptions{}) // PDF -> sealed PDF (PAdES)
//	pdfseal.Verify(ctx, r, size, pdfseal.VerifyOptions{})           // sealed PDF -> report
//
// # Render
//
// Render lays an [ecert.Certificate] out as an A4 PDF that people and
// machines can read: the title, number, holder, manufacturer, factory,
// products, standards, validity, issuing body and signatory in Chinese
// and English; the models that do not fit on page 1 in an annex whose
// table header repeats, with "page i of n" on every page; a QR code of the
// verification URL; the body's round seal; and the certificate data
// embedded as associated files (the canonical JSON, with
// /AFRelationship /Source, and optionally the UN/CEFACT XML, passed in
// RenderOptions.Attachments with XMLAttachment), as Factur-X and ZUGFeRD
// embed their XML. Extract gives the files and the certificate back.
//
// The look is chosen by a [Layout]: [ProductLayout] for product and
// management-system certificates, [InspectionLayout] for inspection and
// SPS certificates with their consignment table, or a body's own
// implementation, drawn with the methods of [Document] and [Page] (text,
// wrapped paragraphs, lines, rectangles, the QR code, the seal), passed in
// RenderOptions.Layout: no fork needed.
//
// Fonts: text is set in TrueType fonts (glyf outlines), tried in order
// for each character, and each font is embedded as a subset (a Type 0
// CIDFont with a ToUnicode map, so that text can be searched and copied).
// The default is WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei), which
// draws both Chinese and Latin; the OpenType-CFF Noto CJK files are not
// TrueType and are refused. When no configured font can draw a character,
// Render fails with a [MissingGlyphsError] naming the characters, before
// writing anything. Fonts are read from the files the caller names
// ([LoadFont]) or from [DefaultFontPaths]; nothing is installed, cached or
// written on disk. In particular pdfcpu's configuration directory (by
// default under the user's home, where pdfcpu installs its user fonts) is
// never read nor written by this package.
//
// The seal artwork is exposed: [SealAppearance] draws the round red seal
// (ring, five-pointed star, the body's name along the upper arc, a bottom
// line such as 认证专用章) as pure vector graphics, its lettering as glyph
// outlines so that it needs no font; [ImageAppearance] wraps a body's own
// PNG or JPEG seal. Both give an [Appearance], which Render draws on the
// certificate and Seal uses as the signature widget's appearance. To make
// the signature itself the visible seal, render with NoSeal and pass
// [SealRect] and the artwork to Seal's Visible option.
//
// How the work is split with pdfcpu (v0.15.0): pdfcpu's high-level create
// API sets text only in fonts installed in its global user-font directory
// and builds pages from a JSON description, which cannot give subset CJK
// fonts without touching that directory, exact layout control, nor
// associated files in the catalog's /AF array. So Render writes the page
// content streams, the subset fonts and the objects itself (in
// internal/render: a TrueType subsetter and a streaming object writer,
// which keeps memory bounded for annexes of 100,000 models). pdfcpu is
// used only in the tests: it validates Render's output, and the pdfcpu
// implementation Extract had until it moved to the package's own reader
// (internal/pdf, which Verify uses) is kept there as the reference that
// Extract's results are compared with. The package itself does not link
// pdfcpu, so that programs which only verify or extract start quickly.
//
// # Seal
//
// Seal signs a PDF with a signer.Signer (PAdES B-B to B-LTA), appending
// incremental updates so that earlier signatures stay valid. See
// [SealOptions].
//
// # Verify
//
// Verify checks every signature of a PDF and explains the verdict in
// ETSI EN 319 102-1 terms (TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE with
// a sub-indication). See [VerifyOptions] and [Report].
//
// Per signature it checks the byte range (against universal signature
// forgery and signature wrapping), the CMS signature (digest, signature
// value, signing-certificate binding, accepted algorithms), the
// certificate path at the validation time or at a time a trusted
// timestamp proves, revocation (from the DSS, the CMS or online), the
// PAdES level, and every incremental update after the signed revision.
// An update may add DSS data, document timestamps and, unless DocMDP P=1
// forbids it, signatures; P=2 also allows form filling, P=3 annotations.
// An approval signature without DocMDP allows DSS data, timestamps and
// signatures only. Nothing that draws over the page (a visible new
// annotation or signature widget) and nothing that touches page content,
// resources, fonts or XObjects is ever allowed: such a change fails the
// signature (TOTAL-FAILED / FORMAT_FAILURE) and is named in
// [Changes].Details. This is what defeats incremental saving, shadow
// (hide, replace, hide-and-replace), evil-annotation and sneaky-signature
// attacks. When the seal covering them is intact, the certificate data
// embedded in the PDF is returned in [Report].Certificate with its
// digest, for comparison with the registry. A hostile file cannot make
// Verify panic, allocate beyond fixed limits, or run past
// [VerifyOptions].Timeout (10 s by default).
package pdfseal
