// Package ingest reads the outside data Safeguard verifies the program
// from: the CISA Known Exploited Vulnerabilities catalog, FIRST EPSS
// scores, and (to come) account exports and scanner output. Every reader
// streams, bounds what it reads, hashes the bytes it read, and names the
// file and the element, line or field of any problem; nothing it returns is
// partial.
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// MaxKEVBytes bounds a KEV catalog file (the real one is about 1.3 MB).
const MaxKEVBytes = 64 << 20

var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// ValidCVE reports whether s is a CVE id as the KEV schema writes it.
func ValidCVE(s string) bool { return cveRE.MatchString(s) }

// A KEVEntry is one vulnerability of the catalog.
type KEVEntry struct {
	CVE            string   `json:"cveID"`
	Vendor         string   `json:"vendorProject"`
	Product        string   `json:"product"`
	Name           string   `json:"vulnerabilityName"`
	DateAdded      string   `json:"dateAdded"`
	Description    string   `json:"shortDescription"`
	RequiredAction string   `json:"requiredAction"`
	DueDate        string   `json:"dueDate"`
	Ransomware     string   `json:"knownRansomwareCampaignUse"`
	Notes          string   `json:"notes"`
	CWEs           []string `json:"cwes"`
}

// KEVCatalog is the catalog as CISA publishes it, with the file's hash.
type KEVCatalog struct {
	Title    string
	Version  string
	Released time.Time
	Entries  []KEVEntry
	File     string
	SHA256   string
	Size     int64
}

// countingHasher hashes and counts what is read through it.
type countingHasher struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	max  int64
	file string
	text *tabular.TextReader // nil when the reader checks the text itself
	json *jsonGuard          // the JSON readers' bound on one token
}

// newCounting counts, hashes and checks as UTF-8 text what a reader reads
// of r; a reader defers refused with its error.
func newCounting(file string, r io.Reader, max int64) *countingHasher {
	text := tabular.Text(file, r)
	c := counting(file, text, max)
	c.text = text
	return c
}

// refused gives, for whatever error a reader made, the one that refused
// the file as not UTF-8 text, or for a JSON token too long, when that is
// what stopped it: the same message, naming the file and line or byte,
// from every format.
func (c *countingHasher) refused(err *error) {
	switch {
	case *err == nil:
	case c.text != nil && c.text.Err() != nil:
		*err = c.text.Err()
	case c.json != nil && c.json.err != nil:
		*err = c.json.err
	}
}

// counting is newCounting for a reader that checks the text itself (the
// CSV reader, tabular.CSVRows).
func counting(file string, r io.Reader, max int64) *countingHasher {
	return &countingHasher{r: r, h: sha256.New(), max: max, file: file}
}

var errTooLarge = errors.New("too large")

func (c *countingHasher) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if c.n > c.max {
		return n, errTooLarge
	}
	return n, err
}

func (c *countingHasher) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// jsonError names where a JSON document went wrong.
func jsonError(file string, err error, at string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errTooLarge):
		return errs.New(errs.TooLarge, file+" is larger than this import takes")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.Invalid, fmt.Sprintf("%s ends early%s: the file is truncated", file, at))
	case errors.As(err, &syn):
		return errs.New(errs.Invalid, fmt.Sprintf("%s: not valid JSON at byte %d%s: %v", file, syn.Offset, at, syn))
	case errors.As(err, &typ):
		return errs.New(errs.Invalid, fmt.Sprintf("%s%s: field %q should be %s", file, at, typ.Field, typ.Type))
	}
	return errs.Wrap(errs.Invalid, file+at, err)
}

// ReadKEV reads the CISA KEV catalog's JSON file (as published at
// https://www.cisa.gov/known-exploited-vulnerabilities-catalog),
// streaming over its vulnerabilities. It checks every entry's CVE id and
// dates, refuses duplicates, and checks the catalog's count against the
// entries read, so a truncated or edited file is refused whole.
func ReadKEV(file string, r io.Reader) (_ *KEVCatalog, err error) {
	in := newCounting(file, r, MaxKEVBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	c := &KEVCatalog{File: file}
	count := -1
	if err := expectDelim(dec, '{'); err != nil {
		return nil, notKEV(file, err)
	}
	seen := map[string]int{}
	var problems []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(file, err, "")
		}
		key, _ := tok.(string)
		switch key {
		case "title":
			err = dec.Decode(&c.Title)
		case "catalogVersion":
			err = dec.Decode(&c.Version)
		case "dateReleased":
			var s string
			if err = dec.Decode(&s); err == nil {
				if c.Released, err = time.Parse(time.RFC3339, s); err != nil {
					return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: dateReleased %q is not a date-time", file, s))
				}
			}
		case "count":
			err = dec.Decode(&count)
		case "vulnerabilities":
			if err := expectDelim(dec, '['); err != nil {
				return nil, jsonError(file, err, ", at vulnerabilities")
			}
			for i := 0; dec.More(); i++ {
				var e KEVEntry
				if err := dec.Decode(&e); err != nil {
					return nil, jsonError(file, err, fmt.Sprintf(", at vulnerabilities[%d]", i))
				}
				at := fmt.Sprintf("vulnerabilities[%d]", i)
				switch {
				case !ValidCVE(e.CVE):
					problems = append(problems, fmt.Sprintf("%s.cveID: %q is not a CVE id", at, e.CVE))
				case seen[e.CVE] > 0:
					problems = append(problems, fmt.Sprintf("%s.cveID: %s appears twice (first at vulnerabilities[%d])", at, e.CVE, seen[e.CVE]-1))
				default:
					seen[e.CVE] = i + 1
				}
				for _, d := range []struct{ field, v string }{{"dateAdded", e.DateAdded}, {"dueDate", e.DueDate}} {
					if _, err := time.Parse("2006-01-02", d.v); err != nil {
						problems = append(problems, fmt.Sprintf("%s.%s: %q is not a date", at, d.field, d.v))
					}
				}
				if len(problems) >= 20 {
					return nil, errs.New(errs.Invalid, file+": not imported:\n"+strings.Join(problems, "\n"))
				}
				c.Entries = append(c.Entries, e)
			}
			_, err = dec.Token() // ]
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, jsonError(file, err, " at "+key)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, jsonError(file, err, "")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.New(errs.Invalid, file+": there is more after the catalog's closing brace")
	}
	switch {
	case len(problems) > 0:
		return nil, errs.New(errs.Invalid, file+": not imported:\n"+strings.Join(problems, "\n"))
	case c.Version == "" || c.Released.IsZero():
		return nil, errs.New(errs.Invalid, file+": catalogVersion and dateReleased are required (is this the KEV catalog's JSON file?)")
	case count < 0:
		return nil, errs.New(errs.Invalid, file+": count is missing")
	case count != len(c.Entries):
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: the catalog says it holds %d vulnerabilities but the file has %d: it is truncated or edited", file, count, len(c.Entries)))
	}
	c.SHA256, c.Size = in.sum(), in.n
	return c, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

func notKEV(file string, err error) error {
	if errors.Is(err, errTooLarge) || errors.Is(err, io.EOF) {
		return jsonError(file, err, "")
	}
	return errs.New(errs.Invalid, file+" is not the KEV catalog's JSON file (a JSON object with catalogVersion and vulnerabilities): "+err.Error())
}
