package slogbreaker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/slogbreaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// records decodes the JSON lines of buf.
func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func jsonLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level}))
}

// incident runs a circuit through an incident, logging to buf at level:
// three failures open it, a call is skipped, the probe closes it, a success.
func incident(t *testing.T, buf *bytes.Buffer, level slog.Level, opts ...slogbreaker.Option) {
	t.Helper()
	l := slogbreaker.MustNewListener(jsonLogger(buf, level), opts...)
	clock := fakeclock.New(start)
	b := runtime.MustNew(runtime.WithClock(clock), runtime.WithListener(l))
	c := b.Circuit("payments", runtime.Options{CoolDown: 30 * time.Second})
	ctx := context.Background()
	down := errors.New("connection refused")
	for range 3 {
		_ = c.Run(ctx, func(context.Context) error { return down })
	}
	_ = c.Run(ctx, func(context.Context) error { return nil }) // skipped
	clock.Advance(30 * time.Second)
	require.NoError(t, c.Run(ctx, func(context.Context) error { return nil })) // probe, closed
	require.NoError(t, c.Run(ctx, func(context.Context) error { return nil })) // success
}

// levels returns "LEVEL event" of each record.
func levels(t *testing.T, buf *bytes.Buffer) []string {
	t.Helper()
	var got []string
	for _, r := range records(t, buf) {
		got = append(got, r["level"].(string)+" "+r["event"].(string))
		assert.Equal(t, "payments", r["circuit"])
	}
	return got
}

// TestDefaultsFitAnIncident: at Info, an incident is its transitions and
// probe, not a line per call (it used to be an Error per failure and a Warn
// per skipped call).
func TestDefaultsFitAnIncident(t *testing.T) {
	var buf bytes.Buffer
	incident(t, &buf, slog.LevelInfo)
	assert.Equal(t, []string{"WARN opened", "INFO probe", "INFO closed"}, levels(t, &buf))
}

func TestOneRecordPerEventAtDebug(t *testing.T) {
	var buf bytes.Buffer
	incident(t, &buf, slog.LevelDebug)
	assert.Equal(t, []string{
		"DEBUG failure", "DEBUG failure", "DEBUG failure", "WARN opened",
		"DEBUG skipped", "INFO probe", "DEBUG success", "INFO closed", "DEBUG success",
	}, levels(t, &buf), "the probe's success, then the closing it caused")

	rs := records(t, &buf)
	opened := rs[3]
	assert.Equal(t, "breakergen: circuit opened", opened["msg"])
	assert.Equal(t, "open", opened["state"])
	assert.Equal(t, "none", opened["lock"])
	assert.Equal(t, start.Format(time.RFC3339), opened["opened_at"])
	assert.Equal(t, start.Add(30*time.Second).Format(time.RFC3339), opened["next_probe"])
	assert.InDelta(t, 1.0, opened["failure_rate"], 1e-9)
	assert.InDelta(t, 3, opened["samples"], 1e-9)
	assert.Equal(t, "connection refused", rs[0]["error"])
	assert.Contains(t, rs[4]["error"], `circuit "payments" open`)
	assert.Equal(t, "open, probe in flight", rs[5]["state"], "the probe's status: its reservation taken")
	assert.Equal(t, "closed", rs[7]["state"])
	assert.NotContains(t, rs[8], "error")
}

func TestLevelsStayConfigurable(t *testing.T) {
	var buf bytes.Buffer
	incident(t, &buf, slog.LevelInfo,
		slogbreaker.WithLevel(runtime.EventFailure, slog.LevelError), slogbreaker.WithLevel(runtime.EventProbe, slog.LevelDebug))
	assert.Equal(t, []string{"ERROR failure", "ERROR failure", "ERROR failure", "WARN opened", "INFO closed"}, levels(t, &buf))
}

func TestStateNamesALock(t *testing.T) {
	var buf bytes.Buffer
	l := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelDebug))
	b := runtime.MustNew(runtime.WithListener(l))
	c := b.Circuit("db")
	require.NoError(t, c.LockOpen(context.Background()))
	_ = c.Run(context.Background(), func(context.Context) error { return nil })
	rs := records(t, &buf)
	require.Len(t, rs, 2)
	assert.Equal(t, "lock_changed", rs[0]["event"])
	assert.Equal(t, "skipped", rs[1]["event"])
	assert.Equal(t, "open (locked open)", rs[1]["state"])
	assert.Equal(t, "open", rs[1]["lock"])
}

// TestLockChangesAreLoggedAtInfo: an operator's lock and unlock are records
// of their own at Info, naming the lock set.
func TestLockChangesAreLoggedAtInfo(t *testing.T) {
	var buf bytes.Buffer
	l := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelInfo))
	b := runtime.MustNew(runtime.WithListener(l))
	c := b.Circuit("db")
	require.NoError(t, c.LockClosed(context.Background()))
	require.NoError(t, c.Unlock(context.Background()))
	rs := records(t, &buf)
	require.Len(t, rs, 2)
	assert.Equal(t, "INFO", rs[0]["level"])
	assert.Equal(t, "breakergen: circuit locked", rs[0]["msg"])
	assert.Equal(t, "closed", rs[0]["lock"])
	assert.Equal(t, "closed (locked closed)", rs[0]["state"])
	assert.Equal(t, "INFO", rs[1]["level"])
	assert.Equal(t, "breakergen: circuit unlocked", rs[1]["msg"])
	assert.Equal(t, "none", rs[1]["lock"])
	assert.NotContains(t, rs[1], "remote", "this process's own unlock")
}

// TestRecordsSayWhoseVerdictAndWhetherLearnt: every record carries the
// scope of its status; a local opening says "process", and a transition
// learnt from another process carries remote=true.
func TestRecordsSayWhoseVerdictAndWhetherLearnt(t *testing.T) {
	var buf bytes.Buffer
	l := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelInfo))
	l.Handle(runtime.Event{
		Type: runtime.EventOpened, Circuit: "db", Err: errors.New("no route to host"),
		Status: runtime.Status{
			State: runtime.StateOpen, OpenedAt: start, CurrentTime: start, Scope: storage.ScopeProcess,
			Options: runtime.Options{CoolDown: time.Minute},
		},
	})
	l.Handle(runtime.Event{
		Type: runtime.EventOpened, Circuit: "db", Remote: true,
		Status: runtime.Status{State: runtime.StateOpen, OpenedAt: start, CurrentTime: start},
	})
	l.Handle(runtime.Event{Type: runtime.EventLockChanged, Circuit: "db", Remote: true, Status: runtime.Status{Lock: runtime.LockOpen}})
	rs := records(t, &buf)
	require.Len(t, rs, 3)
	assert.Equal(t, "WARN", rs[0]["level"])
	assert.Equal(t, "process", rs[0]["scope"])
	assert.Equal(t, "open (this process)", rs[0]["state"])
	assert.Equal(t, "no route to host", rs[0]["error"])
	assert.NotContains(t, rs[0], "remote")
	assert.Equal(t, "WARN", rs[1]["level"], "a learnt opening is logged like one's own")
	assert.Equal(t, "fleet", rs[1]["scope"])
	assert.Equal(t, true, rs[1]["remote"])
	assert.Equal(t, "lock_changed", rs[2]["event"])
	assert.Equal(t, "breakergen: circuit locked", rs[2]["msg"])
	assert.Equal(t, true, rs[2]["remote"])
	assert.Equal(t, "open", rs[2]["lock"])
}

func TestAsksOnlyForWhatItsLevelLetsThrough(t *testing.T) {
	var buf bytes.Buffer
	info := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelInfo))
	assert.Equal(t, []runtime.EventType{
		runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
		runtime.EventStorageFailure, runtime.EventProbe, runtime.EventLockChanged,
	}, info.Events(), "no per-call event at Info; transitions and lock changes")

	warn := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelWarn))
	assert.Equal(t, []runtime.EventType{runtime.EventOpened, runtime.EventReopened, runtime.EventStorageFailure}, warn.Events())
	lockedAtWarn := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelWarn), slogbreaker.WithLevel(runtime.EventLockChanged, slog.LevelWarn))
	assert.Contains(t, lockedAtWarn.Events(), runtime.EventLockChanged, "the lock changes' level is configurable")
	assert.NotContains(t, lockedAtWarn.Events(), runtime.EventProbe)

	errorsOnly := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelError))
	assert.Empty(t, errorsOnly.Events())

	loud := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelError), slogbreaker.WithLevel(runtime.EventFailure, slog.LevelError))
	assert.Equal(t, []runtime.EventType{runtime.EventFailure}, loud.Events(), "failures moved to Error")

	// Even given every event, it writes only what the level lets through.
	errorsOnly.Handle(runtime.Event{Type: runtime.EventSkipped, Circuit: "x"})
	errorsOnly.Handle(runtime.Event{Type: runtime.EventType(200), Circuit: "x"})
	assert.Empty(t, buf.String())
}

func TestStorageFailureCarriesWhatWasSuppressed(t *testing.T) {
	var buf bytes.Buffer
	l := slogbreaker.MustNewListener(jsonLogger(&buf, slog.LevelInfo))
	l.Handle(runtime.Event{
		Type: runtime.EventStorageFailure, Circuit: "db", Err: errors.New("i/o timeout"),
		Status: runtime.Status{Stub: true, CurrentTime: start}, Suppressed: 41,
	})
	rs := records(t, &buf)
	require.Len(t, rs, 1)
	assert.Equal(t, "WARN", rs[0]["level"])
	assert.Equal(t, "breakergen: storage failed", rs[0]["msg"])
	assert.Equal(t, "unknown (storage failed)", rs[0]["state"])
	assert.Equal(t, "i/o timeout", rs[0]["error"])
	assert.Equal(t, true, rs[0]["stub"])
	assert.InDelta(t, 41, rs[0]["suppressed"], 1e-9)
}

func TestBadOptionsFailWhenBuilt(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	for name, build := range map[string]func() (*slogbreaker.Listener, error){
		"nil logger": func() (*slogbreaker.Listener, error) { return slogbreaker.NewListener(nil) },
		"unknown type": func() (*slogbreaker.Listener, error) {
			return slogbreaker.NewListener(logger, slogbreaker.WithLevel(0, slog.LevelInfo))
		},
		"nil option": func() (*slogbreaker.Listener, error) { return slogbreaker.NewListener(logger, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			l, err := build()
			assert.ErrorIs(t, err, runtime.ErrInvalid)
			assert.Nil(t, l)
		})
	}
	assert.PanicsWithError(t, "slogbreaker: breakergen: invalid configuration: nil logger", func() { slogbreaker.MustNewListener(nil) })
}
