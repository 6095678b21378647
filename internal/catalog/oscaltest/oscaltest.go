// Package oscaltest validates OSCAL documents in tests: against go-oscal's
// embedded official schema, and against the official OSCAL 1.1.3 complete
// schema kept in shared/data/oscal beside the repository, when present
// (its \p{…} pattern classes are honoured: Go's regexp knows them).
package oscaltest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	once   sync.Once
	schema *jsonschema.Schema
	err    error
)

// shared compiles the official schema once; nil when it is not present.
func shared() (*jsonschema.Schema, error) {
	once.Do(func() {
		_, here, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(here), "..", "..", "..", "..", "shared", "data", "oscal", "oscal_complete_schema-1-1-3.json")
		f, openErr := os.Open(path)
		if openErr != nil {
			return
		}
		defer f.Close()
		doc, e := jsonschema.UnmarshalJSON(f)
		if e != nil {
			err = e
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err = c.AddResource(path, doc); err != nil {
			return
		}
		schema, err = c.Compile(path)
	})
	return schema, err
}

// Validate fails the test unless data is a valid OSCAL 1.1.3 document. It
// reports whether the official schema in shared/ was also applied.
func Validate(t testing.TB, data []byte) bool {
	t.Helper()
	v, e := validation.NewValidator(data)
	if e != nil {
		t.Fatal(e)
	}
	if e := v.Validate(); e != nil {
		res, _ := v.GetValidationResult()
		t.Fatalf("go-oscal: %v\n%+v", e, res.Errors)
	}
	s, e := shared()
	if e != nil {
		t.Fatal(e)
	}
	if s == nil {
		t.Log("shared OSCAL schema not found; validated with go-oscal's embedded official schema only")
		return false
	}
	var inst any
	if e := json.Unmarshal(data, &inst); e != nil {
		t.Fatal(e)
	}
	if e := s.Validate(inst); e != nil {
		t.Fatalf("official OSCAL 1.1.3 schema: %v", e)
	}
	return true
}

// Refused fails the test unless every validator at hand refuses data: the
// validators are shown to catch what they should.
func Refused(t testing.TB, data []byte) {
	t.Helper()
	v, e := validation.NewValidator(data)
	if e == nil && v.Validate() == nil {
		t.Error("go-oscal accepted the document")
	}
	s, e := shared()
	if e != nil {
		t.Fatal(e)
	}
	if s == nil {
		return
	}
	var inst any
	if e := json.Unmarshal(data, &inst); e != nil {
		return // not JSON: refused
	}
	if s.Validate(inst) == nil {
		t.Error("the official OSCAL 1.1.3 schema accepted the document")
	}
}
