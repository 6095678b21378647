package dataimport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// tlsReport imports a TLS scanner's report (testssl.sh, sslyze): each
// endpoint's result, judged against the organisation's TLS profile as
// Safeguard's own probes are, beside them.
func tlsReport(ctx context.Context, req Request, sc *store.Scoped, name string, format *ingest.Format, r io.Reader, raw *hashed, out *Outcome) error {
	say := func(format string, args ...any) { out.Summary = append(out.Summary, fmt.Sprintf(format, args...)) }
	p, err := sc.Profile(ctx)
	if err != nil {
		return err
	}
	profile, err := tlscheck.LoadProfile(p.TLSProfile)
	if err != nil {
		return errs.New(errs.Invalid, err.Error())
	}
	rep, err := format.TLS(name, r, profile)
	if err != nil {
		return err
	}
	results := make([]store.TLSResult, 0, len(rep.Results))
	counts := map[string]int{}
	var failing []string
	for _, res := range rep.Results {
		b, err := json.Marshal(res)
		if err != nil {
			return errs.Wrap(errs.Internal, "a TLS result", err)
		}
		results = append(results, store.TLSResult{Endpoint: res.Endpoint, Source: res.Source, Status: res.Status, Profile: res.Profile, Result: b, CheckedAt: res.At})
		counts[res.Status]++
		if res.Status == tlscheck.Fail {
			failing = append(failing, res.Endpoint)
		}
	}
	imp, err := sc.ImportTLSResults(ctx, format.ID, name, out.SHA256, out.Size, rep.Tool+" "+strings.TrimSpace(rep.Version), results,
		func() string { sum, _ := raw.sum(); return sum }, req.After...)
	if err != nil {
		return err
	}
	out.Import, out.Fresh, out.Records = imp.Record.ID, imp.Fresh, imp.Endpoints
	if !imp.Fresh {
		say("%s: a %s report%s.", name, format.Label, again(false))
		return nil
	}
	say("%s: %s of %s, judged against Mozilla's %q profile: %d pass, %d warn, %d fail, %d could not be reached.", name,
		plural(len(results), "endpoint", "endpoints"), rep.Tool, profile.Name, counts[tlscheck.Pass], counts[tlscheck.Warn], counts[tlscheck.Fail], counts[tlscheck.Unknown])
	if len(failing) > 0 {
		say("failing: %s", strings.Join(clip(failing, 10), ", "))
	}
	return nil
}
