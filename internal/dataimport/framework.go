package dataimport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/catalog/oscalimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// framework imports an OSCAL catalog, or a profile resolved against the
// catalog (or profile) of the organisation's it imports, as a framework
// the organisation can assess against. The framework's id is the
// request's, or made from the document's title; importing under an id
// again replaces that framework.
func framework(ctx context.Context, req Request, sc *store.Scoped, name string, format *ingest.Format, r io.Reader, out *Outcome) error {
	say := func(format string, args ...any) { out.Summary = append(out.Summary, fmt.Sprintf(format, args...)) }
	doc, err := format.Framework(name, r)
	if err != nil {
		return err
	}
	cat := doc.Catalog
	var from []string
	if doc.Profile != nil {
		cat, err = oscalimport.Resolve(doc.Profile, func(stems []string) (*oscal.Catalog, error) {
			f, err := sc.ImportedCatalog(ctx, stems)
			if err != nil {
				return nil, err
			}
			var c oscal.Catalog
			if err := json.Unmarshal(f.Resolved, &c); err != nil {
				return nil, errs.Wrap(errs.Internal, "the stored catalog of "+f.ID, err)
			}
			from = append(from, fmt.Sprintf("%s (%s, version %s)", f.Title, f.ID, f.Version))
			return &c, nil
		})
		if err != nil {
			return errs.Wrap(errs.KindOf(err), name, err)
		}
	}
	id := strings.TrimSpace(req.Framework)
	if id == "" {
		id = oscalimport.Slug(doc.Title)
	}
	note := fmt.Sprintf("Imported by the organisation from %s (SHA-256 %s).", name, out.SHA256)
	if len(from) > 0 {
		note += " Resolved against " + strings.Join(from, " and ") + "."
	}
	fw, err := oscalimport.Framework(doc, cat, id, note)
	if err != nil {
		return errs.Wrap(errs.KindOf(err), name, err)
	}
	base := req.Catalog
	if base == nil {
		if base, err = catalog.Load(); err != nil {
			return err
		}
	}
	if _, err := base.With(fw); err != nil {
		return errs.New(errs.Invalid, fmt.Sprintf("%s cannot be the framework %s: %v", name, id, err))
	}
	resolved, err := json.Marshal(cat)
	if err != nil {
		return errs.Wrap(errs.Internal, name, err)
	}
	controls := 0
	for _, it := range fw.Items {
		if it.Kind == catalog.KindControl {
			controls++
		}
	}
	rec := &store.ImportedFramework{ID: id, Model: doc.Model, Title: doc.Title, Version: fw.Version, File: name, Stem: oscalimport.Stem(name),
		SHA256: out.SHA256, Controls: controls, Resolved: resolved, Framework: fw}
	// A framework changes what can be assessed, not what the checks read:
	// the request's After (the check run an import queues) is not run.
	fresh, err := sc.PutFramework(ctx, rec)
	if err != nil {
		return err
	}
	out.Import, out.Fresh, out.Records = id, fresh, controls
	say("%s: the OSCAL %s %q, version %s: %s to assess, as the framework %s%s.", name, doc.Model, doc.Title, fw.Version, plural(controls, "control", "controls"), id, again(fresh))
	if len(from) > 0 {
		say("resolved against %s", strings.Join(from, " and "))
	}
	return nil
}
