package pages

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// maxFormBytes bounds a posted form.
const maxFormBytes = 16 << 10

type loginForm struct {
	Email, Next, Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if kit.ViewerFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if need, err := s.accounts.NeedsSetup(r.Context()); err != nil || need {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	s.render(w, r, "login", http.StatusOK, page{Title: "Sign in", Data: loginForm{Next: kit.LocalPath(r.URL.Query().Get("next"))}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	form := loginForm{Email: r.PostFormValue("email"), Next: kit.LocalPath(r.PostFormValue("next"))}
	_, token, stage, err := s.accounts.Login(r.Context(), form.Email, r.PostFormValue("password"), kit.ClientIP(r), r.UserAgent(), kit.DeviceToken(r))
	if err != nil {
		if k := errs.KindOf(err); k != errs.Unauthenticated && k != errs.RateLimited {
			s.fail(w, r, err)
			return
		}
		form.Error = errs.Message(err)
		s.render(w, r, "login", errs.HTTPStatus(err), page{Title: "Sign in", Data: form})
		return
	}
	if stage == auth.StageMFA {
		kit.SetSessionCookie(w, r, token, 0)
		http.Redirect(w, r, "/login/mfa?next="+url.QueryEscape(form.Next), http.StatusSeeOther)
		return
	}
	s.startSession(w, r, token)
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

// startSession keeps the cookie of a session that has signed in, and
// marks the browser as one its user signs in from (its device cookie), so
// that failed sign-ins elsewhere never hold it back.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, token string) {
	kit.SetSessionCookie(w, r, token, 0)
	device, err := s.accounts.RememberDevice(r.Context(), token, kit.DeviceToken(r))
	if err != nil {
		s.log.Warn("remembering the browser a user signed in from", slog.Any("err", err))
		return
	}
	kit.SetDeviceCookie(w, r, device)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if v := kit.ViewerFrom(r.Context()); v != nil {
		if err := s.accounts.Logout(r.Context(), v.Token); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	kit.SetSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type setupForm struct {
	OrgName, Slug, EntityType, Workforce, Sites, Name, Email string
	EntityTypes                                              []struct {
		Type  org.EntityType
		Label string
	}
	Error string
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	need, err := s.accounts.NeedsSetup(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !need {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, "setup", http.StatusOK, page{Title: "Set up Safeguard", Data: setupForm{EntityType: string(org.Provider), EntityTypes: org.EntityTypes}})
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := setupForm{
		OrgName: r.PostFormValue("org_name"), Slug: r.PostFormValue("slug"), EntityType: r.PostFormValue("entity_type"),
		Workforce: r.PostFormValue("workforce"), Sites: r.PostFormValue("sites"),
		Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), EntityTypes: org.EntityTypes,
	}
	o := &org.Organization{Name: f.OrgName, Slug: f.Slug, EntityType: org.EntityType(f.EntityType)}
	var err error
	if o.WorkforceSize, err = atoiOrZero(f.Workforce); err == nil {
		o.Sites, err = atoiOrZero(f.Sites)
	}
	if err == nil && r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		err = errs.New(errs.Invalid, "the two passwords differ")
	}
	var token string
	if err == nil {
		token, err = s.accounts.Setup(r.Context(), o, &auth.User{Email: f.Email, Name: f.Name}, r.PostFormValue("password"), kit.ClientIP(r), r.UserAgent())
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict && k != errs.Forbidden {
			s.fail(w, r, err)
			return
		}
		f.Error = errs.Message(err)
		s.render(w, r, "setup", errs.HTTPStatus(err), page{Title: "Set up Safeguard", Data: f})
		return
	}
	s.startSession(w, r, token)
	// The first owner goes straight on to the organisation profile: the
	// guided first run.
	http.Redirect(w, r, "/orgs/"+o.Slug+"/profile", http.StatusSeeOther)
}

// parseForm reads a posted form of at most maxFormBytes. Errors: TooLarge,
// Invalid.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) error {
	return s.parseFormLimit(w, r, maxFormBytes)
}

// parseFormLimit reads a posted form of at most limit bytes.
func (s *Server) parseFormLimit(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.store.RecordEvent(r.Context(), "", "request.too_large", r.Method+" "+r.URL.Path, map[string]int64{"limit_bytes": tooBig.Limit})
			return errs.New(errs.TooLarge, "the form is larger than this page accepts")
		}
		return errs.New(errs.Invalid, "the form is malformed")
	}
	return nil
}

func atoiOrZero(s string) (int, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, errs.New(errs.Invalid, "workforce and sites must be whole numbers")
	}
	return n, nil
}
