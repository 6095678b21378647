package kit

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Proxies are the reverse proxies (addresses or networks) whose forwarded
// headers are believed: a request whose peer is one of them comes from the
// client its X-Forwarded-For names, over the scheme its X-Forwarded-Proto
// names. Headers from any other peer are ignored, so nobody can claim an
// address by sending them.
type Proxies []netip.Prefix

// ParseProxies reads addresses and CIDR networks, e.g. "127.0.0.1",
// "10.0.0.0/8", "::1". Errors: Invalid, naming the entry.
func ParseProxies(list []string) (Proxies, error) {
	var out Proxies
	for _, s := range list {
		for _, f := range strings.Split(s, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if p, err := netip.ParsePrefix(f); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, errs.New(errs.Invalid, fmt.Sprintf("%q is not an IP address or CIDR network (e.g. 10.0.0.5 or 10.0.0.0/8)", f))
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// Client is who a request came from: the client's address, and whether it
// reached us over TLS (directly, or to a trusted proxy in front).
type Client struct {
	IP     string
	Secure bool
	// Origin is the scheme and host the installation is reached at, as
	// configured (serve --public-url); "" when none is, and the request's
	// own are used.
	Origin string
}

type clientKey struct{}

// Resolve works out a request's client: its peer, or, when the peer is a
// trusted proxy, the last address in X-Forwarded-For that is not one (the
// proxies append the address each was reached from, so the addresses
// before it are the client's to claim) and the scheme of
// X-Forwarded-Proto's last value.
func (p Proxies) Resolve(r *http.Request) Client {
	c := Client{IP: peerIP(r), Secure: r.TLS != nil}
	peer, err := netip.ParseAddr(c.IP)
	if err != nil || !p.trusts(peer) {
		return c
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a hop we cannot read: trust nothing before it
		}
		c.IP = a.Unmap().String()
		if !p.trusts(a) {
			break
		}
	}
	if protos := r.Header.Values("X-Forwarded-Proto"); len(protos) > 0 {
		last := protos[len(protos)-1]
		if i := strings.LastIndexByte(last, ','); i >= 0 {
			last = last[i+1:]
		}
		c.Secure = c.Secure || strings.EqualFold(strings.TrimSpace(last), "https")
	}
	return c
}

// WithClient puts the request's client in its context.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientIP is the request's client address: as Resolve found it, else the
// peer's.
func ClientIP(r *http.Request) string {
	if c, ok := r.Context().Value(clientKey{}).(Client); ok {
		return c.IP
	}
	return peerIP(r)
}

// Secure reports whether the request reached us over TLS, directly or to a
// trusted proxy.
func Secure(r *http.Request) bool {
	if c, ok := r.Context().Value(clientKey{}).(Client); ok {
		return c.Secure
	}
	return r.TLS != nil
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Session and device cookies: __Host- over TLS, which the browser only
// accepts Secure, host-only and for the whole site.
const (
	CookieName          = "safeguard_session"
	TLSCookieName       = "__Host-safeguard_session"
	DeviceCookieName    = "safeguard_device"
	TLSDeviceCookieName = "__Host-safeguard_device"
)

// SessionToken is the request's session cookie, if any.
func SessionToken(r *http.Request) string { return cookie(r, TLSCookieName, CookieName) }

// DeviceToken is the request's device cookie, if any: the mark of a
// browser that signed in before.
func DeviceToken(r *http.Request) string { return cookie(r, TLSDeviceCookieName, DeviceCookieName) }

func cookie(r *http.Request, names ...string) string {
	for _, name := range names {
		if c, err := r.Cookie(name); err == nil {
			return c.Value
		}
	}
	return ""
}

// SetSessionCookie sets (maxAge 0: for the browser's session) or clears
// (maxAge -1) the session cookie.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	setCookie(w, r, CookieName, TLSCookieName, token, maxAge)
}

// DeviceCookieAge is how long a browser keeps its device cookie.
const DeviceCookieAge = 365 * 24 * time.Hour

// SetDeviceCookie keeps the device cookie for DeviceCookieAge.
func SetDeviceCookie(w http.ResponseWriter, r *http.Request, token string) {
	setCookie(w, r, DeviceCookieName, TLSDeviceCookieName, token, int(DeviceCookieAge/time.Second))
}

func setCookie(w http.ResponseWriter, r *http.Request, name, tlsName, value string, maxAge int) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: maxAge}
	if Secure(r) {
		c.Name, c.Secure = tlsName, true
	}
	http.SetCookie(w, c)
}

// Origin is the scheme and host of the links the server hands out
// (invitations, questionnaires): the installation's public address when
// one is configured, else those the request reached the server at (its
// Host header, which a proxy in front may have rewritten).
func Origin(r *http.Request) string {
	if c, ok := r.Context().Value(clientKey{}).(Client); ok && c.Origin != "" {
		return c.Origin
	}
	if Secure(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
