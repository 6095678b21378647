package questionnaire_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, s *store.Store, c *clock) (*questionnaire.Service, *store.Scoped, *store.Scoped, *vendor.Vendor) {
	t.Helper()
	ctx := context.Background()
	var scs []*store.Scoped
	for _, slug := range []string{"riverside", "lakeside"} {
		o := &org.Organization{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:] + " Clinic", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		scs = append(scs, s.Scope(o))
	}
	v := &vendor.Vendor{Name: "Northwind EHR", Receives: true, Status: vendor.BusinessAssociate}
	if err := scs[0].CreateVendor(ctx, v); err != nil {
		t.Fatal(err)
	}
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})
	ev := &evidence.Service{Blobs: &blob.Store{Backend: blob.Database{Rows: s}, Sealer: keys}, Sealer: keys}
	svc := &questionnaire.Service{Store: s, Scope: func(o *org.Organization) questionnaire.Scoped { return s.Scope(o) }, Evidence: ev,
		Known: func(id string) bool { _, ok := reg.Item(id); return ok }, Now: c.now}
	return svc, scs[0], scs[1], v
}

// every answers each question of q yes, but those in no with no and a
// comment.
func every(q *vendor.Questionnaire, no ...string) map[string]vendor.QuestionAnswer {
	out := map[string]vendor.QuestionAnswer{}
	for _, x := range q.Questions {
		out[x.ID] = vendor.QuestionAnswer{Value: vendor.AnswerYes}
	}
	for _, id := range no {
		out[id] = vendor.QuestionAnswer{Value: vendor.AnswerNo, Comment: "Planned for next year."}
	}
	return out
}

// A questionnaire sent as a link on both engines: the vendor opens it,
// answers it once with a file of evidence (in the organisation's vault,
// recorded as the vendor), and the link then opens nothing; a wrong
// answer or file keeps nothing; an expired or withdrawn link opens
// nothing; another organisation sees none of it.
func TestAnswerByLink(t *testing.T) {
	c := &clock{time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	storetest.EachAt(t, c.now, func(t *testing.T, s *store.Store) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Label: "officer@riverside.example", Source: "127.0.0.1"})
		svc, sc, other, v := setup(t, s, c)
		if _, _, err := svc.Send(ctx, other, questionnaire.Sending{VendorID: v.ID}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation's vendor: %v", err)
		}
		if _, _, err := svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID, Days: 91}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("91 days: %v", err)
		}
		r, token, err := svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID, Recipient: "security@northwind.example", Days: 14})
		if err != nil || token == "" || r.Questionnaire.Version != vendor.Builtin.Version || !r.ExpiresAt.Equal(c.t.AddDate(0, 0, 14)) {
			t.Fatalf("send: %+v %q %v", r, token, err)
		}
		l, err := svc.Open(ctx, token)
		if err != nil || l.Vendor != "Northwind EHR" || l.Org != "Riverside Clinic" || l.Request.ID != r.ID {
			t.Fatalf("open: %+v %v", l, err)
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", 43), token + "A"} {
			if _, err := svc.Open(ctx, bad); errs.KindOf(err) != errs.Gone {
				t.Errorf("open %q: %v", bad, err)
			}
		}
		q := r.Questionnaire
		// Unanswered, and not applicable without a reason: nothing written.
		partial := every(q)
		delete(partial, "sbom")
		na := every(q)
		na["sbom"] = vendor.QuestionAnswer{Value: vendor.AnswerNA}
		for name, answers := range map[string]map[string]vendor.QuestionAnswer{"sbom\\): not answered": partial, "sbom\\): say why": na} {
			_, err := svc.Answer(ctx, token, questionnaire.Reply{Respondent: "Ana Ruiz, CISO", Answers: answers})
			if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), strings.ReplaceAll(name, "\\", "")) {
				t.Errorf("%s: %v", name, err)
			}
		}
		// An empty file: refused, naming its question; the other file not kept.
		files := map[string]evidence.File{
			"mfa-remote":      {Name: "mfa-policy.txt", Body: strings.NewReader("All remote access requires Duo MFA.\n")},
			"encryption-rest": {Name: "empty.txt", Body: strings.NewReader("")},
		}
		if _, err := svc.Answer(ctx, token, questionnaire.Reply{Respondent: "Ana Ruiz, CISO", Answers: every(q), Files: files}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "encryption-rest") {
			t.Errorf("an empty file: %v", err)
		}
		if _, err := svc.Answer(ctx, token, questionnaire.Reply{Answers: every(q)}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "respondent") {
			t.Errorf("no respondent: %v", err)
		}
		if es, _ := sc.EvidenceList(ctx); len(es) != 0 {
			t.Errorf("refused answers left evidence: %d", len(es))
		}
		got, err := svc.Answer(ctx, token, questionnaire.Reply{Respondent: "Ana Ruiz, CISO", Answers: every(q, "sbom", "vulnerability-disclosure"),
			Files: map[string]evidence.File{"mfa-remote": {Name: "mfa-policy.txt", Body: strings.NewReader("All remote access requires Duo MFA.\n")}}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Score == nil || got.Score.No != 2 || len(got.Score.Exceptions) != 2 || got.Score.Exceptions[0].Question.ID != "vulnerability-disclosure" || got.Score.Percent >= 100 {
			t.Errorf("score: %+v", got.Score)
		}
		// The link is spent: it opens nothing, answers nothing.
		if _, err := svc.Open(ctx, token); errs.KindOf(err) != errs.Gone {
			t.Errorf("a used link opens: %v", err)
		}
		if _, err := svc.Answer(ctx, token, questionnaire.Reply{Respondent: "Someone else", Answers: every(q)}); errs.KindOf(err) != errs.Gone {
			t.Errorf("a used link answers again: %v", err)
		}
		back, err := sc.QuestionnaireRequest(ctx, r.ID)
		if err != nil || back.State != vendor.RequestAnswered || back.Respondent != "Ana Ruiz, CISO" || back.Score.Percent != got.Score.Percent || back.Answers["sbom"].Comment != "Planned for next year." {
			t.Fatalf("read back: %+v %v", back, err)
		}
		evID := back.Answers["mfa-remote"].EvidenceID
		if evID == "" {
			t.Fatal("the answer does not name its evidence")
		}
		e, err := sc.Evidence(ctx, evID)
		if err != nil || !strings.Contains(e.Title, "Northwind EHR") || !strings.Contains(e.Versions[0].UploadedBy, "vendor Northwind EHR: Ana Ruiz, CISO") {
			t.Errorf("evidence: %+v %v", e, err)
		}
		_, content, err := svc.Evidence.Open(ctx, sc, evID, 0)
		if err != nil || string(content) != "All remote access requires Duo MFA.\n" {
			t.Errorf("evidence content: %q %v", content, err)
		}
		if _, err := other.QuestionnaireRequest(ctx, r.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation reads the request: %v", err)
		}
		if rs, _ := other.QuestionnaireRequests(ctx, ""); len(rs) != 0 {
			t.Errorf("another organisation lists %d requests", len(rs))
		}
		entries, err := s.AuditLog(ctx, store.AuditFilter{OrgID: sc.Org().ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var answered bool
		for _, en := range entries {
			if en.Action == "vendor.questionnaire.answer" && strings.HasPrefix(en.Actor, "vendor Northwind EHR") {
				answered = true
			}
		}
		if !answered {
			t.Error("no audit entry of the answer as the vendor")
		}

		// A link expires; a withdrawn one opens nothing.
		_, late, err := svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID, Days: 1})
		if err != nil {
			t.Fatal(err)
		}
		withdrawn, gone, err := svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Revoke(ctx, other, withdrawn.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation withdraws: %v", err)
		}
		if err := svc.Revoke(ctx, sc, withdrawn.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Open(ctx, gone); errs.KindOf(err) != errs.Gone {
			t.Errorf("a withdrawn link: %v", err)
		}
		c.t = c.t.Add(25 * time.Hour)
		if _, err := svc.Open(ctx, late); errs.KindOf(err) != errs.Gone || !strings.Contains(err.Error(), "expired") {
			t.Errorf("an expired link: %v", err)
		}
		rs, err := sc.QuestionnaireRequests(ctx, v.ID)
		if err != nil || len(rs) != 3 {
			t.Fatalf("requests: %d %v", len(rs), err)
		}
		standings := map[vendor.RequestStanding]int{}
		for _, x := range rs {
			standings[x.Standing(c.t)]++
		}
		if standings[vendor.Answered] != 1 || standings[vendor.Overdue] != 1 || standings[vendor.Revoked] != 1 {
			t.Errorf("standings: %v", standings)
		}
		c.t = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	})
}

// A questionnaire exchanged as a workbook: sent, filled in, read back with
// every bad cell named, applied once.
func TestAnswerByWorkbook(t *testing.T) {
	c := &clock{time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	storetest.EachAt(t, c.now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, sc, other, v := setup(t, s, c)
		r, token, err := svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID, Channel: vendor.ChannelXLSX})
		if err != nil || token != "" || r.Channel != vendor.ChannelXLSX {
			t.Fatalf("send: %+v %q %v", r, token, err)
		}
		name, blank, err := svc.Workbook(ctx, sc, r.ID)
		if err != nil || !strings.HasPrefix(name, "Northwind-EHR-") || !strings.HasSuffix(name, ".xlsx") {
			t.Fatalf("workbook %q: %v", name, err)
		}
		if _, err := svc.PlanAnswers(ctx, sc, name, blank); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "not answered") {
			t.Errorf("a blank workbook: %v", err)
		}
		filled := *r
		filled.Answers = every(r.Questionnaire, "backups")
		data, err := vendor.AnswerWorkbook(&filled)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PlanAnswers(ctx, other, name, data); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation's workbook: %v", err)
		}
		bad := strings.Join([]string{strings.Join(vendor.AnswerColumns, ","), r.ID + ",mfa-remote,Access,MFA?,3,maybe,", "other,sbom,,,,yes,", r.ID + ",mfa-remote,,,,yes,"}, "\n")
		_, err = svc.PlanAnswers(ctx, sc, "answers.csv", []byte(bad))
		for _, want := range []string{"line 2", "answer", `"maybe"`, "line 3", "request", "line 4", "answered twice"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("bad cells: %v lacks %q", err, want)
			}
		}
		p, err := svc.PlanAnswers(ctx, sc, name, data)
		if err != nil || p.Vendor != "Northwind EHR" || len(p.Request.Score.Exceptions) != 1 || p.Request.Score.Exceptions[0].Question.ID != "backups" {
			t.Fatalf("plan: %+v %v", p, err)
		}
		if err := svc.ApplyAnswers(ctx, sc, p, ""); errs.KindOf(err) != errs.Invalid {
			t.Errorf("no respondent: %v", err)
		}
		if err := svc.ApplyAnswers(ctx, sc, p, "Ana Ruiz (returned workbook)"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PlanAnswers(ctx, sc, name, data); errs.KindOf(err) != errs.Conflict {
			t.Errorf("the workbook again: %v", err)
		}
		back, err := sc.QuestionnaireRequest(ctx, r.ID)
		if err != nil || back.State != vendor.RequestAnswered || back.Answers["backups"].Value != vendor.AnswerNo {
			t.Errorf("read back: %+v %v", back, err)
		}
	})
}

// An organisation's own questionnaire: read from a file of questions with
// every bad cell named, versioned (a version once saved is never
// replaced), and sent as its own.
func TestOwnQuestionnaire(t *testing.T) {
	c := &clock{time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	storetest.EachAt(t, c.now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, sc, other, v := setup(t, s, c)
		bad := "id,section,question,weight,maps\nq1,Access,Do you use MFA?,5,hph-cpg/essential-3\nq1,,,2,nowhere/1\n"
		_, err := svc.Define(ctx, sc, "Cloud vendors", "1", "", "questions.csv", []byte(bad))
		for _, want := range []string{"line 2", "weight", `"5"`, "line 3", "used twice", "no question", `"nowhere/1"`} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("bad questions: %v lacks %q", err, want)
			}
		}
		good := "id,section,question,weight,maps\nmfa,Access,Do you use MFA for our tenant?,3,hph-cpg/essential-3; hph-cpg/essential-10\nsoc2,Assurance,Do you hold a current SOC 2 Type II report?,,\n"
		q, err := svc.Define(ctx, sc, "Cloud vendors", "2027.1", "Our own.", "questions.csv", []byte(good))
		if err != nil || q.ID != "cloud-vendors" || len(q.Questions) != 2 || q.Questions[1].Weight != 2 || len(q.Questions[0].Maps) != 2 {
			t.Fatalf("define: %+v %v", q, err)
		}
		if _, err := svc.Define(ctx, sc, "Cloud vendors", "2027.1", "", "questions.csv", []byte(good)); errs.KindOf(err) != errs.Conflict {
			t.Errorf("the same version again: %v", err)
		}
		if _, err := svc.Define(ctx, sc, "Cloud vendors", "2027.2", "", "questions.csv", []byte(good+"dr,Recovery,Do you test restores?,2,\n")); err != nil {
			t.Fatal(err)
		}
		all, err := svc.Catalog(ctx, sc)
		if err != nil || len(all) != 3 || all[0] != vendor.Builtin || all[1].Version != "2027.2" {
			t.Fatalf("catalog: %d %v", len(all), err)
		}
		if mine, _ := svc.Catalog(ctx, other); len(mine) != 1 {
			t.Errorf("another organisation sees %d questionnaires", len(mine))
		}
		r, _, err := svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID, Questionnaire: "cloud-vendors"})
		if err != nil || r.Questionnaire.Version != "2027.2" || len(r.Questionnaire.Questions) != 3 {
			t.Fatalf("send the newest: %+v %v", r, err)
		}
		r, _, err = svc.Send(ctx, sc, questionnaire.Sending{VendorID: v.ID, Questionnaire: "cloud-vendors", Version: "2027.1"})
		if err != nil || len(r.Questionnaire.Questions) != 2 {
			t.Fatalf("send 2027.1: %+v %v", r, err)
		}
		if _, _, err := svc.Send(ctx, other, questionnaire.Sending{VendorID: v.ID, Questionnaire: "cloud-vendors"}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation sends it: %v", err)
		}
		if _, err := svc.Define(ctx, sc, "x", "1", "", "q.csv", []byte("id,question\n")); errs.KindOf(err) != errs.Invalid {
			t.Errorf("no questions: %v", err)
		}
	})
}
