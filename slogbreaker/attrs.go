package slogbreaker

import (
	"log/slog"

	"github.com/breakergen/breakergen/runtime"
)

// attrs returns the attributes of e's record: the circuit, the event,
// remote=true when another process made the transition and this one learnt
// it, the error when there is one, and the status's fields, its scope (whose
// verdict holds: "fleet" or "process") among them.
func attrs(e runtime.Event) []slog.Attr {
	st := e.Status
	out := make([]slog.Attr, 0, 14)
	out = append(out,
		slog.String("circuit", e.Circuit),
		slog.String("event", e.Type.String()),
	)
	if e.Remote {
		out = append(out, slog.Bool("remote", true))
	}
	if e.Err != nil {
		out = append(out, slog.String("error", e.Err.Error()))
	}
	out = append(out,
		slog.String("state", st.String()),
		slog.String("scope", st.Scope.String()),
		slog.String("lock", st.Lock.String()),
	)
	if !st.OpenedAt.IsZero() {
		out = append(out, slog.Time("opened_at", st.OpenedAt))
	}
	if next := st.NextProbe(); !next.IsZero() {
		out = append(out, slog.Time("next_probe", next))
	}
	out = append(out,
		slog.Float64("failure_rate", st.FailureRate),
		slog.Int("samples", st.SampleSize),
	)
	if st.Stub {
		out = append(out, slog.Bool("stub", true))
	}
	if e.Suppressed > 0 {
		out = append(out, slog.Int("suppressed", e.Suppressed))
	}
	return out
}
