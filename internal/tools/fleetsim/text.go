package fleetsim

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes r in the simulator's text format: a header, then one block
// per measured phase, then the timeline if any. The labels and their order
// are stable, so two runs can be compared line by line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	c, m := r.Config, r.Machine
	fmt.Fprintf(&b, "fleetsim: %s\n", c)
	fmt.Fprintf(&b, "config: warm-up %v, phase %v, incident %v, cool-down %v, window %v, %d workers, tick %v\n",
		c.Warmup, c.Phase, c.Incident, orDefault(c.CoolDown.String(), c.CoolDown == 0),
		orDefault(c.Window.String(), c.Window == 0), c.Workers, c.Tick)
	fmt.Fprintf(&b, "machine: %s %s, %d CPUs, GOMAXPROCS %d, redis %s; load average %s at start, %s at end\n",
		m.Go, m.Platform, m.CPUs, m.GOMAXPROCS, m.RedisVersion, load(m.LoadStart), load(m.LoadEnd))
	fmt.Fprintf(&b, "process heap per (process, circuit): %.0f B bound, before any call; %.0f B before the first measured phase, connections' buffers included (the simulator's own pair state: %d B)\n",
		r.HeapBoundPerPair, r.HeapPerPair, r.PairStateBytes)
	fmt.Fprintf(&b, "empty Redis: %.2f MB used, %.3f MB dataset\n", r.RedisEmptyMB, r.RedisEmptyDatasetMB)
	for _, p := range r.Phases {
		r.writePhase(&b, p)
	}
	if r.Shutdown != "" {
		fmt.Fprintf(&b, "shutdown failed: %s\n", strings.ReplaceAll(r.Shutdown, "\n", "; "))
	}
	if len(r.Timeline) > 0 {
		fmt.Fprintf(&b, "timeline, every %v: t_s phase calls/s refused/s redis_cores scripts/s publish/s redis_cmds/s redis_MB sim_cores machine_cores\n", c.Sample)
		for _, s := range r.Timeline {
			fmt.Fprintf(&b, "  %7.1f %-12s %9.0f %8.0f %6.3f %8.0f %6.0f %9.0f %8.2f %6.3f %6.3f\n", s.At, s.Phase, s.Calls,
				s.Refused, s.RedisCores, s.Scripts, s.Publishes, s.Commands, s.RedisMB, s.SimCores, s.MachineCores)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writePhase(b *strings.Builder, p PhaseReport) {
	pairs := float64(r.Config.Pairs())
	fmt.Fprintf(b, "phase %s: %.1f s\n", p.Name, p.Seconds)
	fmt.Fprintf(b, "  calls          target %.0f/s, achieved %.0f/s (%s): ran %.0f/s ok, %.0f/s failed; refused %.0f/s open, %.0f/s other\n",
		p.TargetCalls, p.Calls, percent(p.Calls, p.TargetCalls), p.OK, p.Failed, p.Refused, p.Errors)
	fmt.Fprintf(b, "  scheduler      %d ticks, %d late (%s)\n", p.Ticks, p.LateTicks, percent(float64(p.LateTicks), float64(p.Ticks)))
	fmt.Fprintf(b, "  redis cpu      %.3f cores\n", p.RedisCores)
	fmt.Fprintf(b, "  redis calls    %.0f scripts/s, %.0f publish/s, %.0f commands/s (scripts' commands included)\n",
		p.Scripts, p.Publishes, p.Commands)
	fmt.Fprintf(b, "  redis memory   %.2f MB used: %.2f MB dataset, %.2f MB clients' buffers; %d keys, %d clients\n",
		p.RedisMB, p.RedisDatasetMB, p.RedisClientsMB, p.RedisKeys, p.RedisClients)
	fmt.Fprintf(b, "  per pair       %.2f µs Redis CPU/s, %.3f scripts/s, %.0f B Redis memory (%.0f B dataset) over empty\n",
		p.RedisCores*1e6/pairs, p.Scripts/pairs, (p.RedisMB-r.RedisEmptyMB)*megabyte/pairs,
		(p.RedisDatasetMB-r.RedisEmptyDatasetMB)*megabyte/pairs)
	fmt.Fprintf(b, "  simulator      %.3f cores, %.1f MB live heap\n", p.SimCores, p.SimHeapMB)
	fmt.Fprintf(b, "  machine        %.3f of %d cores busy: %.3f neither Redis nor the simulator; load average %s\n",
		p.MachineCores, r.Machine.CPUs, p.MachineCores-p.RedisCores-p.SimCores, load(p.Load))
	e := p.Events
	fmt.Fprintf(b, "  events         opened %d, reopened %d, closed %d (%d learnt from Redis), probes %d, storage failures %d (+%d suppressed)\n",
		e.Opened, e.Reopened, e.Closed, e.Remote, e.Probes, e.StorageFailures, e.Suppressed)
	if e.LastFailure != "" {
		fmt.Fprintf(b, "  last failure   %s\n", e.LastFailure)
	}
	if p.Name == "incident" {
		fmt.Fprintf(b, "  incident       %d pairs refused, the last %.2f s after the incident began\n", p.IncidentRefused, p.IncidentSlowest)
	}
	fmt.Fprintf(b, "  commandstats   command calls/s µs/call\n")
	for _, cs := range p.CommandStats {
		fmt.Fprintf(b, "    %-14s %10.1f %8.2f\n", cs.Name, cs.PerSecond, cs.MicrosPerCall)
	}
}

// percent formats n/of as a percentage, or "-" when of is zero.
func percent(n, of float64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*n/of)
}

func load(l [3]float64) string { return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2]) }

func orDefault(s string, isDefault bool) string {
	if isDefault {
		return "library default"
	}
	return s
}
