package breakerctl

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
	"time"
	"unicode"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeTable prints circuits as an aligned table.
func writeTable(w io.Writer, views []view) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tLOCK\tOPENED-AT\tFAILURE-RATE\tSAMPLES\tNEXT-PROBE\tVOTING")
	for _, v := range views {
		opened := stamp(v.OpenedAt)
		if v.History {
			opened += " (history)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n",
			display(v.Name), v.State, v.Lock, opened, percent(v.FailureRate), v.Samples, probe(v), voting(v))
	}
	if len(views) == 0 {
		fmt.Fprintln(tw, "(no circuits under this prefix)")
	}
	return tw.Flush()
}

// writeDetail prints one circuit, a field a line.
func writeDetail(w io.Writer, v view) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "name:\t%s\n", display(v.Name))
	fmt.Fprintf(tw, "state:\t%s\n", v.State)
	fmt.Fprintf(tw, "lock:\t%s\n", v.Lock)
	if v.Lock != "none" {
		fmt.Fprintf(tw, "stored-state:\t%s (what unlock gives back)\n", v.Stored)
	}
	if v.History {
		fmt.Fprintf(tw, "opened-at:\t%s (history: the circuit has closed since)\n", stamp(v.OpenedAt))
	} else {
		fmt.Fprintf(tw, "opened-at:\t%s\n", stamp(v.OpenedAt))
	}
	fmt.Fprintf(tw, "failure-rate:\t%s (%s of %d)\n", percent(v.FailureRate), plural(v.Failures, "failure"), v.Samples)
	fmt.Fprintf(tw, "samples:\t%d\n", v.Samples)
	fmt.Fprintf(tw, "next-probe:\t%s\n", probe(v))
	fmt.Fprintf(tw, "processes:\t%s\n", processes(v))
	if v.CoolDown > 0 {
		fmt.Fprintf(tw, "cool-down:\t%s\n", seconds(v.CoolDown))
	}
	for _, win := range v.Windows {
		fmt.Fprintf(tw, "window:\t%s in %s: %s of %d\n", seconds(win.Window), plural(win.Buckets, "bucket"), plural(win.Failures, "failure"), win.Samples)
	}
	fmt.Fprintf(tw, "redis-time:\t%s\n", stamp(v.Time))
	return tw.Flush()
}

// writeChange prints what a mutation changed.
func writeChange(w io.Writer, c change) error {
	b, a := c.Before, c.After
	name := display(c.Circuit)
	switch c.Action {
	case "reset":
		_, err := fmt.Fprintf(w, "%s: reset: state %s -> %s, lock %s -> %s, samples %d -> %d\n",
			name, b.State, a.State, b.Lock, a.Lock, b.Samples, a.Samples)
		return err
	}
	if b.Lock == a.Lock {
		_, err := fmt.Fprintf(w, "%s: lock %s (unchanged); state %s\n", name, a.Lock, a.State)
		return err
	}
	_, err := fmt.Fprintf(w, "%s: lock %s -> %s; state %s\n", name, b.Lock, a.Lock, a.State)
	return err
}

// display shows a circuit name as it is, or quoted when it holds spaces or
// characters a terminal would act on.
func display(name string) string {
	for _, r := range name {
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return strconv.QuoteToGraphic(name)
		}
	}
	return name
}

// plural counts n things: "1 failure", "2 failures".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func seconds(s float64) string { return time.Duration(s * float64(time.Second)).String() }

// voting is the quorum's view in a column: "1 of 10" processes that reported
// within the last window voted to open, "-" when none reported.
func voting(v view) string {
	if v.Reporting == 0 {
		return "-"
	}
	return strconv.Itoa(v.Voting) + " of " + strconv.Itoa(v.Reporting)
}

// processes is the quorum's view in words: "10 reporting, 1 voting to open".
func processes(v view) string {
	if v.Reporting == 0 {
		return "none reported within the last window"
	}
	return strconv.Itoa(v.Reporting) + " reporting, " + strconv.Itoa(v.Voting) + " voting to open"
}

// probe tells when the circuit's next probe may run.
func probe(v view) string {
	switch {
	case v.Lock == "open":
		return "none while locked open"
	case v.ProbeInFlight:
		return "probe in flight"
	case v.NextProbeIn == nil:
		return "-"
	case *v.NextProbeIn == 0:
		return "now"
	}
	return "in " + (time.Duration(math.Ceil(*v.NextProbeIn)) * time.Second).String()
}
