package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxEPSSBytes bounds an EPSS file (the full daily file is about 10 MB
// uncompressed for some 300,000 CVEs).
const MaxEPSSBytes = 256 << 20

// An EPSSScore is FIRST's probability of exploitation in the next 30 days
// for one CVE, and its percentile among all scored CVEs.
type EPSSScore struct {
	CVE        string
	EPSS       float64
	Percentile float64
}

// EPSSFile is an EPSS scores file: the model and date from its comment
// line, and the scores.
type EPSSFile struct {
	Model     string
	ScoreDate string
	Scores    []EPSSScore
	File      string
	SHA256    string
	Size      int64
}

// ReadEPSS reads FIRST's EPSS CSV (https://www.first.org/epss/data_stats):
// an optional comment line "#model_version:…,score_date:…", the header
// cve,epss,percentile, and a row per CVE. A bad row is named by line;
// duplicates are refused; nothing is returned partial.
func ReadEPSS(file string, r io.Reader) (_ *EPSSFile, err error) {
	in := newCounting(file, r, MaxEPSSBytes)
	defer in.refused(&err)
	br := bufio.NewReaderSize(in, 64<<10)
	out := &EPSSFile{File: file}
	line, offset := 0, 0
	// The comment line, when there is one.
	if b, err := br.Peek(1); err == nil && b[0] == '#' {
		l, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, epssReadError(file, err)
		}
		line, offset = 1, 1
		for _, kv := range strings.Split(strings.TrimSpace(strings.TrimPrefix(l, "#")), ",") {
			k, v, _ := strings.Cut(kv, ":")
			switch strings.TrimSpace(k) {
			case "model_version":
				out.Model = strings.TrimSpace(v)
			case "score_date":
				out.ScoreDate = strings.TrimSpace(v)
			}
		}
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, epssReadError(file, err)
	}
	line++
	if len(header) < 3 || strings.TrimPrefix(strings.TrimSpace(header[0]), "\ufeff") != "cve" || strings.TrimSpace(header[1]) != "epss" || strings.TrimSpace(header[2]) != "percentile" {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: the header is not cve,epss,percentile (is this FIRST's EPSS CSV?)", file, line))
	}
	seen := map[string]int{}
	var problems []string
	fail := func(msg string) {
		if len(problems) < 20 {
			problems = append(problems, msg)
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, epssReadError(file, err)
		}
		line, _ = cr.FieldPos(0)
		line += offset
		if len(rec) < 3 {
			fail(fmt.Sprintf("line %d: %d fields, want cve,epss,percentile", line, len(rec)))
			continue
		}
		s := EPSSScore{CVE: strings.TrimSpace(rec[0])}
		if !ValidCVE(s.CVE) {
			fail(fmt.Sprintf("line %d, column \"cve\": %q is not a CVE id", line, s.CVE))
			continue
		}
		if first := seen[s.CVE]; first > 0 {
			fail(fmt.Sprintf("line %d, column \"cve\": %s appears twice (first on line %d)", line, s.CVE, first))
			continue
		}
		seen[s.CVE] = line
		var e1, e2 error
		s.EPSS, e1 = strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		s.Percentile, e2 = strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
		switch {
		case e1 != nil || s.EPSS < 0 || s.EPSS > 1:
			fail(fmt.Sprintf("line %d, column \"epss\": %q is not a probability between 0 and 1", line, rec[1]))
			continue
		case e2 != nil || s.Percentile < 0 || s.Percentile > 1:
			fail(fmt.Sprintf("line %d, column \"percentile\": %q is not between 0 and 1", line, rec[2]))
			continue
		}
		out.Scores = append(out.Scores, s)
	}
	if len(problems) > 0 {
		return nil, errs.New(errs.Invalid, file+": not imported:\n"+strings.Join(problems, "\n"))
	}
	if len(out.Scores) == 0 {
		return nil, errs.New(errs.Invalid, file+" has no scores")
	}
	out.SHA256, out.Size = in.sum(), in.n
	return out, nil
}

func epssReadError(file string, err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errTooLarge):
		return errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB", file, MaxEPSSBytes>>20))
	case errors.Is(err, io.EOF):
		return errs.New(errs.Invalid, file+" is empty")
	case errors.As(err, &pe):
		return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: %v", file, pe.Line, pe.Err))
	}
	return errs.Wrap(errs.Invalid, file, err)
}
