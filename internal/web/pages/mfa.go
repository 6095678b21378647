package pages

import (
	"net/http"
	"net/url"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type mfaForm struct {
	Next, Error string
}

// mfaPage asks a sign-in that passed its password for its second factor.
func (s *Server) mfaPage(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.accounts.PendingMFA(r.Context(), kit.SessionToken(r)); err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, "mfa", http.StatusOK, page{Title: "Enter your code", Data: mfaForm{Next: kit.LocalPath(r.URL.Query().Get("next"))}})
}

func (s *Server) mfa(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := mfaForm{Next: kit.LocalPath(r.PostFormValue("next"))}
	token, err := s.accounts.VerifyMFA(r.Context(), kit.SessionToken(r), r.PostFormValue("code"))
	if err != nil {
		if k := errs.KindOf(err); k != errs.Unauthenticated && k != errs.RateLimited {
			s.fail(w, r, err)
			return
		}
		if _, _, perr := s.accounts.PendingMFA(r.Context(), kit.SessionToken(r)); perr != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther) // the sign-in lapsed: start again
			return
		}
		f.Error = errs.Message(err)
		s.render(w, r, "mfa", errs.HTTPStatus(err), page{Title: "Enter your code", Data: f})
		return
	}
	s.startSession(w, r, token)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

type accountView struct {
	Sessions      []*auth.Session
	Current       string // the id of this browser's session
	MFAOn         bool
	RecoveryLeft  int
	Secret, URL   string   // during enrolment
	RecoveryCodes []string // shown once, after enrolment
	Error         string
	// HasPassword is false for an account that signs in through the
	// organisation's provider; PasswordError and PasswordChanged answer the
	// password form.
	HasPassword     bool
	PasswordError   string
	PasswordChanged bool
}

// signedIn returns the viewer of a route registered SignedIn (the guard has
// already sent anyone else to sign in).
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) *kit.Viewer {
	v := kit.ViewerFrom(r.Context())
	if v == nil {
		s.fail(w, r, errs.New(errs.Unauthenticated, "sign in to continue"))
	}
	return v
}

// signedInForm is signedIn for a form's POST, with the form parsed; nil
// when the request was answered already.
func (s *Server) signedInForm(w http.ResponseWriter, r *http.Request) *kit.Viewer {
	v := s.signedIn(w, r)
	if v == nil {
		return nil
	}
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return nil
	}
	return v
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	s.renderAccount(w, r, v, accountView{PasswordChanged: r.URL.Query().Get("password") == "changed"}, http.StatusOK)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, v *kit.Viewer, av accountView, status int) {
	on, left, err := s.accounts.MFAStatus(r.Context(), v.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	av.MFAOn, av.RecoveryLeft = on, left
	if av.Sessions, err = s.accounts.Sessions(r.Context(), v.User.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	av.Current = v.Session.ID
	av.HasPassword = v.User.PasswordHash != ""
	s.render(w, r, "account", status, page{Title: "Your account", Data: av})
}

// changePassword sets the signed-in user's own password: the current one,
// the new one twice. Every other session ends; this browser gets a new one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	v := s.signedInForm(w, r)
	if v == nil {
		return
	}
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password_confirm") {
		s.renderAccount(w, r, v, accountView{PasswordError: "the new password and its confirmation differ"}, http.StatusBadRequest)
		return
	}
	token, err := s.accounts.ChangePassword(r.Context(), v.User, v.Session, r.PostFormValue("current_password"), next, kit.ClientIP(r), r.UserAgent())
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Unauthenticated: // the session is good; the form's current password is not
			s.renderAccount(w, r, v, accountView{PasswordError: errs.Message(err)}, http.StatusBadRequest)
		case errs.RateLimited, errs.Invalid, errs.Forbidden:
			s.renderAccount(w, r, v, accountView{PasswordError: errs.Message(err)}, errs.HTTPStatus(err))
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.startSession(w, r, token)
	http.Redirect(w, r, "/account?password=changed", http.StatusSeeOther)
}

// readFailedSignins hides the failed sign-ins the session was told of, and
// goes back to the page the user was on.
func (s *Server) readFailedSignins(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	if err := s.accounts.ReadFailedSignins(r.Context(), v.Session); err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
		back = kit.LocalPath(ref.RequestURI())
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// logoutEverywhere ends every session of the user, this one included.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	if err := s.accounts.LogoutEverywhere(r.Context(), v.User.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	kit.SetSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) mfaStart(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	secret, url, err := s.accounts.StartTOTP(r.Context(), v.User)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAccount(w, r, v, accountView{Secret: secret, URL: url}, http.StatusOK)
}

func (s *Server) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	v := s.signedInForm(w, r)
	if v == nil {
		return
	}
	codes, err := s.accounts.ConfirmTOTP(r.Context(), v.User, r.PostFormValue("code"))
	if err != nil {
		if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) {
			s.fail(w, r, err)
			return
		}
		s.renderAccount(w, r, v, accountView{Error: errs.Message(err), Secret: r.PostFormValue("secret")}, errs.HTTPStatus(err))
		return
	}
	s.renderAccount(w, r, v, accountView{RecoveryCodes: codes}, http.StatusOK)
}

func (s *Server) mfaDisable(w http.ResponseWriter, r *http.Request) {
	v := s.signedInForm(w, r)
	if v == nil {
		return
	}
	if err := s.accounts.DisableTOTP(r.Context(), v.User, r.PostFormValue("code")); err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		s.renderAccount(w, r, v, accountView{Error: errs.Message(err)}, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

type reauthForm struct {
	Next, Error string
	MFA         bool
	Idle        bool // an organisation's idle timeout sent the user here
}

// reauthPage asks the signed-in user to confirm their password (and code)
// before a privileged action.
func (s *Server) reauthPage(w http.ResponseWriter, r *http.Request) {
	v := s.signedIn(w, r)
	if v == nil {
		return
	}
	on, _, err := s.accounts.MFAStatus(r.Context(), v.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "reauth", http.StatusOK, page{Title: "Confirm it is you", Data: reauthForm{Next: kit.LocalPath(r.URL.Query().Get("next")), MFA: on, Idle: r.URL.Query().Get("why") == "idle"}})
}

func (s *Server) reauth(w http.ResponseWriter, r *http.Request) {
	v := s.signedInForm(w, r)
	if v == nil {
		return
	}
	f := reauthForm{Next: kit.LocalPath(r.PostFormValue("next"))}
	if err := s.accounts.Reauthenticate(r.Context(), v.User, v.Session, r.PostFormValue("password"), r.PostFormValue("code")); err != nil {
		if k := errs.KindOf(err); k != errs.Unauthenticated && k != errs.RateLimited {
			s.fail(w, r, err)
			return
		}
		f.Error = errs.Message(err)
		f.MFA, _, _ = s.accounts.MFAStatus(r.Context(), v.User.ID)
		s.render(w, r, "reauth", errs.HTTPStatus(err), page{Title: "Confirm it is you", Data: f})
		return
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}
