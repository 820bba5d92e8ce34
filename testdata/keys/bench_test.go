package keys_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/testdata/keys"
)

// okHosts succeeds at everything, doing nothing.
type okHosts struct{}

func (okHosts) Ping(ctx context.Context, host string) error                  { return nil }
func (okHosts) Fetch(req *http.Request) ([]byte, error)                      { return nil, nil }
func (okHosts) Resolve(ctx context.Context, h keys.Host) ([]string, error)   { return nil, nil }
func (okHosts) Bill(ctx context.Context, a keys.Account, cents uint32) error { return nil }
func (okHosts) Load(ctx context.Context, a keys.Account) (string, error)     { return "", nil }
func (okHosts) Put(ctx context.Context, shard uint16, v []byte) error        { return nil }
func (okHosts) Lookup(ctx context.Context, host string) (string, error)      { return host, nil }
func (okHosts) Close() error                                                 { return nil }

// handPing is what a careful programmer writes by hand for a keyed call,
// with the generated code's deferred panic recording.
func handPing(ctx context.Context, family *breakerimpl.Keyed, next keys.Hosts, host string) error {
	a, err := family.Circuit(host).Allow(ctx)
	if err != nil {
		return err
	}
	defer a.RecordPanic()
	err = next.Ping(ctx, host)
	a.Done(ctx, err)
	return err
}

// BenchmarkPing compares a generated keyed method (key=host, among 100 live
// hosts) with the same code written by hand on the same family, and with an
// unkeyed Allow/Done on one circuit: the difference is the key's lookup.
func BenchmarkPing(b *testing.B) {
	ctx := context.Background()
	br := runtime.MustNew()
	d := keys.NewHostsBreaker(okHosts{}, br)
	hosts := make([]string, 100)
	for i := range hosts {
		hosts[i] = "host-" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".example.com"
		if err := d.Ping(ctx, hosts[i]); err != nil {
			b.Fatal(err)
		}
	}
	host := hosts[42]
	family := breakerimpl.Decorate(br, "github.com/breakergen/breakergen/testdata/keys.HostsBreaker").Keyed("hosts", 64) // the family the generated Ping uses
	var next keys.Hosts = okHosts{}
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Ping(ctx, host); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten+defer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := handPing(ctx, family, next, host); err != nil {
				b.Fatal(err)
			}
		}
	})
	c := br.Circuit("unkeyed")
	b.Run("unkeyed-allowdone+defer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			func() {
				a, err := c.Allow(ctx)
				if err != nil {
					b.Fatal(err)
				}
				defer a.RecordPanic()
				a.Done(ctx, next.Ping(ctx, host))
			}()
		}
	})
}
