// Package notify sends Safeguard's email: the security reminders of
// 164.308(a)(5)(ii)(A), through the organisation's SMTP server.
package notify

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// A Mailer sends through one SMTP server.
type Mailer struct {
	From    string
	host    string
	opts    []mail.Option
	display string
}

// ParseSMTP reads the server's address as a URL:
//
//	smtps://user:password@mail.example.org:465   TLS from the start
//	smtp://user:password@mail.example.org:587    STARTTLS, required
//	smtp+plain://127.0.0.1:25                    no TLS: a relay on this host only
//
// from is the sender's address. Errors: Invalid, naming what is wrong.
func ParseSMTP(raw, from string) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errs.New(errs.Invalid, "--smtp: give the server as smtps://user:password@host:465, smtp://user:password@host:587 or smtp+plain://127.0.0.1:25")
	}
	if from == "" {
		return nil, errs.New(errs.Invalid, "--smtp-from: give the address reminders are sent from")
	}
	m := &Mailer{From: from, host: u.Hostname(), opts: []mail.Option{mail.WithTimeout(30 * time.Second)}}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errs.New(errs.Invalid, "--smtp: the port is not a number")
		}
	}
	switch u.Scheme {
	case "smtps":
		m.opts = append(m.opts, mail.WithSSL(), mail.WithPort(cmp.Or(port, 465)))
	case "smtp":
		m.opts = append(m.opts, mail.WithTLSPolicy(mail.TLSMandatory), mail.WithPort(cmp.Or(port, 587)))
	case "smtp+plain":
		if !loopback(m.host) {
			return nil, errs.New(errs.Invalid, "--smtp: smtp+plain sends without TLS and is allowed only to a relay on this host (127.0.0.1, ::1 or localhost)")
		}
		m.opts = append(m.opts, mail.WithTLSPolicy(mail.NoTLS), mail.WithPort(cmp.Or(port, 25)))
	default:
		return nil, errs.New(errs.Invalid, fmt.Sprintf("--smtp: the scheme %q is not smtps, smtp or smtp+plain", u.Scheme))
	}
	m.opts = append(m.opts, mail.WithTLSConfig(&tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}))
	if u.User != nil {
		pw, _ := u.User.Password()
		m.opts = append(m.opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pw))
	}
	m.display = u.Scheme + "://" + u.Host
	return m, nil
}

func loopback(host string) bool { return host == "127.0.0.1" || host == "::1" || host == "localhost" }

// String is the server without its credentials, for logs.
func (m *Mailer) String() string { return m.display }

// Send sends each delivery that has an address as its own message over one
// connection and sets its status (sent or failed, with the reason) and
// time. It fails as a whole only when no connection could be made.
func (m *Mailer) Send(ctx context.Context, ds []*workforce.Delivery, now time.Time) error {
	var msgs []*mail.Msg
	var sending []*workforce.Delivery
	for _, d := range ds {
		d.At = now
		if d.Status == "no-email" {
			continue
		}
		msg := mail.NewMsg()
		if err := msg.From(m.From); err != nil {
			return errs.New(errs.Invalid, "--smtp-from: "+err.Error())
		}
		if err := msg.To(d.Email); err != nil {
			d.Status, d.Error = "failed", "bad address: "+err.Error()
			continue
		}
		msg.Subject(d.Subject)
		msg.SetBodyString(mail.TypeTextPlain, d.Body)
		msg.SetDate()
		msg.SetMessageID()
		msgs, sending = append(msgs, msg), append(sending, d)
	}
	if len(msgs) == 0 {
		return nil
	}
	c, err := mail.NewClient(m.host, m.opts...)
	if err != nil {
		return errs.Wrap(errs.Invalid, "smtp", err)
	}
	sendErr := c.DialAndSendWithContext(ctx, msgs...)
	delivered := 0
	for i, msg := range msgs {
		if msg.HasSendError() {
			sending[i].Status, sending[i].Error = "failed", msg.SendError().Error()
			continue
		}
		if sendErr != nil && !msg.IsDelivered() {
			sending[i].Status, sending[i].Error = "failed", sendErr.Error()
			continue
		}
		sending[i].Status = "sent"
		delivered++
	}
	if delivered == 0 && sendErr != nil {
		return errs.Wrap(errs.Unavailable, "cannot send through "+m.display, sendErr)
	}
	return nil
}

// Store is what sending reminders needs of an organisation's records
// (store.Scoped implements it).
type Store interface {
	Reminders(ctx context.Context, dueOn string) ([]*workforce.Reminder, error)
	TrainingStatus(ctx context.Context, now time.Time) (*workforce.Program, *workforce.Status, error)
	ClaimReminder(ctx context.Context, id string, at time.Time) error
	RecordDeliveries(ctx context.Context, id string, ds []*workforce.Delivery) error
}

// SendDue sends every reminder due on the day of now that has not been
// sent, to its audience as the roster and training stand now, and
// records who was sent what. It returns how many reminders it sent.
func SendDue(ctx context.Context, st Store, m *Mailer, now time.Time) (int, error) {
	due, err := st.Reminders(ctx, workforce.Today(now))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		prog, status, err := st.TrainingStatus(ctx, now)
		if err != nil {
			return n, err
		}
		titles := map[string]string{}
		for _, mod := range prog.Modules {
			titles[mod.Code] = mod.Title
		}
		ds := r.Deliveries(status, titles)
		if err := st.ClaimReminder(ctx, r.ID, now); err != nil {
			if errs.Is(err, errs.Conflict) {
				continue // another sender has it
			}
			return n, err
		}
		if err := m.Send(ctx, ds, now); err != nil {
			for _, d := range ds {
				if d.Status == "pending" {
					d.Status, d.Error = "failed", errs.Message(err)
				}
			}
		}
		if err := st.RecordDeliveries(ctx, r.ID, ds); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
