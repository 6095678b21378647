package pages

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/tailoring"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The organisation profile wizard and the tailoring page.

// wizardSteps are the profile wizard's pages.
var wizardSteps = []string{"Who you are", "Where ePHI lives", "Who is responsible", "Review"}

type profileView struct {
	programView
	Step        int
	Steps       []string
	Profile     *org.Profile
	Systems     []org.System // the profile's, and blank rows to add more
	EntityTypes []struct {
		Type  org.EntityType
		Label string
	}
	Months []string
	// For the review: applicable items of each framework (overrides
	// included), and how many enhanced goals are in scope.
	HIPAA, CPG, Enhanced int
	HIPAAItems, CPGItems int
	Small, Hospital      bool
	SmallThreshold       int
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	step, _ := strconv.Atoi(r.URL.Query().Get("step"))
	s.renderProfile(w, r, http.StatusOK, step, "", nil)
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status, step int, errMsg string, edited *org.Profile) {
	sc := kit.ScopeFrom(r.Context())
	p := edited
	if p == nil {
		var err error
		if p, err = sc.Program().Profile(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if step < 1 || step > len(wizardSteps) {
		step = 1
	}
	pv := &profileView{programView: programView{Scope: sc, Error: errMsg}, Step: step, Steps: wizardSteps, Profile: p,
		EntityTypes: org.EntityTypes, SmallThreshold: org.SmallThreshold,
		Months: []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}}
	pv.Systems = append(append([]org.System{}, p.Systems...), make([]org.System, 3)...)
	o := sc.Org()
	pv.Small, pv.Hospital = o.Small(p), o.Hospital(p)
	// The profile shown (perhaps edited and not yet saved) with the
	// overrides in force, so the review agrees with the tailoring page.
	overrides, err := sc.Program().TailoringOverrides(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, fw := range []string{catalog.HIPAASecurityRule, catalog.HPHCPG} {
		ds, err := s.program.Rules.Tailor(s.catalog, fw, tailoring.Facts{Org: o, Profile: p}, overrides)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		n := len(tailoring.Applicable(ds))
		if fw == catalog.HIPAASecurityRule {
			pv.HIPAA, pv.HIPAAItems = n, len(ds)
			continue
		}
		pv.CPG, pv.CPGItems = n, len(ds)
		for _, d := range ds {
			if it, _ := s.catalog.Item(d.ItemID); d.Applicable && it.Tier == catalog.TierEnhanced {
				pv.Enhanced++
			}
		}
	}
	s.render(w, r, "profile", status, page{Title: "Organisation profile · " + o.Name, Data: pv})
}

// saveProfile saves one step of the wizard and moves to the next.
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	if err := s.parseFormLimit(w, r, 64<<10); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	p, err := sc.Program().Profile(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := *sc.Org()
	step, _ := strconv.Atoi(r.PostFormValue("step"))
	f := r.PostForm
	num := func(name, label string) (int, error) {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, errs.New(errs.Invalid, label+" must be a whole number, 0 or more")
		}
		return n, nil
	}
	switch step {
	case 1:
		o.Name, o.EntityType = strings.TrimSpace(f.Get("name")), org.EntityType(f.Get("entity_type"))
		for _, n := range []struct {
			dst         *int
			name, label string
		}{{&o.WorkforceSize, "workforce", "Workforce"}, {&o.Sites, "sites", "Sites"}, {&p.Beds, "beds", "Beds"}, {&p.Members, "members", "Members"}} {
			if *n.dst, err = num(n.name, n.label); err != nil {
				break
			}
		}
		p.ClearinghouseInLargerOrg = f.Get("clearinghouse_in_larger_org") == "on"
		p.GroupHealthPlan = f.Get("group_health_plan") == "on"
		p.SponsorReceives = f.Get("sponsor_receives")
		p.Subcontractors = f.Get("subcontractors") == "on"
		p.HealthCareComponents = strings.TrimSpace(f.Get("health_care_components"))
	case 2:
		var systems []org.System
		for i := 0; i < 300; i++ {
			key := "sys-" + strconv.Itoa(i) + "-"
			if _, present := f[key+"name"]; !present {
				continue
			}
			sys := org.System{Name: f.Get(key + "name"), Location: f.Get(key + "location"), Description: strings.TrimSpace(f.Get(key + "description")),
				Creates: f.Get(key+"creates") == "on", Receives: f.Get(key+"receives") == "on", Maintains: f.Get(key+"maintains") == "on", Transmits: f.Get(key+"transmits") == "on"}
			if strings.TrimSpace(sys.Name) == "" && strings.TrimSpace(sys.Location) == "" && sys.Description == "" && len(sys.Uses()) == 0 {
				continue // a blank row
			}
			systems = append(systems, sys)
		}
		p.Systems = systems
	case 3:
		p.SecurityOfficial = org.Official{Name: f.Get("security_name"), Title: f.Get("security_title"), Email: f.Get("security_email")}
		p.PrivacyOfficial = org.Official{Name: f.Get("privacy_name"), Title: f.Get("privacy_title"), Email: f.Get("privacy_email")}
		p.FiscalYearStart, err = num("fiscal_year_start", "The fiscal year's first month")
		p.EmailDomains = org.ParseEmailDomains(f.Get("email_domains"))
		p.TLSEndpoints = org.ParseLines(f.Get("tls_endpoints"))
		p.TLSProfile = f.Get("tls_profile")
	case 4:
		if strings.TrimSpace(p.SecurityOfficial.Name) == "" {
			err = errs.New(errs.Invalid, "name the security official before finishing: 164.308(a)(2) requires one person responsible for security")
			step = 3
		}
		p.Completed = err == nil
	default:
		err = errs.New(errs.Invalid, "unknown step of the profile")
	}
	if err == nil {
		err = sc.Program().SaveProfile(r.Context(), &o, p)
	}
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		s.renderProfile(w, r, http.StatusBadRequest, step, errs.Message(err), p)
		return
	}
	if step >= len(wizardSteps) {
		http.Redirect(w, r, "/orgs/"+o.Slug+"/tailoring", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/orgs/"+o.Slug+"/profile?step="+strconv.Itoa(step+1), http.StatusSeeOther)
}

type tailoringView struct {
	programView
	Frameworks []tailoredFramework
}

type tailoredFramework struct {
	Framework  *catalog.Framework
	Rows       []tailoredRow
	Applicable int
	// Common is the reason most rows give, with its source, and
	// CommonNotes the notes on most rows: said once above the table, not
	// on every row.
	Common      *tailoring.Decision
	CommonNotes []tailoring.Note
}

type tailoredRow struct {
	Item     *catalog.Item
	Decision tailoring.Decision
	// Common: the row's reason is the framework's common one; Notes are
	// its notes but the common ones.
	Common bool
	Notes  []tailoring.Note
}

// shareCommon finds the reason and the notes most of a framework's rows
// give, and marks the rows that give them, so that each is said once.
func (tf *tailoredFramework) shareCommon() {
	reasons, notes := map[string]int{}, map[string]int{}
	for _, r := range tf.Rows {
		if r.Decision.Override == nil {
			reasons[r.Decision.Reason]++
		}
		for _, n := range r.Decision.Notes {
			notes[n.ID]++
		}
	}
	half := len(tf.Rows) / 2
	for i := range tf.Rows {
		r := &tf.Rows[i]
		if reasons[r.Decision.Reason] > half && r.Decision.Override == nil {
			if tf.Common == nil {
				tf.Common = &r.Decision
			}
			r.Common = true
		}
		for _, n := range r.Decision.Notes {
			if notes[n.ID] <= half {
				r.Notes = append(r.Notes, n)
			} else if !slices.ContainsFunc(tf.CommonNotes, func(c tailoring.Note) bool { return c.ID == n.ID }) {
				tf.CommonNotes = append(tf.CommonNotes, n)
			}
		}
	}
}

func (s *Server) tailoringPage(w http.ResponseWriter, r *http.Request) {
	s.renderTailoring(w, r, http.StatusOK, "", "")
}

func (s *Server) renderTailoring(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	tv := &tailoringView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}}
	for _, fw := range s.program.Frameworks() {
		ds, err := s.program.Tailor(r.Context(), sc.Program(), fw.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		tf := tailoredFramework{Framework: fw}
		for _, d := range ds {
			it, _ := s.catalog.Item(d.ItemID)
			tf.Rows = append(tf.Rows, tailoredRow{Item: it, Decision: d})
			if d.Applicable {
				tf.Applicable++
			}
		}
		tf.shareCommon()
		tv.Frameworks = append(tv.Frameworks, tf)
	}
	s.render(w, r, "tailoring", status, page{Title: "Tailoring · " + sc.Org().Name, Data: tv})
}

// overrideTailoring records or clears a person's decision on one item.
func (s *Server) overrideTailoring(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	id := r.PostFormValue("item")
	it, ok := s.catalog.Item(id)
	if !ok || !tailoring.Assessable(it) {
		s.renderTailoring(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not an item that can be tailored", id), "")
		return
	}
	var err error
	notice := ""
	if r.PostFormValue("clear") != "" {
		err = sc.Program().ClearTailoringOverride(r.Context(), it.ID)
		notice = it.Citation + ": Safeguard's decision applies again."
	} else {
		err = sc.Program().SetTailoringOverride(r.Context(), &tailoring.Override{ItemID: it.ID, Applicable: r.PostFormValue("applicable") == "yes", Justification: r.PostFormValue("justification")})
		notice = it.Citation + ": your decision is recorded."
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.NotFound {
			s.fail(w, r, err)
			return
		}
		s.renderTailoring(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	s.renderTailoring(w, r, http.StatusOK, "", notice)
}
