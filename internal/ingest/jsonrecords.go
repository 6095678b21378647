package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// jsonRecords streams the records of a JSON document whose records are
// an array: under one of keys at the top level of an object (top, when
// not nil, is given each other key's value, one at a time),
// or — when array is true — the document itself. record is called for
// each, to decode it with dec.Decode, with its path for errors
// ("findings[3]"). It reports which key held the records ("" for a
// top-level array, and when none did), and refuses a document that is
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
	switch tok {
	case json.Delim('['):
		if !array {
			return "", errs.New(errs.Invalid, fmt.Sprintf("%s is not %s (it is a JSON array, not an object)", file, label))
		}
		if err := each(""); err != nil {
			return "", err
		}
	case json.Delim('{'):
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return "", jsonError(file, err, "")
			}
			key, _ := t.(string)
			if slices.Contains(keys, key) && found == "" {
				t, err := dec.Token()
				if err != nil {
					return "", jsonError(file, err, ", at "+key)
				}
				if t == nil { // "findings": null
					found = key
					continue
				}
				if t != json.Delim('[') {
					return "", errs.New(errs.Invalid, fmt.Sprintf("%s: %s should be an array", file, key))
				}
				found = key
				if err := each(key); err != nil {
					return "", err
				}
				continue
			}
			var v any
			if err := dec.Decode(&v); err != nil {
				return "", jsonError(file, err, ", at "+key)
			}
			if top != nil {
				top(key, v)
			}
		}
		if _, err := dec.Token(); err != nil {
			return "", jsonError(file, err, "")
		}
	default:
		return "", errs.New(errs.Invalid, fmt.Sprintf("%s is not %s (it is not a JSON object)", file, label))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", errs.New(errs.Invalid, file+": there is more after the document's end")
	}
	return found, nil
}
