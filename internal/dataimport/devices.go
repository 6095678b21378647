package dataimport

import (
	"context"
	"fmt"
	"io"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// devices imports a device manager's export: the devices of its source
// replaced, each primary user matched to the roster.
func devices(ctx context.Context, req Request, sc *store.Scoped, name string, format *ingest.Format, r io.Reader, out *Outcome) error {
	say := func(format string, args ...any) { out.Summary = append(out.Summary, fmt.Sprintf(format, args...)) }
	res, err := sc.ImportDevices(ctx, format.ID, name, out.SHA256, out.Size, func(emit func(*ingest.Device) error) (*ingest.DevicesInfo, error) {
		return format.Devices(name, r, emit)
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
