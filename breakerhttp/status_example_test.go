package breakerhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
)

// ExampleStatusHandler mounts the status page on an admin mux, which a
// service serves behind its own authentication, and reads it as JSON.
func ExampleStatusHandler() {
	b := runtime.MustNew()
	_ = b.Circuit("search").Run(context.Background(), func(context.Context) error { return nil })
	_ = b.Circuit("payments").LockOpen(context.Background())

	admin := http.NewServeMux()
	admin.Handle("GET /admin/circuits", breakerhttp.StatusHandler(b)) // wrap in the service's auth
	srv := httptest.NewServer(admin)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/admin/circuits?format=json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		Circuits []struct{ Name, State, Lock string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&page)
	for _, c := range page.Circuits {
		fmt.Printf("%s: %s; lock %s\n", c.Name, c.State, c.Lock)
	}
	// Output:
	// payments: open (locked open); lock open
	// search: closed; lock none
}
