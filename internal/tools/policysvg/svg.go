package main

import (
	"bytes"
	"fmt"
	"html"
	"time"

	"github.com/breakergen/breakergen/internal/testing/policysim"
	"github.com/breakergen/breakergen/runtime"
)

// panel is one variant's run.
type panel struct {
	label     string
	intervals []policysim.Interval
}

// Layout, in SVG units.
const (
	width    = 760.0
	left     = 44.0 // room for the share axis
	plotW    = width - left - 16
	titleH   = 34.0
	panelH   = 138.0 // a panel: its label, phases, bars, state band and time axis
	barsH    = 80.0
	bandH    = 8.0
	legendH  = 36.0
	fontSans = `font-family="Helvetica,Arial,sans-serif"`
)

// The colours of the outcomes and states.
const (
	colSucceeded = "#4c9a5b"
	colFailed    = "#d1495b"
	colInFlight  = "#8e6cc4"
	colRejected  = "#c9c9c9"
	colOpen      = "#d1495b"
	colHalfOpen  = "#edae49"
	colRamping   = "#5b8fd1"
	colThrottled = "#9bb7d4"
	colClosed    = "#e8f1e9"
)

// render draws figure f with its panels.
func render(f figure, panels []panel) []byte {
	var b bytes.Buffer
	height := titleH + panelH*float64(len(panels)) + legendH
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" %s font-size="11">`+"\n",
		width, height, width, height, fontSans)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(f.title))
	total := f.scenario.Duration()
	for i, p := range panels {
		drawPanel(&b, f.scenario, p, titleH+panelH*float64(i), total)
	}
	drawLegend(&b, height-legendH+8)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// x returns the abscissa of offset d of a timeline of total.
func x(d, total time.Duration) float64 { return left + plotW*float64(d)/float64(total) }

// drawPanel draws one panel at top: phases, bars of what became of the
// calls, the state band and the time axis.
func drawPanel(b *bytes.Buffer, sc policysim.Scenario, p panel, top float64, total time.Duration) {
	fmt.Fprintf(b, `<text x="%.0f" y="%.1f" font-weight="bold">%s</text>`+"\n", left, top+12, html.EscapeString(p.label))
	barsTop := top + 28
	for _, iv := range p.intervals {
		drawBar(b, iv, sc.Every, barsTop, total)
	}
	drawPhases(b, sc, barsTop, total)
	for _, y := range []float64{0, 0.5, 1} {
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="#555">%.0f%%</text>`+"\n", left-4, barsTop+barsH*(1-y)+4, 100*y)
	}
	bandTop := barsTop + barsH + 3
	for _, iv := range p.intervals {
		fmt.Fprintf(b, `<rect x="%.2f" y="%.1f" width="%.2f" height="%.0f" fill="%s"/>`+"\n",
			x(iv.From, total), bandTop, x(sc.Every, total)-left, bandH, stateColour(iv.Status))
		if iv.Probes > 0 {
			cx := x(iv.From+sc.Every/2, total)
			fmt.Fprintf(b, `<path d="M%.2f %.1f l-3 -5 h6 z" fill="#333"/>`+"\n", cx, bandTop)
		}
	}
	drawAxis(b, bandTop+bandH+12, total)
}

// drawPhases marks the scenario's phases: a dashed line where each begins,
// and its name above the bars.
func drawPhases(b *bytes.Buffer, sc policysim.Scenario, top float64, total time.Duration) {
	var from time.Duration
	for i, ph := range sc.Phases {
		if i > 0 {
			fmt.Fprintf(b, `<line x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f" stroke="#333" stroke-dasharray="3,3"/>`+"\n",
				x(from, total), top-10, x(from, total), top+barsH)
		}
		fmt.Fprintf(b, `<text x="%.2f" y="%.1f" fill="#555" font-size="10">%s</text>`+"\n", x(from, total)+3, top-2, html.EscapeString(ph.Name))
		from += ph.Duration
	}
}

// drawBar draws one interval's calls as stacked shares: succeeded, failed,
// still in flight at the end of the run (hung), rejected.
func drawBar(b *bytes.Buffer, iv policysim.Interval, every time.Duration, top float64, total time.Duration) {
	if iv.Calls == 0 {
		return
	}
	inFlight := iv.Admitted - iv.Succeeded - iv.Failed
	y := top + barsH
	w := x(every, total) - left
	for _, part := range []struct {
		n      int
		colour string
	}{{iv.Succeeded, colSucceeded}, {iv.Failed, colFailed}, {inFlight, colInFlight}, {iv.Rejected, colRejected}} {
		if part.n <= 0 {
			continue
		}
		h := barsH * float64(part.n) / float64(iv.Calls)
		y -= h
		fmt.Fprintf(b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"/>`+"\n", x(iv.From, total), y, w, h, part.colour)
	}
}

// stateColour is the colour of the state band for st, by the words of its
// String, the one vocabulary of a circuit's state.
func stateColour(st runtime.Status) string {
	switch st.String() {
	case "closed":
		return colClosed
	case "closed, ramping up":
		return colRamping
	case "closed, throttling":
		return colThrottled
	case "half-open", "open, probe in flight":
		return colHalfOpen
	}
	return colOpen
}

// drawAxis draws the time axis's labels at y.
func drawAxis(b *bytes.Buffer, y float64, total time.Duration) {
	step := 10 * time.Second
	for total/step > 12 {
		step *= 2
	}
	for d := time.Duration(0); d <= total; d += step {
		fmt.Fprintf(b, `<text x="%.2f" y="%.1f" text-anchor="middle" fill="#555" font-size="10">%s</text>`+"\n", x(d, total), y, short(d))
	}
}

// short renders d as 90s or 2m30s.
func short(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
	m, s := int(d/time.Minute), int((d%time.Minute)/time.Second)
	if s == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dm%02ds", m, s)
}

// drawLegend draws the colours' meanings at y.
func drawLegend(b *bytes.Buffer, y float64) {
	items := []struct{ colour, label string }{
		{colSucceeded, "succeeded"}, {colFailed, "failed"}, {colInFlight, "hung (never returned)"}, {colRejected, "rejected (ErrOpen)"},
		{colClosed, "closed"}, {colRamping, "ramping up"}, {colThrottled, "throttling"}, {colHalfOpen, "half-open / probing"}, {colOpen, "open"},
	}
	cx := left
	for i, it := range items {
		if i == 4 {
			cx, y = left, y+14
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s" stroke="#999" stroke-width="0.5"/>`+"\n", cx, y-9, it.colour)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", cx+14, y, html.EscapeString(it.label))
		cx += 130
	}
	fmt.Fprintf(b, `<path d="M%.1f %.1f l-3 -5 h6 z" fill="#333"/><text x="%.1f" y="%.1f">a probe</text>`+"\n", cx+5, y, cx+14, y)
}
