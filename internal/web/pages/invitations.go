package pages

import (
	"net/http"
	"net/url"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type invitationView struct {
	Invitation *auth.Invitation
	Org        *org.Organization
	Token      string
	// SignIn is where an anonymous visitor signs in and comes back.
	SignIn string
	// Mine says the viewer is signed in as the invited address.
	Mine bool
}

// invitationPage shows an invitation to whoever holds its link: to the
// invited address, signed in, with its answers; to anyone else, how to
// answer it. A link that does not work says so, whatever the reason.
func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	inv, o, err := s.members.Invitation(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	iv := invitationView{Invitation: inv, Org: o, Token: token, SignIn: "/login?next=" + url.QueryEscape(r.URL.Path)}
	if v := kit.ViewerFrom(r.Context()); v != nil {
		iv.Mine = auth.NormalizeEmail(v.User.Email) == inv.Email
	}
	s.render(w, r, "invitation", http.StatusOK, page{Title: "Invitation to " + o.Name, Data: iv})
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	o, err := s.members.Accept(r.Context(), r.PathValue("token"), v.User)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+o.Slug, http.StatusSeeOther)
}

func (s *Server) declineInvitation(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	if _, err := s.members.Decline(r.Context(), r.PathValue("token"), v.User); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
