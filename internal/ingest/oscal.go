package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/safeguard-health/safeguard/internal/catalog/oscalimport"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// KindFramework is a format whose record is a framework to assess
// against: an OSCAL catalog, or a profile resolved against one.
const KindFramework Kind = "framework"

// The OSCAL formats.
const (
	FormatOSCALCatalog = "oscal-catalog"
	FormatOSCALProfile = "oscal-profile"
)

// ReadOSCAL reads an OSCAL catalog or profile in JSON as every JSON format
// is read — UTF-8 text, each token bounded, a byte-order mark passed over
// — keeps its model's object (other top-level keys are passed over, as the
// other readers pass over keys they do not know), and validates it against
// the official OSCAL schema of the version it declares.
func ReadOSCAL(file string, r io.Reader) (_ *oscalimport.Document, err error) {
	in := newCounting(file, r, oscalimport.MaxBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, jsonError(file, err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errs.New(errs.Invalid, file+": the OSCAL document goes on after its end")
	}
	for _, model := range []string{oscalimport.ModelCatalog, oscalimport.ModelProfile} {
		raw, ok := top[model]
		if !ok {
			continue
		}
		var doc bytes.Buffer
		fmt.Fprintf(&doc, `{%q: `, model)
		doc.Write(raw)
		doc.WriteString("}")
		return oscalimport.Read(file, &doc)
	}
	return nil, errs.New(errs.Invalid, file+": the document holds no OSCAL catalog or profile")
}
