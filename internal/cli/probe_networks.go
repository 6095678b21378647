package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"code.dny.dev/ssrf"
)

// The networks the server's probes may reach (--probe-networks): any
// address, or only public ones.
const (
	probeAnyNetwork = "any"
	probePublic     = "public"
)

// probeDial is how the server's TLS and email probes connect, under
// --probe-networks and --probe-allow: nil (a plain dialer) for "any";
// for "public", a dialer that refuses every address IANA's special-purpose
// registries name (private, loopback, link-local, shared, documentation
// and the like, as code.dny.dev/ssrf lists them) unless --probe-allow
// names its network. The address is checked as it is connected to, after
// the name was resolved, so a name that resolves inside cannot slip
// through. An organisation chooses what its probes reach (its profile's
// endpoints and email domains); an installation that serves many
// organisations keeps them off its own network with "public".
func (a *app) probeDial() (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	switch a.probeNetworks {
	case "", probeAnyNetwork:
		if len(a.probeAllow) > 0 {
			return nil, usageError{errors.New("--probe-allow narrows --probe-networks public; with any, every network is reached already")}
		}
		return nil, nil
	case probePublic:
	default:
		return nil, usageError{fmt.Errorf("--probe-networks %q: any or public", a.probeNetworks)}
	}
	var v4, v6 []netip.Prefix
	for _, s := range a.probeAllow {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			addr, aerr := netip.ParseAddr(strings.TrimSpace(s))
			if aerr != nil {
				return nil, usageError{fmt.Errorf("--probe-allow %q: not a network (CIDR, such as 10.20.0.0/16) or an address", s)}
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p = p.Masked(); p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	guard := ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
	d := &net.Dialer{Control: guard.Safe}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if errors.Is(err, ssrf.ErrProhibitedIP) {
			to := addr
			var op *net.OpError
			if errors.As(err, &op) && op.Addr != nil && op.Addr.String() != addr {
				to = addr + " (" + op.Addr.String() + ")"
			}
			return nil, fmt.Errorf("not probed: %s is not a public address, and this server probes public addresses only (--probe-networks public; --probe-allow names the networks it may reach besides)", to)
		}
		return c, err
	}, nil
}
