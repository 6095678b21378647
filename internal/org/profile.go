package org

import (
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// Profile is what the organisation says about itself so that Safeguard can
// tailor the rules to it (SP 800-66r2: there is no one compliance approach
// for all): its size and scale, the facts that decide whether particular
// provisions apply, where ePHI lives, and who is responsible.
type Profile struct {
	// Beds is the number of licensed beds of a provider (0: not an inpatient
	// facility). A provider with beds is treated as a hospital.
	Beds int `json:"beds"`
	// Members is the number of covered lives of a health plan.
	Members int `json:"members"`
	// ClearinghouseInLargerOrg: a health care clearinghouse is part of this
	// (larger) organisation (164.308(a)(4)(ii)(A)).
	ClearinghouseInLargerOrg bool `json:"clearinghouse_in_larger_org"`
	// GroupHealthPlan: the organisation is, or sponsors, a group health plan
	// whose plan documents must carry 164.314(b)'s provisions.
	GroupHealthPlan bool `json:"group_health_plan"`
	// SponsorReceives, for a plan sponsor, is the only ePHI the group
	// health plan discloses to it when that is one of the exceptions of
	// 164.314(b)(1): SponsorSummary (summary health information or
	// enrolment data, 164.504(f)(1)(ii) or (iii)) or SponsorAuthorized
	// (as authorized under 164.508); "" when it receives more.
	SponsorReceives string `json:"sponsor_receives,omitempty"`
	// Subcontractors: a business associate uses subcontractors that create,
	// receive, maintain or transmit ePHI on its behalf (164.308(b)(2)).
	Subcontractors bool `json:"subcontractors"`
	// HealthCareComponents names a hybrid entity's designated health care
	// components, to which the Security Rule applies.
	HealthCareComponents string `json:"health_care_components,omitempty"`
	// Systems are the places ePHI is created, received, maintained or
	// transmitted.
	Systems []System `json:"systems"`
	// SecurityOfficial is the person responsible for the security policies
	// and procedures (164.308(a)(2)).
	SecurityOfficial Official `json:"security_official"`
	// PrivacyOfficial is the privacy official (164.530(a)).
	PrivacyOfficial Official `json:"privacy_official"`
	// EmailDomains are the domains the organisation sends mail as, each
	// with the DKIM selectors its senders use (the big providers' defaults
	// are tried anyway): what the email checks read from the DNS (HPH CPG
	// essential goal 2).
	EmailDomains []EmailDomain `json:"email_domains,omitempty"`
	// TLSEndpoints are the services (host:port) whose TLS the checks probe
	// besides the inventory's internet-facing assets: patient portals,
	// VPN gateways, mail (HPH CPG essential goal 5).
	TLSEndpoints []string `json:"tls_endpoints,omitempty"`
	// TLSProfile is the Mozilla Server Side TLS configuration endpoints
	// are judged against: intermediate ("" too) or modern.
	TLSProfile string `json:"tls_profile,omitempty"`
	// FiscalYearStart is the month (1–12) the organisation's fiscal year
	// starts in, for periodic reviews; 0 for January.
	FiscalYearStart int `json:"fiscal_year_start"`
	// ProposedRule switches on the proposed modification of the Security
	// Rule (90 FR 898) for the organisation: it can be assessed, and its
	// page is listed. Off by default: a proposal binds no one.
	ProposedRule bool `json:"proposed_rule,omitempty"`
	// Completed is set when the first-run wizard has been finished.
	Completed bool      `json:"completed"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EmailDomain is a domain the organisation sends mail as.
type EmailDomain struct {
	Domain    string   `json:"domain"`
	Selectors []string `json:"dkim_selectors,omitempty"`
}

// maxEmailDomains bounds the domains a profile lists.
const maxEmailDomains = 50

// MaxTLSEndpoints bounds the endpoints a profile lists.
const MaxTLSEndpoints = 1000

// ParseLines reads one entry a line, skipping blank lines.
func ParseLines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// ParseEmailDomains reads domains one a line, each optionally followed by
// a colon and its DKIM selectors separated by commas or spaces
// ("riverside.example: s1, s2"), as the profile's form gives them. Blank
// lines are skipped; Validate judges what is read.
func ParseEmailDomains(text string) []EmailDomain {
	var out []EmailDomain
	for _, line := range strings.Split(text, "\n") {
		d, sels, _ := strings.Cut(line, ":")
		if strings.TrimSpace(d) == "" {
			continue
		}
		ed := EmailDomain{Domain: d}
		ed.Selectors = strings.FieldsFunc(sels, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' })
		out = append(out, ed)
	}
	return out
}

// FormatEmailDomains writes domains as ParseEmailDomains reads them.
func FormatEmailDomains(ds []EmailDomain) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Domain)
		if len(d.Selectors) > 0 {
			b.WriteString(": " + strings.Join(d.Selectors, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// validDomain reports whether s is a DNS name of at least two labels,
// each of letters, digits and hyphens, not starting or ending with one.
func validDomain(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// Official is a named, responsible person.
type Official struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	Email string `json:"email,omitempty"`
}

// System is an ePHI system and what it does with ePHI.
type System struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"` // on premises, a vendor's cloud, …
	Creates     bool   `json:"creates"`
	Receives    bool   `json:"receives"`
	Maintains   bool   `json:"maintains"`
	Transmits   bool   `json:"transmits"`
}

// Uses lists what the system does with ePHI, in the rule's words.
func (s System) Uses() []string {
	var out []string
	for _, u := range []struct {
		on   bool
		verb string
	}{{s.Creates, "creates"}, {s.Receives, "receives"}, {s.Maintains, "maintains"}, {s.Transmits, "transmits"}} {
		if u.on {
			out = append(out, u.verb)
		}
	}
	return out
}

// The exceptions of 45 CFR 164.314(b)(1): the only ePHI a plan sponsor
// receives.
const (
	// SponsorSummary: summary health information, or whether individuals
	// participate or are enrolled (164.504(f)(1)(ii) or (iii)).
	SponsorSummary = "summary-or-enrolment"
	// SponsorAuthorized: only as the individuals authorize (164.508).
	SponsorAuthorized = "authorized"
)

// Limits on profile fields.
const (
	maxSystems  = 200
	maxTextLen  = 500
	maxNotesLen = 2000
)

// Validate returns an Invalid error naming the first field that is wrong.
func (p *Profile) Validate() error {
	bad := func(format string, args ...any) error { return errs.New(errs.Invalid, fmt.Sprintf(format, args...)) }
	switch {
	case p.Beds < 0 || p.Members < 0:
		return bad("beds and members cannot be negative")
	case p.FiscalYearStart < 0 || p.FiscalYearStart > 12:
		return bad("the fiscal year's first month must be 1 to 12")
	case len(p.HealthCareComponents) > maxNotesLen:
		return bad("health care components: at most %d characters", maxNotesLen)
	case len(p.Systems) > maxSystems:
		return bad("at most %d ePHI systems in the profile; the ePHI inventory holds more", maxSystems)
	case p.SponsorReceives != "" && p.SponsorReceives != SponsorSummary && p.SponsorReceives != SponsorAuthorized:
		return bad("sponsor_receives: %q is not %s, %s or empty", p.SponsorReceives, SponsorSummary, SponsorAuthorized)
	}
	for _, o := range []struct {
		label string
		off   *Official
	}{{"security official", &p.SecurityOfficial}, {"privacy official", &p.PrivacyOfficial}} {
		o.off.Name, o.off.Title, o.off.Email = strings.TrimSpace(o.off.Name), strings.TrimSpace(o.off.Title), strings.TrimSpace(o.off.Email)
		if len(o.off.Name) > maxTextLen || len(o.off.Title) > maxTextLen {
			return bad("%s: name and title are at most %d characters", o.label, maxTextLen)
		}
		if o.off.Email != "" {
			if a, err := mail.ParseAddress(o.off.Email); err != nil || a.Address != o.off.Email {
				return bad("%s: email %q is not a valid address", o.label, o.off.Email)
			}
		}
	}
	if len(p.EmailDomains) > maxEmailDomains {
		return bad("at most %d email domains in the profile", maxEmailDomains)
	}
	for i := range p.EmailDomains {
		d := &p.EmailDomains[i]
		d.Domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d.Domain)), ".")
		if !validDomain(d.Domain) {
			return bad("email domain %d: %q is not a domain name (such as riverside.example)", i+1, d.Domain)
		}
		for _, other := range p.EmailDomains[:i] {
			if other.Domain == d.Domain {
				return bad("email domain %q is listed twice", d.Domain)
			}
		}
		for j, sel := range d.Selectors {
			sel = strings.ToLower(strings.TrimSpace(sel))
			if !validDomain(sel+".x") || len(d.Selectors) > 20 {
				return bad("email domain %q: %q is not a DKIM selector (letters, digits, hyphens and dots; at most 20)", d.Domain, sel)
			}
			d.Selectors[j] = sel
		}
	}
	if len(p.TLSEndpoints) > MaxTLSEndpoints {
		return bad("at most %d TLS endpoints in the profile", MaxTLSEndpoints)
	}
	seen := map[string]bool{}
	for i, e := range p.TLSEndpoints {
		host, port, err := tlscheck.SplitEndpoint(e)
		if err != nil {
			return bad("TLS endpoint %d: %v", i+1, err)
		}
		e = net.JoinHostPort(host, port)
		if seen[e] {
			return bad("TLS endpoint %s is listed twice", e)
		}
		seen[e] = true
		p.TLSEndpoints[i] = e
	}
	if _, err := tlscheck.LoadProfile(p.TLSProfile); err != nil {
		return bad("TLS profile: %v", err)
	}
	for i := range p.Systems {
		sys := &p.Systems[i]
		sys.Name, sys.Location = strings.TrimSpace(sys.Name), strings.TrimSpace(sys.Location)
		switch {
		case sys.Name == "":
			return bad("ePHI system %d: a name is required", i+1)
		case len(sys.Name) > maxTextLen || len(sys.Location) > maxTextLen || len(sys.Description) > maxNotesLen:
			return bad("ePHI system %q: a field is too long", sys.Name)
		case len(sys.Uses()) == 0:
			return bad("ePHI system %q: say whether it creates, receives, maintains or transmits ePHI", sys.Name)
		}
		for _, other := range p.Systems[:i] {
			if strings.EqualFold(other.Name, sys.Name) {
				return bad("ePHI system %q is listed twice", sys.Name)
			}
		}
	}
	return nil
}

// Hospital reports whether a provider has inpatient beds.
func (o *Organization) Hospital(p *Profile) bool { return o.EntityType == Provider && p.Beds > 0 }

// SmallThreshold is the workforce size below which Safeguard treats an
// organisation without beds as a small practice: scaled guidance, and the
// enhanced CPGs deferred until the essential ones are met. It is
// Safeguard's threshold, not a regulatory one; tailoring can be overridden.
const SmallThreshold = 50

// Small reports whether Safeguard scales its guidance down for the
// organisation.
func (o *Organization) Small(p *Profile) bool {
	return !o.Hospital(p) && o.WorkforceSize < SmallThreshold
}
