package breakerhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/breakergen/breakergen/runtime"
)

// maxRefresh is the longest auto-refresh the page accepts, in seconds.
const maxRefresh = 3600

// StatusHandler returns a read-only handler that serves the status of every
// circuit b holds: its state in runtime.Status.String's words ("closed",
// "open", "half-open", "open, probe in flight", with a lock "open (locked
// open)" or "closed (locked closed)"), whose verdict that is (the fleet's,
// or this process's own: a local opening, or a process cut off from a shared
// storage, whose state then ends with "(this process)"), operator lock, when
// it opened, its failure rate and samples within the window, and when its
// next probe may run. The summary counts the circuits open in this process,
// and among them those open in this process only. It reads each circuit's
// status from the storage on every request.
//
// It answers GET and HEAD, and 405 to any other method. The answer is JSON
// when the query has format=json, or when the request accepts
// application/json and not text/html; otherwise it is an HTML page, which
// reloads itself every N seconds with refresh=N (1 to 3600). Circuit names
// are data: the page escapes them, runs no script and forbids any with its
// Content-Security-Policy.
//
// With WithEventLog, its only option, the page also lists the latest
// transitions, probes and lock changes the EventLog kept, newest first: when,
// which circuit, what happened, the state it left, whether this process made
// it or learnt it from another process of its fleet, and the error that
// caused it.
//
// The page tells what the service depends on: mount it behind the service's
// own authentication. StatusHandler panics when b is nil or an option is nil,
// invalid or one of a Transport's, with an error wrapping runtime.ErrInvalid
// for the options. The handler is safe for concurrent use.
func StatusHandler(b *runtime.Breaker, opts ...Option) http.Handler {
	if b == nil {
		panic("breakerhttp: StatusHandler: nil *runtime.Breaker")
	}
	var cfg config
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i+1))
			continue
		}
		if err := o.apply(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.transport() {
		errs = append(errs, errors.New("WithInstance, WithFailureStatus, WithOneCircuit and WithOptions are options of a Transport, not of StatusHandler"))
	}
	if err := errors.Join(errs...); err != nil {
		panic(fmt.Errorf("breakerhttp: StatusHandler: %w: %w", runtime.ErrInvalid, err))
	}
	return &statusHandler{b: b, events: cfg.events, now: time.Now}
}

// statusHandler is the handler StatusHandler returns.
type statusHandler struct {
	b      *runtime.Breaker
	events *EventLog        // nil: no events shown
	now    func() time.Time // when no circuit's status tells the time
}

func (h *statusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "breakerhttp: the status page is read-only: use GET", http.StatusMethodNotAllowed)
		return
	}
	refresh, ok := refreshSeconds(r)
	if !ok {
		http.Error(w, "breakerhttp: refresh must be a number of seconds from 1 to 3600", http.StatusBadRequest)
		return
	}
	page := h.read(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodHead {
			return
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(page)
		return
	}
	writeHTML(w, r, page, refresh)
}

// read reads the status of every circuit.
func (h *statusHandler) read(ctx context.Context) statusPage {
	circuits := h.b.Circuits()
	page := statusPage{Circuits: make([]circuitStatus, 0, len(circuits))}
	for _, c := range circuits {
		st, err := c.Peek(ctx)
		page.Circuits = append(page.Circuits, newCircuitStatus(c.Name(), st, err))
		if st.CurrentTime.After(page.Time) {
			page.Time = st.CurrentTime // the storage's clock, which the circuits follow
		}
	}
	if page.Time.IsZero() {
		page.Time = h.now()
	}
	page.Time = page.Time.UTC()
	if h.events != nil {
		latest := h.events.latest()
		page.Events = make([]eventStatus, 0, len(latest))
		for _, e := range latest {
			page.Events = append(page.Events, newEventStatus(e))
		}
	}
	return page
}

// wantsJSON reports whether the request asks for JSON rather than the page.
func wantsJSON(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "json":
		return true
	case "html":
		return false
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// refreshSeconds returns the refresh query parameter: 0 when absent, false
// when it is not a number of seconds from 1 to maxRefresh.
func refreshSeconds(r *http.Request) (int, bool) {
	v := r.URL.Query().Get("refresh")
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxRefresh {
		return 0, false
	}
	return n, true
}
