package breakerhttp_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
)

// Example puts an HTTP client's requests through one circuit per host: a
// host answering 503 is cut off after three responses.
func Example() {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()

	b := runtime.MustNew(runtime.WithDefaults(runtime.Options{SampleThreshold: 3}))
	client := &http.Client{Transport: breakerhttp.MustNew(http.DefaultTransport, b)}
	for range 4 {
		resp, err := client.Get(down.URL)
		if errors.Is(err, runtime.ErrOpen) {
			fmt.Println("refused: the host's circuit is open")
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// 503 Service Unavailable
	// 503 Service Unavailable
	// 503 Service Unavailable
	// refused: the host's circuit is open
}
