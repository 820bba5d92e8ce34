package breakerhttp_test

import (
	"context"
	"encoding/json"
	"errors"
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

// ExampleWithEventLog gives the status page the breaker's latest
// transitions: the EventLog listens to the breaker, and the page shows what
// it kept, newest first.
func ExampleWithEventLog() {
	events := breakerhttp.NewEventLog()
	b := runtime.MustNew(runtime.WithListener(events)) // asks for events.Events() only
	payments := b.Circuit("payments")
	for range 3 {
		_ = payments.Run(context.Background(), func(context.Context) error { return errors.New("503 Service Unavailable") })
	}
	_ = b.Circuit("search").LockOpen(context.Background())

	srv := httptest.NewServer(breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events)))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/?format=json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		Events []struct {
			Circuit, Type, State, Error string
			Remote                      bool
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&page)
	for _, e := range page.Events {
		fmt.Printf("%s %s: %s; learnt from another process: %t", e.Circuit, e.Type, e.State, e.Remote)
		if e.Error != "" {
			fmt.Printf("; error: %s", e.Error)
		}
		fmt.Println()
	}
	// Output:
	// search lock_changed: open (locked open); learnt from another process: false
	// payments opened: open; learnt from another process: false; error: 503 Service Unavailable
}
