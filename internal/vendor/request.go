package vendor

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// How a questionnaire reaches a vendor: a single-use link it answers
// without an account, or a workbook it fills in and sends back.
const (
	ChannelLink = "link"
	ChannelXLSX = "xlsx"
)

// The states of a request as stored.
const (
	RequestSent     = "sent"
	RequestAnswered = "answered"
	RequestRevoked  = "revoked"
)

// RequestStanding is where a request stands on a day: awaiting answers,
// overdue (its link expired or its due date passed unanswered), answered
// or revoked.
type RequestStanding string

// The standings.
const (
	Awaiting RequestStanding = "awaiting"
	Overdue  RequestStanding = "overdue"
	Answered RequestStanding = "answered"
	Revoked  RequestStanding = "revoked"
)

// Link lifetimes, in days: the default, and the longest a link may work.
const (
	DefaultLinkDays = 30
	MaxLinkDays     = 90
)

// A Request is a questionnaire sent to a vendor and, once answered, the
// vendor's answers. It keeps the questionnaire as it was sent, so a later
// version changes no answer already given.
type Request struct {
	ID            string                    `json:"id"`
	VendorID      string                    `json:"vendor_id"`
	Questionnaire *Questionnaire            `json:"questionnaire"`
	Channel       string                    `json:"channel"`
	Recipient     string                    `json:"recipient,omitempty"`
	SentAt        time.Time                 `json:"sent_at"`
	SentBy        string                    `json:"sent_by"`
	ExpiresAt     time.Time                 `json:"expires_at"`
	State         string                    `json:"state"`
	AnsweredAt    *time.Time                `json:"answered_at,omitempty"`
	Respondent    string                    `json:"respondent,omitempty"`
	Answers       map[string]QuestionAnswer `json:"answers,omitempty"`
	Score         *Score                    `json:"score,omitempty"`
}

// Standing is where the request stands at now.
func (r *Request) Standing(now time.Time) RequestStanding {
	switch {
	case r.State == RequestAnswered:
		return Answered
	case r.State == RequestRevoked:
		return Revoked
	case !now.Before(r.ExpiresAt):
		return Overdue
	}
	return Awaiting
}

// Open reports whether the request can still be answered at now.
func (r *Request) Open(now time.Time) bool { return r.Standing(now) == Awaiting }

// Rescore scores a request's answers against the questionnaire it was
// sent with (nothing when it has none).
func (r *Request) Rescore() error {
	if r.Answers == nil || r.Questionnaire == nil {
		return nil
	}
	s, err := r.Questionnaire.Score(r.Answers)
	r.Score = s
	return err
}

// Newest is the newest answered request of each vendor, by vendor id:
// what the vendor checks and the register read.
func Newest(rs []*Request) map[string]*Request {
	out := map[string]*Request{}
	for _, r := range rs {
		if r.State != RequestAnswered || r.AnsweredAt == nil {
			continue
		}
		if cur := out[r.VendorID]; cur == nil || r.AnsweredAt.After(*cur.AnsweredAt) {
			out[r.VendorID] = r
		}
	}
	return out
}

// CheckRecipient checks who a request is addressed to (a name or an
// email, free text the organisation keeps for itself).
func CheckRecipient(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 200 || !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") {
		return "", errs.New(errs.Invalid, "recipient: at most 200 characters on one line")
	}
	return s, nil
}

// CheckRespondent checks the name a vendor answers under: required, as
// the record of who answered.
func CheckRespondent(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errs.New(errs.Invalid, "respondent: say who is answering (name and role)")
	case len(s) > 200 || !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n"):
		return "", errs.New(errs.Invalid, "respondent: at most 200 characters on one line")
	}
	return s, nil
}

// The columns of a questionnaire's answer workbook, in order.
var AnswerColumns = []string{"request", "question_id", "section", "question", "weight", "answer", "comment"}

// MaxAnswerBytes bounds an answer workbook.
const MaxAnswerBytes = 4 << 20

// AnswerWorkbook is the workbook a vendor fills in to answer r: a row per
// question, with the request's id on every row so the file finds its way
// back, and the answers given so far.
func AnswerWorkbook(r *Request) ([]byte, error) {
	rows := make([][]string, 0, len(r.Questionnaire.Questions))
	for _, q := range r.Questionnaire.Questions {
		a := r.Answers[q.ID]
		rows = append(rows, []string{r.ID, q.ID, q.Section, q.Text, strconv.Itoa(q.Weight), a.Value, a.Comment})
	}
	return tabular.WriteXLSX("Answers", AnswerColumns, rows)
}

// ReadAnswerWorkbook reads a filled-in answer workbook (XLSX, or the same
// columns as CSV): the request it answers and the answers, every bad cell
// named by its line and column. A blank answer is left unanswered, for
// Score to name.
func ReadAnswerWorkbook(file string, r io.Reader) (requestID string, answers map[string]QuestionAnswer, err error) {
	t, err := tabular.ReadColumns(file, r, MaxAnswerBytes, []string{"request", "question_id", "answer"}, AnswerColumns)
	if err != nil {
		return "", nil, err
	}
	answers = map[string]QuestionAnswer{}
	seen := map[string]bool{}
	for i := range t.Rows {
		req, qid := t.Cell(i, "request"), t.Cell(i, "question_id")
		switch {
		case req == "":
			t.Fail(i, "request", "no request id: answer in the workbook Safeguard sent")
		case requestID == "":
			requestID = req
		case req != requestID:
			t.Fail(i, "request", fmt.Sprintf("%q is another request than the first row's %q: one workbook answers one request", req, requestID))
		}
		if qid == "" {
			t.Fail(i, "question_id", "no question id")
			continue
		}
		if seen[qid] {
			t.Fail(i, "question_id", fmt.Sprintf("%q is answered twice", qid))
			continue
		}
		seen[qid] = true
		value, ok := ParseAnswer(t.Cell(i, "answer"))
		if !ok {
			t.Fail(i, "answer", fmt.Sprintf("%q is not yes, no or n/a", t.Cell(i, "answer")))
			continue
		}
		comment := t.Cell(i, "comment")
		if len(comment) > 4000 {
			t.Fail(i, "comment", "longer than 4000 characters")
			continue
		}
		answers[qid] = QuestionAnswer{Value: value, Comment: comment}
	}
	if err := t.Err(); err != nil {
		return "", nil, err
	}
	if requestID == "" {
		return "", nil, errs.New(errs.Invalid, file+": no answers")
	}
	return requestID, answers, nil
}

// ParseAnswer reads an answer as people write it: yes, no, or not
// applicable (n/a, na); "" (unanswered) is valid and stays "".
func ParseAnswer(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", true
	case "yes", "y":
		return AnswerYes, true
	case "no", "n":
		return AnswerNo, true
	case "na", "n/a", "not applicable":
		return AnswerNA, true
	}
	return "", false
}

// QuestionColumns are the columns of a file of an organisation's own
// questions.
var QuestionColumns = []string{"id", "section", "question", "weight", "maps"}

// MaxQuestionnaireBytes bounds a file of questions.
const MaxQuestionnaireBytes = 2 << 20

// MaxQuestions is the most questions a questionnaire holds.
const MaxQuestions = 300

// ReadQuestions reads an organisation's own questionnaire from a CSV or
// XLSX file of questions (QuestionColumns; maps are catalog item ids
// separated by ";"), each bad cell named. known reports whether the
// catalog holds an item.
func ReadQuestions(file string, content []byte, known func(string) bool) ([]Question, error) {
	t, err := tabular.ReadColumns(file, bytes.NewReader(content), MaxQuestionnaireBytes, []string{"id", "question"}, QuestionColumns)
	if err != nil {
		return nil, err
	}
	if len(t.Rows) > MaxQuestions {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %d questions, more than the %d a questionnaire holds", file, len(t.Rows), MaxQuestions))
	}
	var out []Question
	seen := map[string]bool{}
	for i := range t.Rows {
		q := Question{ID: t.Cell(i, "id"), Section: t.Cell(i, "section"), Text: t.Cell(i, "question"), Weight: 2}
		switch {
		case q.ID == "":
			t.Fail(i, "id", "no id")
		case len(q.ID) > 64 || strings.ContainsAny(q.ID, " \t"):
			t.Fail(i, "id", "at most 64 characters, without spaces")
		case seen[q.ID]:
			t.Fail(i, "id", fmt.Sprintf("%q is used twice", q.ID))
		}
		seen[q.ID] = true
		switch {
		case q.Text == "":
			t.Fail(i, "question", "no question")
		case len(q.Text) > 2000:
			t.Fail(i, "question", "longer than 2000 characters")
		}
		if len(q.Section) > 200 {
			t.Fail(i, "section", "longer than 200 characters")
		}
		if w := t.Cell(i, "weight"); w != "" {
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 || n > 3 {
				t.Fail(i, "weight", fmt.Sprintf("%q is not 1, 2 or 3", w))
			}
			q.Weight = n
		}
		for _, m := range strings.Split(t.Cell(i, "maps"), ";") {
			if m = strings.TrimSpace(m); m == "" {
				continue
			}
			if !known(m) {
				t.Fail(i, "maps", fmt.Sprintf("%q is not an item of the catalog (write hph-cpg/essential-10, hipaa-sr/164.308(b)(1), csf2/GV.SC-05)", m))
				continue
			}
			q.Maps = append(q.Maps, m)
		}
		out = append(out, q)
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.New(errs.Invalid, file+": no questions")
	}
	return out, nil
}

// QuestionsCSV writes a questionnaire's questions in the columns
// ReadQuestions reads: a start for an organisation's own.
func QuestionsCSV(q *Questionnaire) ([]byte, error) {
	rows := make([][]string, 0, len(q.Questions))
	for _, x := range q.Questions {
		rows = append(rows, []string{x.ID, x.Section, x.Text, strconv.Itoa(x.Weight), strings.Join(x.Maps, "; ")})
	}
	return tabular.WriteCSV(QuestionColumns, rows)
}

// Owned reports whether a questionnaire id is Safeguard's own (which an
// organisation cannot replace) rather than an organisation's.
func Owned(id string) bool { return id == Builtin.ID }

// Goals are the HHS goals a questionnaire's exceptions count against:
// those its question maps to, among the vendor goals.
func (x Question) Goals() []string {
	var out []string
	for _, m := range x.Maps {
		if slices.Contains([]string{"hph-cpg/essential-10", "hph-cpg/enhanced-2", "hph-cpg/enhanced-3"}, m) {
			out = append(out, m)
		}
	}
	return out
}
