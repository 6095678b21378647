package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web"
)

var invitationLinkRE = regexp.MustCompile(`/invitations/([A-Za-z0-9_-]{43})`)

// A user joins an organisation only by accepting an invitation sent to
// their address: an owner of another organisation cannot add them, nor
// learn whether an address has an account; the link works once, for the
// invited address, until it expires or is revoked. Owners change roles and
// remove members, members leave, and an organisation always keeps an owner.
func TestMembershipByInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := newServer(t, s)
		owner := newClient(t)
		post(t, owner, srv.URL+"/setup", setupForm)
		// Nora owns another organisation.
		north := &org.Organization{Slug: "northside", Name: "Northside Health Plan", EntityType: org.HealthPlan}
		if err := s.CreateOrganization(ctx, north); err != nil {
			t.Fatal(err)
		}
		nora := addMember(t, s, north.ID, "nora@northside.example", "Nora North", auth.Owner)
		noraClient := newClient(t)
		if resp, _ := post(t, noraClient, srv.URL+"/login", url.Values{"email": {nora.Email}, "password": {ownerPassword}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("nora signs in: %d", resp.StatusCode)
		}
		invite := func(email string) (int, string, string) {
			resp, body := post(t, owner, srv.URL+"/orgs/riverside/invitations", url.Values{"email": {email}, "role": {"contributor"}})
			m := invitationLinkRE.FindStringSubmatch(body)
			if m == nil {
				return resp.StatusCode, body, ""
			}
			return resp.StatusCode, body, m[1]
		}
		// The same answer for an address with an account and one without.
		status, known, token := invite("Nora@Northside.example")
		if status != 200 || token == "" {
			t.Fatalf("invite: %d\n%s", status, known)
		}
		_, unknown, _ := invite("nobody@nowhere.example")
		mask := regexp.MustCompile(`nora@northside\.example|nobody@nowhere\.example|/invitations/[A-Za-z0-9_-]{43}|\d\d:\d\d`)
		answer := regexp.MustCompile(`(?s)<p class="notice".*?</p>\s*<p><label for="invitation-link">.*?</p>`)
		if a, b := mask.ReplaceAllString(answer.FindString(known), "X"), mask.ReplaceAllString(answer.FindString(unknown), "X"); a == "" || a != b {
			t.Errorf("inviting an address with an account answers otherwise than one without:\n%s\n%s", a, b)
		}
		// Nobody is a member by being invited.
		if resp, _ := fetch(t, noraClient, srv.URL+"/orgs/riverside"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an invited user before accepting: %d, want 404", resp.StatusCode)
		}
		link := srv.URL + "/invitations/" + token
		if resp, body := fetch(t, newClient(t), link); resp.StatusCode != 200 || !strings.Contains(body, "Sign in as nora@northside.example") {
			t.Errorf("the link, signed out: %d", resp.StatusCode)
		}
		// Only the invited address may answer.
		if resp, _ := post(t, owner, link+"/accept", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("accepted by another user: %d, want 403", resp.StatusCode)
		}
		if resp, body := fetch(t, noraClient, link); resp.StatusCode != 200 || !strings.Contains(body, "Join Riverside Family Clinic") {
			t.Errorf("the link, as nora: %d", resp.StatusCode)
		}
		if resp, _ := post(t, noraClient, link+"/accept", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orgs/riverside" {
			t.Fatalf("accept: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, body := fetch(t, noraClient, srv.URL+"/orgs/riverside"); resp.StatusCode != 200 || !strings.Contains(body, "Riverside Family Clinic") {
			t.Errorf("riverside as its new member: %d", resp.StatusCode)
		}
		// Once only.
		if resp, _ := post(t, noraClient, link+"/accept", nil); resp.StatusCode != http.StatusGone {
			t.Errorf("the link again: %d, want 410", resp.StatusCode)
		}
		// Expired and revoked links do not work either.
		expired := &auth.Invitation{Email: nora.Email, Role: auth.Owner, InvitedBy: "owner@riverside.example", CreatedAt: time.Now().Add(-8 * 24 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)}
		expiredToken, expiredHash := auth.NewSessionToken()
		if err := s.Scope(mustOrgBySlug(t, s, "riverside")).CreateInvitation(ctx, expired, expiredHash); err != nil {
			t.Fatal(err)
		}
		if resp, _ := post(t, noraClient, srv.URL+"/invitations/"+expiredToken+"/accept", nil); resp.StatusCode != http.StatusGone {
			t.Errorf("an expired link: %d, want 410", resp.StatusCode)
		}
		_, _, revoked := invite("someone@elsewhere.example")
		invitations, _ := s.Scope(mustOrgBySlug(t, s, "riverside")).Invitations(ctx, time.Now())
		for _, inv := range invitations {
			if inv.Email == "someone@elsewhere.example" {
				if resp, _ := post(t, owner, srv.URL+"/orgs/riverside/invitations/"+inv.ID+"/revoke", nil); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("revoke: %d", resp.StatusCode)
				}
			}
		}
		if resp, _ := fetch(t, newClient(t), srv.URL+"/invitations/"+revoked); resp.StatusCode != http.StatusGone {
			t.Errorf("a revoked link: %d, want 410", resp.StatusCode)
		}
		// The owner changes nora's role, and removes her; she is out.
		if resp, _ := post(t, owner, srv.URL+"/orgs/riverside/members/"+nora.ID+"/role", url.Values{"role": {"auditor"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("change role: %d", resp.StatusCode)
		}
		if role, _ := s.Membership(ctx, mustOrgBySlug(t, s, "riverside").ID, nora.ID); role != auth.Auditor {
			t.Errorf("nora's role %q, want auditor", role)
		}
		if resp, _ := post(t, owner, srv.URL+"/orgs/riverside/members/"+nora.ID+"/remove", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("remove: %d", resp.StatusCode)
		}
		if resp, _ := fetch(t, noraClient, srv.URL+"/orgs/riverside"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a removed member: %d, want 404", resp.StatusCode)
		}
		// An organisation keeps an owner: its last cannot leave or step down.
		if resp, body := post(t, noraClient, srv.URL+"/orgs/northside/leave", nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "would have no owner") {
			t.Errorf("the last owner leaves: %d", resp.StatusCode)
		}
		ownerUser, _ := s.UserByEmail(ctx, "owner@riverside.example")
		if resp, body := post(t, owner, srv.URL+"/orgs/riverside/members/"+ownerUser.ID+"/role", url.Values{"role": {"auditor"}}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "would have no owner") {
			t.Errorf("the last owner steps down: %d", resp.StatusCode)
		}
		// A member leaves.
		if err := s.SetMembership(ctx, north.ID, ownerUser.ID, auth.Auditor); err != nil {
			t.Fatal(err)
		}
		if resp, _ := post(t, owner, srv.URL+"/orgs/northside/leave", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("leave: %d", resp.StatusCode)
		}
		if _, err := s.Membership(ctx, north.ID, ownerUser.ID); err == nil {
			t.Error("still a member after leaving")
		}
		seen := auditActions(t, s)
		for _, a := range []string{"invitation.create", "invitation.accepted", "invitation.revoke", "membership.set", "membership.remove"} {
			if !seen[a] {
				t.Errorf("no %s in the audit log", a)
			}
		}
	})
}

func mustOrgBySlug(t *testing.T, s *store.Store, slug string) *org.Organization {
	t.Helper()
	o, err := s.OrganizationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// With the installation's public address configured (serve
// --public-url), the links handed out to be sent on — an invitation, a
// vendor's questionnaire — begin with it, not with the Host the request
// came with (a proxy in front may rewrite it); without one they begin
// with the request's own.
func TestLinksUseThePublicURL(t *testing.T) {
	s := storetest.SQLite(t)
	srv, _ := newServerAndHandler(t, s, func(c *web.Config) { c.PublicURL = "https://safeguard.example.org/" })
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	_, body := post(t, c, srv.URL+"/orgs/riverside/invitations", url.Values{"email": {"nora@northside.example"}, "role": {"contributor"}})
	if !regexp.MustCompile(`value="https://safeguard\.example\.org/invitations/[A-Za-z0-9_-]{43}"`).MatchString(body) {
		t.Errorf("the invitation's link does not begin with the public address:\n%s", body)
	}
	resp, body := post(t, c, srv.URL+"/orgs/riverside/vendors", url.Values{"name": {"VisitLink"}, "status": {"business-associate"}, "receives": {"on"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a vendor: %d %s", resp.StatusCode, body)
	}
	page := srv.URL + strings.Split(resp.Header.Get("Location"), "?")[0]
	_, body = post(t, c, page+"/questionnaires", url.Values{"questionnaire": {vendor.Builtin.ID + "@" + vendor.Builtin.Version}, "channel": {"link"}, "recipient": {"security@visitlink.example"}, "days": {"14"}})
	if !regexp.MustCompile(`value="https://safeguard\.example\.org/questionnaire/[A-Za-z0-9_-]{43}"`).MatchString(body) || strings.Contains(body, srv.URL+"/questionnaire/") {
		t.Errorf("the questionnaire's link does not begin with the public address:\n%s", body)
	}

	// Without one, the request's own.
	s2 := storetest.SQLite(t)
	srv2 := newServer(t, s2)
	c2 := newClient(t)
	post(t, c2, srv2.URL+"/setup", setupForm)
	_, body = post(t, c2, srv2.URL+"/orgs/riverside/invitations", url.Values{"email": {"nora@northside.example"}, "role": {"contributor"}})
	if !strings.Contains(body, `value="`+srv2.URL+`/invitations/`) {
		t.Errorf("without a public address, the invitation's link:\n%s", body)
	}
}
