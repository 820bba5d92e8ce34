package fleetsim

import (
	"cmp"
	goruntime "runtime"
	"slices"
	"time"
)

// megabyte is the unit of memory in reports: 10^6 bytes.
const megabyte = 1e6

// Report is the figures of one run. Its methods only read it: once Run has
// returned it, it is safe for concurrent use.
type Report struct {
	Config  Config  `json:"config"`
	Machine Machine `json:"machine"`
	// HeapBoundPerPair is the live heap of the simulator once the fleet was
	// built and its circuits bound, before any call, over what it held
	// before, per (process, circuit) pair: stores, circuits, clients and the
	// simulator's own state of the pair (PairStateBytes). HeapPerPair is the
	// same before the first measured phase, after the warm-up's traffic if
	// the scenario has one: it includes the buffers of the clients'
	// connections (32 KiB and more each, see PhaseReport.RedisClients).
	HeapBoundPerPair float64 `json:"heap_bound_per_pair_bytes"`
	HeapPerPair      float64 `json:"heap_per_pair_bytes"`
	PairStateBytes   int     `json:"pair_state_bytes"`
	RedisEmptyMB     float64 `json:"redis_empty_mb"` // used_memory before the run
	// RedisEmptyDatasetMB is used_memory_dataset before the run.
	RedisEmptyDatasetMB float64 `json:"redis_empty_dataset_mb"`
	// Shutdown is the error of the fleet's shutdown (every store flushes what
	// it counted and stops, within 30 s), if it failed.
	Shutdown string        `json:"shutdown_error,omitempty"`
	Phases   []PhaseReport `json:"phases"`
	// Timeline holds the rows taken every Config.Sample in the measured
	// phases.
	Timeline []Sample `json:"timeline,omitempty"`
}

// Machine is where the run took place, a plain value.
type Machine struct {
	Go           string     `json:"go"`
	Platform     string     `json:"platform"`
	CPUs         int        `json:"cpus"`
	GOMAXPROCS   int        `json:"gomaxprocs"`
	RedisVersion string     `json:"redis_version"`
	LoadStart    [3]float64 `json:"load_start"` // load average (1, 5, 15 min) when the run started
	LoadEnd      [3]float64 `json:"load_end"`   // and when it ended
}

// PhaseReport is the figures of one measured phase, a plain value; rates
// are per second of the phase.
type PhaseReport struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// Calls: the target rate, what the workers issued, and how the issued
	// calls ended (ran and succeeded, ran and failed, refused by an open
	// circuit, refused with another error).
	TargetCalls float64 `json:"target_calls_per_s"`
	Calls       float64 `json:"calls_per_s"`
	OK          float64 `json:"ok_per_s"`
	Failed      float64 `json:"failed_per_s"`
	Refused     float64 `json:"refused_per_s"`
	Errors      float64 `json:"errors_per_s"`
	Ticks       int64   `json:"ticks"`
	LateTicks   int64   `json:"late_ticks"` // ticks that ended more than a tick after they fired
	RedisCores  float64 `json:"redis_cores"`
	// Commands is INFO's total_commands_processed, which counts the commands
	// scripts run as well as the scripts.
	Commands  float64 `json:"commands_per_s"`
	Scripts   float64 `json:"scripts_per_s"`   // EVAL, EVALSHA (and _RO), FCALL
	Publishes float64 `json:"publishes_per_s"` // PUBLISH and SPUBLISH, from scripts included
	RedisMB   float64 `json:"redis_used_mb"`   // used_memory at the phase's end
	// RedisDatasetMB is used_memory_dataset: the keys and their values,
	// without the server's overhead (clients' buffers, the scripts' cache).
	// RedisClientsMB is mem_clients_normal: the clients' buffers.
	RedisDatasetMB float64 `json:"redis_dataset_mb"`
	RedisClientsMB float64 `json:"redis_clients_mb"`
	RedisKeys      int64   `json:"redis_keys"`
	RedisClients   int64   `json:"redis_clients"` // connected_clients, the simulator's INFO client included
	SimCores       float64 `json:"sim_cores"`     // this process: every store, the workers and INFO
	SimHeapMB      float64 `json:"sim_heap_mb"`   // live heap at the last GC
	// MachineCores is the CPU the whole machine used (/proc/stat): Redis,
	// the simulator, and whatever else ran, such as other people's work.
	MachineCores float64     `json:"machine_cores"`
	Events       EventCounts `json:"events"`
	// IncidentRefused counts the incident's pairs refused at least once in
	// the phase, and IncidentSlowest is the longest an incident pair took,
	// from the phase's start, to be refused (to a tick, plus its call
	// period): how long the fleet took to open everywhere.
	IncidentRefused int64         `json:"incident_pairs_refused,omitempty"`
	IncidentSlowest float64       `json:"incident_slowest_refusal_s,omitempty"`
	Load            [3]float64    `json:"load_end"`
	CommandStats    []CommandStat `json:"commandstats"`
}

// CommandStat is one command's calls in a phase, from INFO commandstats, a
// plain value.
type CommandStat struct {
	Name          string  `json:"name"`
	PerSecond     float64 `json:"per_s"`
	MicrosPerCall float64 `json:"usec_per_call"`
}

// Sample is one row of the timeline: the figures of one Config.Sample, a
// plain value.
type Sample struct {
	At         float64 `json:"t_s"` // end of the sample, since the run started
	Phase      string  `json:"phase"`
	Calls      float64 `json:"calls_per_s"`
	Refused    float64 `json:"refused_per_s"`
	RedisCores float64 `json:"redis_cores"`
	Scripts    float64 `json:"scripts_per_s"`
	Publishes  float64 `json:"publishes_per_s"`
	Commands   float64 `json:"commands_per_s"`
	RedisMB    float64 `json:"redis_used_mb"`
	SimCores   float64 `json:"sim_cores"`
	// MachineCores: see PhaseReport.
	MachineCores float64 `json:"machine_cores"`
}

// phaseReport computes the figures of phase ph from its first and last
// snapshots.
func phaseReport(cfg Config, ph phase, a, b snapshot) PhaseReport {
	sec := b.at.Sub(a.at).Seconds()
	rate := func(n int64) float64 { return float64(n) / sec }
	r := PhaseReport{
		Name: ph.name, Seconds: sec,
		Calls: rate(b.work.issued - a.work.issued), OK: rate(b.work.ok - a.work.ok),
		Failed: rate(b.work.failed - a.work.failed), Refused: rate(b.work.refused - a.work.refused),
		Errors: rate(b.work.errs - a.work.errs), Ticks: b.ticks - a.ticks, LateTicks: b.late - a.late,
		RedisCores: (b.redis.cpu - a.redis.cpu) / sec, Commands: rate(b.redis.commands - a.redis.commands),
		Scripts:   rate(b.redis.calls(a.redis, scriptCommands)),
		Publishes: rate(b.redis.calls(a.redis, publishCommands)), RedisMB: float64(b.redis.memory) / megabyte,
		RedisDatasetMB: float64(b.redis.dataset) / megabyte, RedisClientsMB: float64(b.redis.conns) / megabyte,
		RedisKeys: b.redis.keys, RedisClients: b.redis.clients,
		SimCores: (b.cpu - a.cpu).Seconds() / sec, SimHeapMB: float64(b.heap) / megabyte,
		MachineCores: machineCores(a, b), Events: b.events.minus(a.events), Load: b.load, CommandStats: commandStats(a.redis, b.redis, sec),
	}
	if ph.traffic != trafficNone {
		r.TargetCalls = cfg.Rate * float64(cfg.Pairs())
	}
	if ph.traffic == trafficIncident {
		r.IncidentRefused = b.firstRefused - a.firstRefused
		r.IncidentSlowest = (b.slowest).Seconds()
	}
	return r
}

// commandStats returns the commands called between a and b, the most called
// first.
func commandStats(a, b redisInfo, sec float64) []CommandStat {
	var cs []CommandStat
	for name, st := range b.cmds {
		calls := st.calls - a.cmds[name].calls
		if calls <= 0 {
			continue
		}
		usec := float64(st.usec-a.cmds[name].usec) / float64(calls)
		cs = append(cs, CommandStat{Name: name, PerSecond: float64(calls) / sec, MicrosPerCall: usec})
	}
	slices.SortFunc(cs, func(x, y CommandStat) int {
		return cmp.Or(cmp.Compare(y.PerSecond, x.PerSecond), cmp.Compare(x.Name, y.Name))
	})
	return cs
}

// sample computes a timeline row from two snapshots.
func sample(start time.Time, name string, a, b snapshot) Sample {
	sec := b.at.Sub(a.at).Seconds()
	return Sample{
		At: b.at.Sub(start).Seconds(), Phase: name,
		Calls: float64(b.work.issued-a.work.issued) / sec, Refused: float64(b.work.refused-a.work.refused) / sec,
		RedisCores: (b.redis.cpu - a.redis.cpu) / sec, Scripts: float64(b.redis.calls(a.redis, scriptCommands)) / sec,
		Publishes: float64(b.redis.calls(a.redis, publishCommands)) / sec,
		Commands:  float64(b.redis.commands-a.redis.commands) / sec, RedisMB: float64(b.redis.memory) / megabyte,
		SimCores: (b.cpu - a.cpu).Seconds() / sec, MachineCores: machineCores(a, b),
	}
}

// machineCores is the number of the machine's CPUs busy between a and b.
func machineCores(a, b snapshot) float64 {
	busy, idle := b.busy-a.busy, b.idle-a.idle
	if busy+idle <= 0 {
		return 0
	}
	return float64(busy) / float64(busy+idle) * float64(goruntime.NumCPU())
}
