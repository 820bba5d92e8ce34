package adapters

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafehttp"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
)

// instant is a RoundTripper that answers 200 at once, so a row measures
// the adapter, not the network.
type instant struct{ resp *http.Response }

func (t instant) RoundTrip(*http.Request) (*http.Response, error) { return t.resp, nil }

func newInstant() instant {
	return instant{&http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(""))}}
}

// BenchmarkHTTP is a GET on a closed circuit through each adapter.
func BenchmarkHTTP(b *testing.B) {
	req, err := http.NewRequest(http.MethodGet, "http://api.example.test/x", nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, row := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"bare", newInstant()},
		{"breakerhttp", breakerhttp.MustNew(newInstant(), runtime.MustNew())},
		{"failsafehttp", failsafehttp.NewRoundTripper(newInstant(), circuitbreaker.NewWithDefaults[*http.Response]())},
	} {
		b.Run(row.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := row.rt.RoundTrip(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
