package evidence

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// accepted is what the vault takes, by content type as sniffed from the
// bytes: the kinds of files evidence is made of. A file's extension must be
// one its content type allows.
var accepted = []struct {
	mime  string
	label string
	exts  []string
}{
	{"application/pdf", "PDF", []string{".pdf"}},
	{"image/png", "PNG image", []string{".png"}},
	{"image/jpeg", "JPEG image", []string{".jpg", ".jpeg"}},
	{"image/gif", "GIF image", []string{".gif"}},
	{"image/webp", "WebP image", []string{".webp"}},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document", []string{".docx"}},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook", []string{".xlsx"}},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint presentation", []string{".pptx"}},
	{"application/vnd.oasis.opendocument.text", "OpenDocument text", []string{".odt"}},
	{"application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet", []string{".ods"}},
	{"application/json", "JSON", []string{".json"}},
	{"text/csv", "CSV", []string{".csv"}},
	{"text/xml", "XML", []string{".xml", ".nessus"}},
	{"application/xml", "XML", []string{".xml", ".nessus"}},
	{"text/plain", "text", []string{".txt", ".log", ".md", ".csv", ".json", ".xml"}},
}

// AcceptedKinds lists what the vault takes, for messages and forms.
func AcceptedKinds() string {
	var labels []string
	seen := map[string]bool{}
	for _, a := range accepted {
		if !seen[a.label] {
			seen[a.label] = true
			labels = append(labels, a.label)
		}
	}
	return strings.Join(labels, ", ")
}

// AcceptAttr is the file input's accept attribute: the extensions.
func AcceptAttr() string {
	var exts []string
	seen := map[string]bool{}
	for _, a := range accepted {
		for _, e := range a.exts {
			if !seen[e] {
				seen[e] = true
				exts = append(exts, e)
			}
		}
	}
	return strings.Join(exts, ",")
}

// Sniff decides a file's content type from its bytes, never from its name
// or what the browser says, and checks that the name's extension agrees.
// Errors: Invalid naming the file and what its content really is.
func Sniff(filename string, data []byte) (string, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	detected := mimetype.Detect(data)
	// Walk from the most specific type to its parents (a CSV is text too)
	// and take the first the vault accepts under this name; if none does,
	// report the most specific accepted type the content has.
	var mismatch error
	for m := detected; m != nil; m = m.Parent() {
		for _, a := range accepted {
			if !m.Is(a.mime) {
				continue
			}
			for _, e := range a.exts {
				if e == ext {
					return a.mime, nil
				}
			}
			if mismatch != nil {
				continue
			}
			if claimed := labelForExt(ext); claimed != "" {
				mismatch = errs.New(errs.Invalid, fmt.Sprintf("%s: the name says %s, but the content is %s (%s): rename the file or upload the right one", filename, claimed, article(a.label), a.mime))
			} else {
				mismatch = errs.New(errs.Invalid, fmt.Sprintf("%s: the content is %s (%s), which is named %s, not %q", filename, article(a.label), a.mime, strings.Join(a.exts, " or "), ext))
			}
		}
	}
	if mismatch != nil {
		return "", mismatch
	}
	return "", errs.New(errs.Invalid, fmt.Sprintf("%s: content of type %s is not accepted as evidence (accepted: %s)", filename, detected.String(), AcceptedKinds()))
}

func labelForExt(ext string) string {
	for _, a := range accepted {
		for _, e := range a.exts {
			if e == ext && a.mime != "text/plain" {
				return a.label
			}
		}
	}
	return ""
}

func article(label string) string {
	switch strings.ToLower(label[:1]) {
	case "a", "e", "i", "o", "u":
		return "an " + label
	}
	return "a " + label
}
