package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func vendorBase(r *http.Request) string { return "/orgs/" + r.PathValue("org") + "/vendors" }

type vendorsView struct {
	programView
	Vendors  []*vendor.View
	Columns  string
	Statuses []vendor.Status
	Counts   map[string]int // business associates, subcontractors, undetermined, tier 1
}

func (s *Server) vendorsPage(w http.ResponseWriter, r *http.Request) {
	s.renderVendors(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

// renderVendors shows the register with its import form.
func (s *Server) renderVendors(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	vs, err := kit.VendorViews(r.Context(), sc.Vendors(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &vendorsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Vendors: vs, Columns: strings.Join(vendor.Columns, ", "),
		Statuses: vendor.Statuses, Counts: map[string]int{}}
	for _, x := range vs {
		v.Counts[string(x.Status)]++
		if x.Tier == 1 {
			v.Counts["tier1"]++
		}
	}
	s.render(w, r, "vendors", status, page{Title: "Vendors · " + sc.Org().Name, Data: v})
}

type vendorView struct {
	programView
	Vendor   *vendor.Vendor
	View     *vendor.View // nil for a new vendor
	Statuses []vendor.Status
	Accesses []vendor.Access
	Crits    []risk.Criticality
	Assets   []*risk.Asset
	Flows    []flowLine
	Parents  []*vendor.Vendor // the business associates a subcontractor may name
	Subs     []*vendor.View   // its subcontractors
	Contacts []vendor.Contact // its contacts and blank lines to add more
	// Agreements are its agreements, each with the required terms it
	// lacks (a business associate agreement's).
	Agreements []agreementLine
	Reviews    []*vendor.Review
	Incidents  []kit.IncidentLine
	SBOMs      []*store.DataImport // linked to the vendor
	SBOMChoice []*store.DataImport // the SBOM imports not linked yet
	Outcomes   []vendor.Outcome
	Today      string
	// Requests are the questionnaires sent to it, newest first; Newest
	// its newest answers; Catalog what may be sent; Link a link just
	// sent, shown once.
	Requests             []requestLine
	Newest               *vendor.Request
	Catalog              []*vendor.Questionnaire
	DefaultDays, MaxDays int
	Link                 *sentLink
}

type agreementLine struct {
	*vendor.Agreement
	Missing []vendor.Term
}

func (s *Server) newVendorPage(w http.ResponseWriter, r *http.Request) {
	s.renderVendor(w, r, http.StatusOK, "", "", &vendor.Vendor{Access: vendor.AccessNone, Criticality: risk.CriticalityModerate, Status: vendor.Undetermined})
}

func (s *Server) vendorPage(w http.ResponseWriter, r *http.Request) {
	s.renderVendor(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

// renderVendor shows a vendor and its form (posted, when a save was
// refused; a new vendor's when there is no id).
func (s *Server) renderVendor(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *vendor.Vendor) {
	s.renderVendorFull(w, r, status, errMsg, notice, posted, nil)
}

// renderVendorPage is the vendor's page as stored, for refuse.
func (s *Server) renderVendorPage(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	s.renderVendor(w, r, status, errMsg, notice, nil)
}

// renderVendorFull is renderVendor showing, once, the link of a
// questionnaire just sent.
func (s *Server) renderVendorFull(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *vendor.Vendor, link *sentLink) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	views, err := kit.VendorViews(ctx, sc.Vendors(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &vendorView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Statuses: vendor.Statuses, Accesses: vendor.Accesses, Crits: risk.Criticalities,
		Outcomes: vendor.Outcomes, Today: s.now().UTC().Format("2006-01-02"), Link: link}
	id := r.PathValue("id")
	for _, x := range views {
		switch {
		case x.ID == id:
			v.View = x
		case x.Status == vendor.BusinessAssociate:
			v.Parents = append(v.Parents, x.Vendor)
		}
		if id != "" && x.SubcontractorOf == id {
			v.Subs = append(v.Subs, x)
		}
	}
	if id != "" && v.View == nil {
		s.fail(w, r, errs.New(errs.NotFound, "vendor not found"))
		return
	}
	v.Vendor = posted
	if v.Vendor == nil {
		v.Vendor = v.View.Vendor
	} else if v.View != nil {
		posted.ID = v.View.ID
	}
	if v.Assets, err = sc.Vendors().Assets(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	flows, err := sc.Vendors().Flows(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, a := range v.Assets {
		names[a.ID] = a.Name
	}
	for _, f := range flows {
		v.Flows = append(v.Flows, flowLine{Flow: f, From: names[f.From], To: names[f.To]})
	}
	v.Contacts = append(append([]vendor.Contact{}, v.Vendor.Contacts...), vendor.Contact{}, vendor.Contact{})
	if v.View != nil {
		as, err := sc.Vendors().Agreements(ctx, v.View.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if v.Reviews, err = sc.Vendors().VendorReviews(ctx, v.View.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		if v.Incidents, err = kit.VendorIncidents(ctx, sc.Vendors(), v.View.ID, s.now()); err != nil {
			s.fail(w, r, err)
			return
		}
		if v.SBOMs, err = sc.Vendors().VendorSBOMs(ctx, v.View.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		all, err := sc.Vendors().ImportsOfKinds(ctx, kit.SBOMFormats, 200)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, d := range all {
			if !slices.ContainsFunc(v.SBOMs, func(x *store.DataImport) bool { return x.ID == d.ID }) {
				v.SBOMChoice = append(v.SBOMChoice, d)
			}
		}
		if err := s.vendorQuestionnaires(r, v); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, a := range as {
			line := agreementLine{Agreement: a}
			if a.Covers() {
				line.Missing = a.Missing()
			}
			v.Agreements = append(v.Agreements, line)
		}
	}
	title := "New vendor"
	if v.View != nil {
		title = v.View.Name
	}
	s.render(w, r, "vendor", status, page{Title: title + " · " + sc.Org().Name, Data: v})
}

// vendorWith is the vendor's page showing posted (nil: the vendor as
// stored), for refuse.
func (s *Server) vendorWith(posted *vendor.Vendor) func(http.ResponseWriter, *http.Request, int, string, string) {
	return func(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
		s.renderVendor(w, r, status, errMsg, notice, posted)
	}
}

// vendorFromForm reads a vendor's fields; its contacts are the form's
// rows of contact fields.
func vendorFromForm(r *http.Request) *vendor.Vendor {
	r.ParseForm()
	records, _ := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(r.FormValue("records")), ",", ""), 10, 64)
	tier, _ := strconv.Atoi(r.FormValue("tier_override"))
	v := &vendor.Vendor{Name: r.FormValue("name"), Services: r.FormValue("services"), Website: r.FormValue("website"), Owner: r.FormValue("owner"), Notes: r.FormValue("notes"),
		Creates: r.FormValue("creates") != "", Receives: r.FormValue("receives") != "", Maintains: r.FormValue("maintains") != "", Transmits: r.FormValue("transmits") != "",
		Records: records, Access: vendor.Access(r.FormValue("access")), Criticality: risk.Criticality(r.FormValue("criticality")),
		Status: vendor.Status(r.FormValue("status")), StatusReason: r.FormValue("status_reason"), SubcontractorOf: r.FormValue("subcontractor_of"),
		TierOverride: tier, TierReason: r.FormValue("tier_reason"), Assets: r.Form["asset"], Flows: r.Form["flow"]}
	names, roles, emails, phones := r.Form["contact_name"], r.Form["contact_role"], r.Form["contact_email"], r.Form["contact_phone"]
	at := func(s []string, i int) string {
		if i < len(s) {
			return s[i]
		}
		return ""
	}
	for i := range max(len(names), len(emails)) {
		v.Contacts = append(v.Contacts, vendor.Contact{Name: at(names, i), Role: at(roles, i), Email: at(emails, i), Phone: at(phones, i)})
	}
	return v
}

func (s *Server) createVendor(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	v := vendorFromForm(r)
	if err := s.vendors.Create(r.Context(), sc.Vendors(), sc.Org().ID, v); err != nil {
		s.refuse(w, r, err, s.vendorWith(v))
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+v.ID+"?notice="+url.QueryEscape("Added "+v.Name+" to the register."), http.StatusSeeOther)
}

func (s *Server) saveVendor(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	v := vendorFromForm(r)
	v.ID = r.PathValue("id")
	if err := s.vendors.Update(r.Context(), sc.Vendors(), sc.Org().ID, v); err != nil {
		s.refuse(w, r, err, s.vendorWith(v))
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+v.ID+"?notice=Saved.", http.StatusSeeOther)
}

func (s *Server) deleteVendor(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.vendors.Delete(r.Context(), sc.Vendors(), sc.Org().ID, r.PathValue("id")); err != nil {
		s.refuse(w, r, err, s.vendorWith(nil))
		return
	}
	http.Redirect(w, r, vendorBase(r)+"?notice=Deleted.", http.StatusSeeOther)
}

func (s *Server) exportVendors(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	name, ctype, data, err := kit.ExportVendors(r.Context(), sc.Vendors(), sc.Org().Slug, r.URL.Query().Get("format"), s.now())
	if err != nil {
		s.refuse(w, r, err, s.renderVendors)
		return
	}
	kit.Attachment(w, name, ctype, data)
}

// importVendors reads a register file and shows what it would do; the
// file is kept for the apply.
func (s *Server) importVendors(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.store, w, r, dataimport.RecordVendors, "the file")
	if err != nil {
		s.refuse(w, r, err, s.renderVendors)
		return
	}
	plan, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordVendors, filename, content, nil, s.now())
	if err != nil {
		s.refuse(w, r, err, s.renderVendors)
		return
	}
	id, err := keepUpload(r, dataimport.RecordVendors, filename, content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderImport(w, r, plan, id)
}

// applyVendorImport writes a previewed register file, provided neither
// the file nor the register changed since the preview.
func (s *Server) applyVendorImport(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("import")
	filename, content, err := sc.Risk().Upload(r.Context(), dataimport.RecordVendors, id)
	if err != nil {
		s.refuse(w, r, err, s.renderVendors)
		return
	}
	plan, err := s.records.ApplyPreviewed(r.Context(), sc.Records(), dataimport.RecordVendors, filename, content, nil, s.now(), r.FormValue("digest"))
	if err != nil {
		s.refuse(w, r, err, s.renderVendors)
		return
	}
	sc.Risk().DropUpload(r.Context(), id)
	http.Redirect(w, r, vendorBase(r)+"?notice="+url.QueryEscape(plan.Outcome()), http.StatusSeeOther)
}

type agreementView struct {
	programView
	Vendor    *vendor.View
	Agreement *vendor.Agreement
	New       bool
	Kinds     []vendor.AgreementKind
	Terms     []vendor.Term
	Accept    string
}

// agreementOf is the agreement the request names, of the vendor it
// names. Errors: NotFound.
func agreementOf(r *http.Request) (*vendor.Agreement, error) {
	a, err := kit.ScopeFrom(r.Context()).Vendors().Agreement(r.Context(), r.PathValue("agreement"))
	if err == nil && a.VendorID != r.PathValue("id") {
		err = errs.New(errs.NotFound, "agreement not found")
	}
	return a, err
}

// vendorOf is the request's vendor, with its view on the day.
func (s *Server) vendorOf(r *http.Request) (*vendor.View, error) {
	views, err := kit.VendorViews(r.Context(), kit.ScopeFrom(r.Context()).Vendors(), s.now())
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		if v.ID == r.PathValue("id") {
			return v, nil
		}
	}
	return nil, errs.New(errs.NotFound, "vendor not found")
}

func (s *Server) newAgreementPage(w http.ResponseWriter, r *http.Request) {
	s.renderAgreement(w, r, http.StatusOK, "", "", &vendor.Agreement{Kind: vendor.BAA, Terms: map[string]vendor.TermMark{}})
}

func (s *Server) agreementPage(w http.ResponseWriter, r *http.Request) {
	s.renderAgreement(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

// renderAgreement shows an agreement's form: posted when a save was
// refused, a new one's when the request names none.
func (s *Server) renderAgreement(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *vendor.Agreement) {
	sc := kit.ScopeFrom(r.Context())
	v, err := s.vendorOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view := &agreementView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Vendor: v, Agreement: posted, Kinds: vendor.AgreementKinds,
		Terms: vendor.Terms, Accept: evidence.AcceptAttr(), New: r.PathValue("agreement") == ""}
	if view.New && view.Agreement == nil {
		view.Agreement = &vendor.Agreement{Kind: vendor.BAA}
	}
	if !view.New {
		a, err := agreementOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if view.Agreement == nil {
			view.Agreement = a
		}
		view.Agreement.ID = a.ID
	}
	title := "New agreement"
	if !view.New {
		title = view.Agreement.Title
	}
	s.render(w, r, "agreement", status, page{Title: title + " · " + v.Name, Data: view})
}

func (s *Server) saveAgreement(w http.ResponseWriter, r *http.Request) {
	v, err := s.vendorOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("agreement")
	if id != "" {
		if _, err := agreementOf(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	a, err := s.files.SaveAgreement(w, r, v.Vendor, id)
	if err != nil {
		if kit.UserError(err) {
			s.renderAgreement(w, r, errs.HTTPStatus(err), errs.Message(err), "", a)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+v.ID+"?notice="+url.QueryEscape("Saved "+a.Title+"."), http.StatusSeeOther)
}

func (s *Server) deleteAgreement(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	// Deleting what is gone (a second press) is done already.
	a, err := agreementOf(r)
	if err == nil {
		err = s.vendors.DeleteAgreement(r.Context(), sc.Vendors(), sc.Org().ID, a.ID)
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+r.PathValue("id")+"?notice=Deleted+the+agreement.", http.StatusSeeOther)
}

func (s *Server) addVendorReview(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	rev := &vendor.Review{VendorID: r.PathValue("id"), ReviewedOn: r.FormValue("reviewed_on"), Reviewer: r.FormValue("reviewer"), Outcome: vendor.Outcome(r.FormValue("outcome")), Notes: r.FormValue("notes")}
	if err := s.vendors.AddReview(r.Context(), sc.Vendors(), sc.Org().ID, rev); err != nil {
		s.refuse(w, r, err, s.vendorWith(nil))
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+rev.VendorID+"?notice="+url.QueryEscape("Recorded the review of "+rev.ReviewedOn+"."), http.StatusSeeOther)
}

// formTime reads a form's datetime-local field as UTC; "" is the zero time.
func formTime(r *http.Request, field string) (time.Time, error) {
	v := strings.TrimSpace(r.FormValue(field))
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not a date and time (YYYY-MM-DDTHH:MM, UTC)", field, v))
}

func (s *Server) addVendorIncident(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	records, _ := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(r.FormValue("records")), ",", ""), 10, 64)
	i := &vendor.Incident{VendorID: r.PathValue("id"), Summary: r.FormValue("summary"), Records: records, PHI: r.FormValue("phi") != "", Notes: r.FormValue("notes")}
	aware, err := formTime(r, "aware_at")
	if err == nil {
		i.AwareAt = aware
		var notified time.Time
		if notified, err = formTime(r, "notified_at"); err == nil && !notified.IsZero() {
			i.NotifiedAt = &notified
		}
	}
	if err == nil {
		err = s.vendors.AddIncident(r.Context(), sc.Vendors(), sc.Org().ID, i)
	}
	if err != nil {
		s.refuse(w, r, err, s.vendorWith(nil))
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+i.VendorID+"?notice="+url.QueryEscape("Recorded the incident."), http.StatusSeeOther)
}

func (s *Server) linkVendorSBOM(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("id")
	var err error
	if imp := r.FormValue("import"); r.FormValue("unlink") != "" {
		err = s.vendors.UnlinkSBOM(r.Context(), sc.Vendors(), sc.Org().ID, id, imp)
	} else {
		err = s.vendors.LinkSBOM(r.Context(), sc.Vendors(), sc.Org().ID, id, imp, kit.SBOMFormats)
	}
	if err != nil {
		s.refuse(w, r, err, s.vendorWith(nil))
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+id+"?notice=Saved+the+SBOMs.", http.StatusSeeOther)
}
