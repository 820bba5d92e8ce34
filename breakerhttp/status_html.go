package breakerhttp

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"
)

// contentSecurityPolicy forbids the page every script, frame, form and
// fetch: it needs nothing but its own inline style.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// statusTemplate is the page. html/template escapes every value by context:
// a circuit name is text wherever it appears.
var statusTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"percent":  func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"when":     when,
	"probe":    probe,
	"class":    stateClass,
	"plural":   plural,
	"verdict":  verdict,
	"happened": happened,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{{- if .Refresh}}
<meta http-equiv="refresh" content="{{.Refresh}}">
{{- end}}
<title>Circuits: {{.Open}} open, {{.LockedOpen}} locked open</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { padding: .3em .8em; border-bottom: 1px solid #ddd; text-align: left; white-space: nowrap; }
td.num { text-align: right; }
.closed { color: #176117; } .open { color: #b00020; font-weight: bold; }
.half-open { color: #a05a00; font-weight: bold; } .unknown { color: #666; font-style: italic; }
.lock { font-weight: bold; } .lock-open { color: #b00020; } .lock-closed { color: #a05a00; }
.verdict-process { font-weight: bold; color: #6a1b9a; }
.from-remote { color: #1a4f8a; }
</style>
</head>
<body>
<h1>Circuits</h1>
<p id="summary">{{plural (len .Page.Circuits) "circuit"}}: {{.Open}} open or half-open{{if .Local}} ({{.Local}} open in this process only){{end}}, {{.LockedOpen}} locked open, {{.LockedClosed}} locked closed{{if .Unknown}}, {{.Unknown}} unknown (storage error){{end}}; as of <time datetime="{{.Page.Time.Format "2006-01-02T15:04:05Z07:00"}}">{{.Page.Time.Format "2006-01-02 15:04:05 MST"}}</time>.</p>
<table id="circuits">
<thead><tr><th>Circuit</th><th>State</th><th>Verdict</th><th>Lock</th><th>Opened at</th><th>Failure rate</th><th>Samples</th><th>Next probe</th></tr></thead>
<tbody>
{{- range .Page.Circuits}}
<tr>
<td class="name">{{.Name}}</td>
<td class="state {{class .State}}">{{.State}}{{if .Error}} <span title="{{.Error}}">(storage error)</span>{{end}}</td>
<td class="verdict verdict-{{.Scope}}">{{verdict .Scope}}</td>
<td class="{{if ne .Lock "none"}}lock lock-{{.Lock}}{{end}}">{{.Lock}}</td>
<td>{{when .OpenedAt}}</td>
<td class="num">{{percent .FailureRate}}</td>
<td class="num">{{.Samples}}</td>
<td>{{probe .}}</td>
</tr>
{{- else}}
<tr><td colspan="8">No circuits yet: they appear on first use.</td></tr>
{{- end}}
</tbody>
</table>
{{- if .Events}}
<h2>Recent events</h2>
<p>The latest {{.Kept}} transitions, probes and lock changes this process made or learnt from another process of its fleet, newest first.</p>
<table id="events">
<thead><tr><th>Time</th><th>Circuit</th><th>Event</th><th>State after</th><th>Made by</th><th>Error</th></tr></thead>
<tbody>
{{- range .Page.Events}}
<tr>
<td><time datetime="{{.Time.Format "2006-01-02T15:04:05.000Z07:00"}}">{{.Time.Format "2006-01-02 15:04:05.000 MST"}}</time></td>
<td class="name">{{.Circuit}}</td>
<td class="event event-{{.Type}}">{{happened .}}</td>
<td class="state {{class .State}}">{{.State}}</td>
<td class="from from-{{if .Remote}}remote{{else}}here{{end}}">{{if .Remote}}another process (learnt){{else}}this process{{end}}</td>
<td class="error">{{if .Error}}{{.Error}}{{else}}—{{end}}</td>
</tr>
{{- else}}
<tr><td colspan="6">No events yet.</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
<p><a href="?format=json">JSON</a></p>
</body>
</html>
`))

// htmlPage is what the template renders.
type htmlPage struct {
	Page statusPage
	// Open counts the circuits open or half-open in this process, Local
	// those of them whose verdict is this process's own (local openings).
	Open, Local                       int
	LockedOpen, LockedClosed, Unknown int
	Refresh                           int
	// Events is set when the page has an EventLog; Kept is how many
	// events one keeps.
	Events bool
	Kept   int
}

func writeHTML(w http.ResponseWriter, r *http.Request, page statusPage, refresh int) {
	data := htmlPage{Page: page, Refresh: refresh, Events: page.Events != nil, Kept: eventLogSize}
	for _, c := range page.Circuits {
		switch stateClass(c.State) {
		case "open", "half-open":
			data.Open++
			if c.Scope == scopeProcess {
				data.Local++
			}
		case "unknown":
			data.Unknown++
		}
		switch c.Lock {
		case "open":
			data.LockedOpen++
		case "closed":
			data.LockedClosed++
		}
	}
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, data); err != nil {
		http.Error(w, "breakerhttp: rendering the status page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Referrer-Policy", "no-referrer")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// when formats an instant for the page, "—" when zero.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// verdict names whose verdict a circuit's state is, for the page: the
// fleet's, or this process's own.
func verdict(scope string) string {
	if scope == scopeProcess {
		return "this process"
	}
	return scope
}

// happened tells what an event was, for the page.
func happened(e eventStatus) string {
	switch e.Type {
	case "reopened":
		return "reopened (probe failed)"
	case "closed":
		return "closed (probe succeeded)"
	case "probe":
		return "probe granted"
	case "lock_changed":
		if e.Lock == "none" {
			return "unlocked"
		}
		return "locked " + e.Lock
	}
	return e.Type
}

// plural counts n things: "1 circuit", "2 circuits".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// probe tells when the circuit's next probe may run.
func probe(c circuitStatus) string {
	switch {
	case c.Lock == "open":
		return "none while locked open"
	case c.ProbeInFlight:
		return "probe in flight"
	case c.NextProbeIn == nil:
		return "—"
	case *c.NextProbeIn == 0:
		return "now"
	}
	return "in " + (time.Duration(math.Ceil(*c.NextProbeIn)) * time.Second).String()
}
