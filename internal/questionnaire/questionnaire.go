// Package questionnaire sends vendors the organisation's security
// questionnaires and takes their answers: as a single-use link that
// expires, which the vendor answers without an account (with files of
// evidence for any answer), or as a workbook the vendor fills in and
// sends back. Answers are scored against the version sent; each answer of
// no is an exception the vendor checks count against the vendor. Every
// page, the API and the command line go through this service, which owns
// the transaction and its side effects (the vault, the audit log, a check
// run queued).
package questionnaire

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// Store is what answering by link needs of the store: the request a
// token names, and the organisation's records to write it in.
type Store interface {
	QuestionnaireRequestByToken(ctx context.Context, tokenHash string) (*vendor.Request, *org.Organization, error)
}

// Scoped is one organisation's questionnaires and requests
// (store.Scoped).
type Scoped interface {
	Org() *org.Organization
	Vendor(ctx context.Context, id string) (*vendor.Vendor, error)
	Questionnaires(ctx context.Context) ([]*vendor.Questionnaire, error)
	Questionnaire(ctx context.Context, ref, version string) (*vendor.Questionnaire, error)
	SaveQuestionnaire(ctx context.Context, q *vendor.Questionnaire) error
	CreateQuestionnaireRequest(ctx context.Context, r *vendor.Request, tokenHash string, after ...store.TxFunc) error
	QuestionnaireRequests(ctx context.Context, vendorID string) ([]*vendor.Request, error)
	QuestionnaireRequest(ctx context.Context, id string) (*vendor.Request, error)
	RevokeQuestionnaireRequest(ctx context.Context, id string) error
	AnswerQuestionnaireRequest(ctx context.Context, r *vendor.Request, staged []*evidence.Staged, at time.Time, after ...store.TxFunc) error
}

var _ Scoped = (*store.Scoped)(nil)

// Queue queues the checks after answers land (internal/jobs' engine).
type Queue = store.ChecksQueue

// Service is the questionnaire service.
type Service struct {
	Store Store
	// Scope opens an organisation's records, for a link's answers.
	Scope    func(*org.Organization) Scoped
	Evidence *evidence.Service
	Queue    Queue // none: no check run is queued
	// Known reports whether the catalog holds an item, for an
	// organisation's own questions' mappings.
	Known func(id string) bool
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) after(orgID string) []store.TxFunc { return store.QueueChecks(s.Queue, orgID) }

// Catalog lists the questionnaires the organisation may send: Safeguard's
// own first, then the organisation's, newest version first.
func (s *Service) Catalog(ctx context.Context, sc Scoped) ([]*vendor.Questionnaire, error) {
	own, err := sc.Questionnaires(ctx)
	if err != nil {
		return nil, err
	}
	return append([]*vendor.Questionnaire{vendor.Builtin}, own...), nil
}

// Find is a questionnaire the organisation may send, by id and version
// (the newest when version is ""). Safeguard's own is sent in the version
// this release ships. Errors: NotFound.
func (s *Service) Find(ctx context.Context, sc Scoped, ref, version string) (*vendor.Questionnaire, error) {
	if ref == "" || vendor.Owned(ref) {
		if version != "" && version != vendor.Builtin.Version {
			return nil, errs.New(errs.NotFound, fmt.Sprintf("Safeguard's questionnaire is sent in version %s, not %s", vendor.Builtin.Version, version))
		}
		return vendor.Builtin, nil
	}
	if version != "" {
		return sc.Questionnaire(ctx, ref, version)
	}
	all, err := sc.Questionnaires(ctx)
	if err != nil {
		return nil, err
	}
	for _, q := range all { // newest version first
		if q.ID == ref {
			return q, nil
		}
	}
	return nil, errs.New(errs.NotFound, "no questionnaire "+ref)
}

// Sending is what a request is sent with.
type Sending struct {
	VendorID      string
	Questionnaire string // its id; Safeguard's own when ""
	Version       string // the newest when ""
	Channel       string // vendor.ChannelLink (the default) or vendor.ChannelXLSX
	Recipient     string
	Days          int // how long the link works, or until the workbook is due: vendor.DefaultLinkDays when 0
}

// Send records a questionnaire sent to a vendor of the organisation, and
// returns it with its link's token (for a link; "" for a workbook), shown
// once and kept only by its hash. Errors: Invalid, NotFound.
func (s *Service) Send(ctx context.Context, sc Scoped, in Sending) (*vendor.Request, string, error) {
	if in.Days == 0 {
		in.Days = vendor.DefaultLinkDays
	}
	if in.Days < 1 || in.Days > vendor.MaxLinkDays {
		return nil, "", errs.New(errs.Invalid, fmt.Sprintf("days: a link works for 1 to %d days, not %d", vendor.MaxLinkDays, in.Days))
	}
	if in.Channel == "" {
		in.Channel = vendor.ChannelLink
	}
	if in.Channel != vendor.ChannelLink && in.Channel != vendor.ChannelXLSX {
		return nil, "", errs.New(errs.Invalid, fmt.Sprintf("channel: %q is not link or xlsx", in.Channel))
	}
	recipient, err := vendor.CheckRecipient(in.Recipient)
	if err != nil {
		return nil, "", err
	}
	if _, err := sc.Vendor(ctx, in.VendorID); err != nil {
		return nil, "", err
	}
	q, err := s.Find(ctx, sc, in.Questionnaire, in.Version)
	if err != nil {
		return nil, "", err
	}
	now := s.now().Truncate(time.Second)
	r := &vendor.Request{VendorID: in.VendorID, Questionnaire: q, Channel: in.Channel, Recipient: recipient,
		SentAt: now, SentBy: audit.ActorFrom(ctx).Label, ExpiresAt: now.AddDate(0, 0, in.Days)}
	var token, hash string
	if in.Channel == vendor.ChannelLink {
		token, hash = auth.NewSessionToken()
	}
	if err := sc.CreateQuestionnaireRequest(ctx, r, hash); err != nil {
		return nil, "", err
	}
	return r, token, nil
}

// Revoke withdraws an unanswered request: its link stops working.
func (s *Service) Revoke(ctx context.Context, sc Scoped, id string) error {
	return sc.RevokeQuestionnaireRequest(ctx, id)
}

// A Link is what a vendor's link opens: the request, and the names the
// vendor sees (the organisation's and its own), nothing else.
type Link struct {
	Request *vendor.Request
	Org     string
	Vendor  string
	org     *org.Organization
}

// gone is the one answer to a link that does not open: the same whether
// it never existed, was used or was withdrawn, so a link tells nothing of
// others.
var gone = errs.New(errs.Gone, "this questionnaire link is not valid: it was used, withdrawn or mistyped. Ask the organisation that sent it for a new one")

// Open is the request behind a link's token, while it can be answered.
// Errors: Gone for a token that is not one, or a request answered,
// withdrawn or expired.
func (s *Service) Open(ctx context.Context, token string) (*Link, error) {
	hash := auth.SessionID(token)
	if hash == "" {
		return nil, gone
	}
	r, o, err := s.Store.QuestionnaireRequestByToken(ctx, hash)
	if errs.KindOf(err) == errs.NotFound {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if !r.Open(s.now()) {
		return nil, errs.New(errs.Gone, "this questionnaire link expired on "+r.ExpiresAt.UTC().Format("2 January 2006")+". Ask "+o.Name+" for a new one")
	}
	v, err := s.Scope(o).Vendor(ctx, r.VendorID)
	if err != nil {
		return nil, err
	}
	return &Link{Request: r, Org: o.Name, Vendor: v.Name, org: o}, nil
}

// MaxFiles is the most files of evidence one set of answers carries.
const MaxFiles = 20

// Reply is a vendor's answers through its link.
type Reply struct {
	Respondent string
	Answers    map[string]vendor.QuestionAnswer
	Files      map[string]evidence.File // by question id
}

// Answer records a vendor's answers through its link, with its files of
// evidence, and spends the link: the evidence enters the organisation's
// vault and the answers its register in one transaction, and the checks
// are queued. Errors: Gone (see Open), Invalid naming the first question
// wrongly answered or a file refused (nothing is kept then), Conflict when
// the link was used meanwhile.
func (s *Service) Answer(ctx context.Context, token string, in Reply) (*vendor.Request, error) {
	l, err := s.Open(ctx, token)
	if err != nil {
		return nil, err
	}
	respondent, err := vendor.CheckRespondent(in.Respondent)
	if err != nil {
		return nil, err
	}
	r := l.Request
	if _, err := r.Questionnaire.Score(in.Answers); err != nil {
		return nil, err
	}
	if len(in.Files) > MaxFiles {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("at most %d files of evidence with one set of answers", MaxFiles))
	}
	// Everything the vendor does is recorded as the vendor, through its link.
	actor := audit.ActorFrom(ctx)
	actor.ID, actor.Label = "", "vendor "+l.Vendor+": "+respondent+" (questionnaire link)"
	ctx = audit.WithActor(ctx, actor)
	staged, err := s.stage(ctx, l, r.Questionnaire, in.Files)
	if err != nil {
		return nil, err
	}
	r.Answers, r.Respondent = in.Answers, respondent
	sc := s.Scope(l.org)
	if err := sc.AnswerQuestionnaireRequest(ctx, r, staged, s.now(), s.after(l.org.ID)...); err != nil {
		s.Evidence.Discard(ctx, staged)
		if errs.KindOf(err) == errs.Conflict {
			return nil, gone
		}
		return nil, err
	}
	return r, nil
}

// stage seals the vendor's files in the order of the questions; on a
// refused file, those sealed before it are removed.
func (s *Service) stage(ctx context.Context, l *Link, q *vendor.Questionnaire, files map[string]evidence.File) ([]*evidence.Staged, error) {
	var staged []*evidence.Staged
	for i, x := range q.Questions {
		f, ok := files[x.ID]
		if !ok {
			continue
		}
		e := &evidence.Evidence{Title: clip(l.Vendor+": "+x.Section+", question "+fmt.Sprint(i+1), 200),
			Description: clip("Sent by "+l.Vendor+" with its answer to "+q.Title+" "+q.Version+", question "+fmt.Sprint(i+1)+" ("+x.ID+"): "+x.Text, 5000),
			Owner:       clip(l.Vendor, 200), CollectedOn: s.now().Format(time.DateOnly)}
		st, err := s.Evidence.Stage(ctx, e, f)
		if err != nil {
			s.Evidence.Discard(ctx, staged)
			return nil, errs.Wrap(errs.KindOf(err), fmt.Sprintf("question %d (%s): %s", i+1, x.ID, errs.Message(err)), err)
		}
		st.For = x.ID
		staged = append(staged, st)
	}
	for id := range files {
		if !questionOf(q, id) {
			s.Evidence.Discard(ctx, staged)
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%q is not a question of %s %s", id, q.Title, q.Version))
		}
	}
	return staged, nil
}

func questionOf(q *vendor.Questionnaire, id string) bool {
	for _, x := range q.Questions {
		if x.ID == id {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Workbook is the answer workbook of a request of the organisation: its
// file name and content.
func (s *Service) Workbook(ctx context.Context, sc Scoped, id string) (string, []byte, error) {
	r, err := sc.QuestionnaireRequest(ctx, id)
	if err != nil {
		return "", nil, err
	}
	v, err := sc.Vendor(ctx, r.VendorID)
	if err != nil {
		return "", nil, err
	}
	data, err := vendor.AnswerWorkbook(r)
	if err != nil {
		return "", nil, err
	}
	return fileName(v.Name) + "-" + r.Questionnaire.ID + "-" + r.Questionnaire.Version + ".xlsx", data, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "-"), "-")
	if s == "" {
		return "vendor"
	}
	return clip(s, 60)
}

// An AnswerPlan is a returned workbook read against the request it
// answers: what applying it records.
type AnswerPlan struct {
	File    string
	Request *vendor.Request // with the workbook's answers, scored
	Vendor  string
}

// PlanAnswers reads a returned answer workbook against the request of the
// organisation it names, which must still be open, and scores it; nothing
// is written. Errors: Invalid naming every bad cell, or the first question
// wrongly answered; NotFound; Conflict for a request no longer open.
func (s *Service) PlanAnswers(ctx context.Context, sc Scoped, file string, content []byte) (*AnswerPlan, error) {
	id, answers, err := vendor.ReadAnswerWorkbook(file, bytes.NewReader(content))
	if err != nil {
		return nil, err
	}
	r, err := sc.QuestionnaireRequest(ctx, id)
	if errs.KindOf(err) == errs.NotFound {
		return nil, errs.New(errs.NotFound, file+": the request "+id+" is not one of this organisation's")
	}
	if err != nil {
		return nil, err
	}
	if !r.Open(s.now()) {
		return nil, errs.New(errs.Conflict, fmt.Sprintf("%s answers a questionnaire that is %s: send the vendor a new one", file, r.Standing(s.now())))
	}
	r.Answers = answers
	if err := r.Rescore(); err != nil {
		return nil, errs.Wrap(errs.Invalid, file+": "+errs.Message(err), err)
	}
	v, err := sc.Vendor(ctx, r.VendorID)
	if err != nil {
		return nil, err
	}
	return &AnswerPlan{File: file, Request: r, Vendor: v.Name}, nil
}

// ApplyAnswers records a planned workbook's answers, given by respondent
// at the vendor, and queues the checks.
func (s *Service) ApplyAnswers(ctx context.Context, sc Scoped, p *AnswerPlan, respondent string) error {
	who, err := vendor.CheckRespondent(respondent)
	if err != nil {
		return err
	}
	p.Request.Respondent = who
	return sc.AnswerQuestionnaireRequest(ctx, p.Request, nil, s.now(), s.after(sc.Org().ID)...)
}

// Define adds a version of one of the organisation's own questionnaires
// from a file of questions (vendor.QuestionColumns). Its id comes from
// its title: a new version of a questionnaire keeps its title. Errors:
// Invalid naming every bad cell; Conflict for a version that exists.
func (s *Service) Define(ctx context.Context, sc Scoped, title, version, about, file string, content []byte) (*vendor.Questionnaire, error) {
	title, version, about = strings.TrimSpace(title), strings.TrimSpace(version), strings.TrimSpace(about)
	switch {
	case title == "" || len(title) > 200 || !utf8.ValidString(title):
		return nil, errs.New(errs.Invalid, "title: a title of at most 200 characters")
	case version == "" || len(version) > 40 || !utf8.ValidString(version):
		return nil, errs.New(errs.Invalid, "version: a version of at most 40 characters (2027.1, v2)")
	case len(about) > 4000 || !utf8.ValidString(about):
		return nil, errs.New(errs.Invalid, "about: at most 4000 characters")
	}
	ref := strings.ToLower(strings.Trim(unsafeName.ReplaceAllString(title, "-"), "-._"))
	if ref == "" || vendor.Owned(ref) {
		return nil, errs.New(errs.Invalid, "title: give the questionnaire a title of its own")
	}
	known := s.Known
	if known == nil {
		known = func(string) bool { return true }
	}
	qs, err := vendor.ReadQuestions(file, content, known)
	if err != nil {
		return nil, err
	}
	q := &vendor.Questionnaire{ID: clip(ref, 80), Version: version, Title: title, About: about,
		Answers: vendor.Builtin.Answers, Questions: qs}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := sc.SaveQuestionnaire(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}
