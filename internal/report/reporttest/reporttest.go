// Package reporttest reads reports back for the tests: a PDF validated and
// its text extracted, as a reader's tools would see them.
package reporttest

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode"

	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// PDFText validates a PDF (pdfcpu, relaxed) and returns its number of
// pages and its text (ledongthuc/pdf), failing the test if either cannot
// be done.
func PDFText(t testing.TB, b []byte) (int, string) {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if err := api.Validate(bytes.NewReader(b), conf); err != nil {
		t.Fatalf("the PDF is not well-formed: %v", err)
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the PDF cannot be parsed back: %v", err)
	}
	plain, err := r.GetPlainText()
	if err != nil {
		t.Fatalf("the PDF's text cannot be read back: %v", err)
	}
	text, err := io.ReadAll(plain)
	if err != nil {
		t.Fatal(err)
	}
	return r.NumPage(), string(text)
}

// Squeeze drops every space from s: text wrapped over lines and pages
// compares equal to the same text on one line.
func Squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
