package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
)

// The formats Detect tells apart.
const (
	FormatKEV       = "kev"
	FormatEPSS      = "epss"
	FormatTrivy     = "trivy"
	FormatGrype     = "grype"
	FormatSARIF     = "sarif"
	FormatCycloneDX = "cyclonedx"
	// FormatCycloneDXXML is a CycloneDX BOM in XML.
	FormatCycloneDXXML = "cyclonedx-xml"
	FormatSPDX         = "spdx"
	FormatNessus       = "nessus"
	FormatOpenVAS      = "openvas"
	FormatQualys       = "qualys"
	FormatQualysCSV    = "qualys-csv"
)

// A ScanReader streams a scanner's file, calling emit for each finding.
type ScanReader func(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error)

// qualysCSVHeader reports whether one of a CSV file's first lines is a
// Qualys header: QID, Title and Severity among its cells.
func qualysCSVHeader(h []byte) bool {
	cr := csv.NewReader(bytes.NewReader(h))
	cr.FieldsPerRecord = -1
	for range 11 {
		rec, err := cr.Read()
		if err != nil {
			return false
		}
		has := map[string]bool{}
		for _, c := range rec {
			has[normHeader(c)] = true
		}
		if has["qid"] && has["title"] && has["severity"] {
			return true
		}
	}
	return false
}

// HeadBytes is how much of a file Detect is given: enough for every
// format whose telling keys or columns come first.
const HeadBytes = 64 << 10

// DetectStream names the format of the file r reads, or "" when it is none
// Safeguard knows: from its first HeadBytes when they tell, else — a JSON
// object whose telling keys come later (a Grype report writes its
// descriptor after every match; a tool may write keys in any order) — from
// its top-level keys and their plain values, read as the file streams: the
// values between them are skipped token by token, never held, and no token
// may pass MaxJSONToken. It reads the whole file only in that case. A
// compressed file (gzip, or a zip of one file) is told by what it holds.
func DetectStream(r io.Reader) (string, error) {
	r, _, _, err := Unpack("the file", r)
	if err != nil {
		return "", err
	}
	head := make([]byte, HeadBytes)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", err
	}
	head = head[:n]
	if kind := Detect(head); kind != "" || n < HeadBytes {
		return kind, nil
	}
	if h := newHead(head); !h.json() {
		return "", nil
	}
	top, ok := topLevelKeys(io.MultiReader(bytes.NewReader(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))), r))
	if !ok {
		return "", nil
	}
	return Detect(top), nil
}

// topLevelKeys is a JSON document's outline, read as it streams: its
// top-level keys in their order, each with its value when that is a
// string, number or literal; an object's keys likewise, and an array's
// first element (the records of most formats), down to a few levels and
// a bounded size, every other element skipped token by token — so that a
// format is told by its records' fields too:
// {"bomFormat":"CycloneDX","components":[{"type":"library"}]}. false when
// r does not read as a JSON object.
func topLevelKeys(r io.Reader) ([]byte, bool) {
	dec := json.NewDecoder(&jsonGuard{r: r, file: "detect"})
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	const maxDepth, budget = 6, HeadBytes
	var out bytes.Buffer
	// value writes the outline of the value whose first token is t.
	var value func(t json.Token, depth int) bool
	value = func(t json.Token, depth int) bool {
		d, nested := t.(json.Delim)
		if !nested {
			b, _ := json.Marshal(t)
			out.Write(b)
			return true
		}
		if depth >= maxDepth || out.Len() > budget {
			out.WriteString("null")
			return skipValueFrom(dec, d) == nil
		}
		if d == '[' {
			out.WriteByte('[')
			for n := 0; dec.More(); n++ {
				t, err := dec.Token()
				if err != nil {
					return false
				}
				if n > 0 {
					if skipValueFrom(dec, t) != nil {
						return false
					}
					continue
				}
				if !value(t, depth+1) {
					return false
				}
			}
			_, err := dec.Token()
			out.WriteByte(']')
			return err == nil
		}
		out.WriteByte('{')
		for n := 0; dec.More(); n++ {
			t, err := dec.Token()
			key, ok := t.(string)
			if err != nil || !ok {
				return false
			}
			v, err := dec.Token()
			if err != nil {
				return false
			}
			if n > 0 {
				out.WriteByte(',')
			}
			k, _ := json.Marshal(key)
			out.Write(k)
			out.WriteByte(':')
			if !value(v, depth+1) {
				return false
			}
		}
		_, err := dec.Token()
		out.WriteByte('}')
		return err == nil
	}
	if !value(json.Delim('{'), 0) {
		return nil, false
	}
	return out.Bytes(), true
}

// skipValueFrom passes over the rest of a value whose first token, t, is
// read.
func skipValueFrom(dec *json.Decoder, t json.Token) error {
	d, ok := t.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
