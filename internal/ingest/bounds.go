package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxJSONToken bounds one string, number or literal in a JSON file, as
// MaxXMLRun bounds XML's text and tabular's limit a CSV cell: the longest
// field in the public scanner samples is 16 KiB (an image's configuration,
// base64), so a longer one is not a scanner's, and a streaming read must
// not hold it.
const MaxJSONToken = 1 << 20

// jsonGuard fails a read once one JSON token grows past MaxJSONToken,
// naming the file and the byte the token began at. It follows strings and
// their escapes byte by byte; everything else between the structural
// characters and whitespace is a number or literal.
type jsonGuard struct {
	r                io.Reader
	file             string
	off              int64 // bytes read before this Read
	inString, escape bool
	start            int64 // where the current token began
	run              int   // its length so far
	err              error
}

func (g *jsonGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		if g.inString {
			switch {
			case g.escape:
				g.escape = false
			case b == '\\':
				g.escape = true
			case b == '"':
				g.inString, g.run = false, 0
				continue
			}
		} else {
			switch b {
			case '"':
				g.inString, g.start, g.run = true, g.off+int64(i), 0
				continue
			case ' ', '\t', '\n', '\r', '{', '}', '[', ']', ',', ':':
				g.run = 0
				continue
			}
			if g.run == 0 {
				g.start = g.off + int64(i)
			}
		}
		g.run++
		if g.run > MaxJSONToken {
			what := "value"
			if g.inString {
				what = "string"
			}
			g.err = errs.New(errs.TooLarge, fmt.Sprintf("%s: the JSON %s that begins at byte %d is longer than %d MiB: no field of a file Safeguard imports is that long", g.file, what, g.start, MaxJSONToken>>20))
			g.off += int64(i)
			return i, g.err
		}
	}
	g.off += int64(n)
	return n, err
}

// jsonDecoder is a JSON decoder over what c reads, every token bounded by
// MaxJSONToken (c.refused then gives that error, whatever the reader made
// of it), a leading byte-order mark passed over (Windows PowerShell's
// Out-File and Set-Content write one before the JSON).
func (c *countingHasher) jsonDecoder() *json.Decoder {
	br := bufio.NewReader(c)
	c.json = &jsonGuard{r: br, file: c.file}
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		c.json.off = 3 // errors still name the byte of the file
	}
	return json.NewDecoder(c.json)
}

// Bounds of what one finding stores: an identifier (a host, a target, a
// package, a version, a vulnerability id) longer than MaxFindingField
// bytes refuses the file, since cutting it would make it another
// identifier; a title longer than MaxFindingTitle is cut there, marked
// with "…". Pages and API answers show at most a page of findings, so
// these bound what any of them carries.
const (
	MaxFindingField = 4096
	MaxFindingTitle = 2000
)

// bounded is r with every finding it emits held to the bounds.
func bounded(r ScanReader) ScanReader {
	return func(file string, in io.Reader, emit func(Finding) error) (*ScanInfo, error) {
		n := 0
		return r(file, in, func(f Finding) error {
			n++
			fields := []struct {
				name, value string
			}{{"host", f.Host}, {"target", f.Target}, {"artifact", f.Artifact}, {"vulnerability id", f.VulnID}, {"CVE", f.CVE},
				{"package", f.Package}, {"installed version", f.Installed}, {"fixed version", f.Fixed}}
			for _, a := range f.HostAliases {
				fields = append(fields, struct{ name, value string }{"host alias", a})
			}
			for _, fl := range fields {
				if len(fl.value) > MaxFindingField {
					return errs.New(errs.TooLarge, fmt.Sprintf("%s: finding %d (%.60s…): its %s is %d bytes long; an identifier is at most %d", file, n, f.VulnID, fl.name, len(fl.value), MaxFindingField))
				}
			}
			f.Title = cut(f.Title, MaxFindingTitle)
			return emit(f)
		})
	}
}

// cut shortens s to at most max bytes, at a character's boundary, marked
// with "…".
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	end := max - len("…")
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}
