package dataimport

import (
	"context"
	"fmt"
	"io"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/lifecycle"
	"github.com/safeguard-health/safeguard/internal/store"
)

// devices imports a device manager's export: the devices of its source
// replaced, each primary user matched to the roster, each operating
// system judged against the list of vendors' support.
func devices(ctx context.Context, req Request, sc *store.Scoped, name string, format *ingest.Format, r io.Reader, out *Outcome) error {
	say := func(format string, args ...any) { out.Summary = append(out.Summary, fmt.Sprintf(format, args...)) }
	// Each device's operating system is judged against the list of
	// vendors' support as it is read, so that the checks count the
	// devices past their end of support in the database.
	res, err := sc.ImportDevices(ctx, format.ID, name, out.SHA256, out.Size, func(emit func(*store.JudgedDevice) error) (*ingest.DevicesInfo, error) {
		return format.Devices(name, r, func(d *ingest.Device) error {
			return emit(&store.JudgedDevice{Device: d, OSSupport: lifecycle.SupportEnd(d.OS, d.OSVersion, d.Edition), OSList: lifecycle.AsOf})
		})
	}, req.After...)
	if err != nil {
		return err
	}
	out.Import, out.Fresh, out.Records, out.Matched, out.Replaced, out.Unused = res.Record.ID, res.Fresh, res.Devices, res.Matched, res.Replaced, res.Unused
	say("%s: %s (%s), %d with a primary user matched to the roster%s.", name, plural(res.Devices, "device", "devices"), format.Label, res.Matched, again(res.Fresh))
	if res.Fresh && res.Replaced > 0 {
		say("replaced the %d devices of the previous %s export", res.Replaced, format.Label)
	}
	return nil
}
