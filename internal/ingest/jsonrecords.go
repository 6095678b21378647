package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// jsonRecords streams the records of a JSON document whose records are
// an array: under one of keys (a key of the top-level object, or a path
// of keys through nested objects, "hits.hits") — top, when not nil, is
// given each other top-level key's value, one at a time, and every other
// value is skipped — or, when array is true, the document itself. record
// is called for each, to decode it with dec.Decode, with its path for
// errors ("findings[3]"). It reports which key held the records ("[]"
// for a top-level array, "" when none did), and refuses a document that is
// neither, or that goes on after its end; label names the format in that
// refusal.
func jsonRecords(file, label string, dec *json.Decoder, keys []string, array bool, top func(key string, value any), record func(path string) error) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", jsonError(file, err, "")
	}
	each := func(prefix string) error {
		for i := 0; dec.More(); i++ {
			if err := record(fmt.Sprintf("%s[%d]", prefix, i)); err != nil {
				return jsonOr(file, err, fmt.Sprintf(", at %s[%d]", prefix, i))
			}
		}
		_, err := dec.Token()
		return jsonOr(file, err, ", at "+prefix)
	}
	found := ""
	// object reads an object whose '{' is read, at path (its keys' prefix).
	var object func(path string) error
	object = func(path string) error {
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return jsonError(file, err, "")
			}
			key, _ := t.(string)
			at := path + key
			isRecords, leadsTo := false, false
			for _, k := range keys {
				isRecords = isRecords || k == at
				leadsTo = leadsTo || strings.HasPrefix(k, at+".")
			}
			switch {
			case isRecords && found == "":
				t, err := dec.Token()
				if err != nil {
					return jsonError(file, err, ", at "+at)
				}
				if t == nil { // "findings": null
					found = at
					continue
				}
				if t != json.Delim('[') {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s should be an array", file, at))
				}
				found = at
				if err := each(at); err != nil {
					return err
				}
			case leadsTo && found == "":
				t, err := dec.Token()
				if err != nil {
					return jsonError(file, err, ", at "+at)
				}
				if t != json.Delim('{') {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s should be an object", file, at))
				}
				if err := object(at + "."); err != nil {
					return err
				}
			default:
				if top == nil || path != "" {
					if err := skipValue(dec); err != nil {
						return jsonError(file, err, ", at "+at)
					}
					continue
				}
				var v any
				if err := dec.Decode(&v); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				top(key, v)
			}
		}
		_, err := dec.Token()
		return jsonOr(file, err, "")
	}
	switch tok {
	case json.Delim('['):
		if !array {
			return "", errs.New(errs.Invalid, fmt.Sprintf("%s is not %s (it is a JSON array, not an object)", file, label))
		}
		if err := each(""); err != nil {
			return "", err
		}
		found = "[]"
	case json.Delim('{'):
		if err := object(""); err != nil {
			return "", err
		}
	default:
		return "", errs.New(errs.Invalid, fmt.Sprintf("%s is not %s (it is not a JSON object)", file, label))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", errs.New(errs.Invalid, file+": there is more after the document's end")
	}
	return found, nil
}

// skipValue passes over the next value token by token, holding none of
// it.
func skipValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	return skipValueFrom(dec, t)
}
