package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
)

func TestMemoryConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{
		New: func(*testing.T) storage.Storage { return storage.NewMemory() },
	})
}

var policy = storage.Policy{
	CoolDown:         10 * time.Second,
	EvaluationWindow: time.Minute,
	RateThreshold:    0.5,
	SampleThreshold:  3,
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMemoryFastPath(t *testing.T) {
	ctx := context.Background()
	m := storage.NewMemory()
	fp := m.Bind("c", policy)
	if !fp.ClosedUnlocked() {
		t.Fatal("a new circuit is not closed and unlocked")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				fp.Succeeded(epoch.UnixNano())
			}
		}()
	}
	wg.Wait()
	st, _ := m.Status(ctx, "c", policy, epoch)
	if st.Samples != 4000 || st.Failures != 0 {
		t.Fatalf("status %+v, want 4000 successes from the fast path", st)
	}
	for _, l := range []storage.Lock{storage.LockOpen, storage.LockClosed} {
		_ = m.Lock(ctx, "c", l)
		if fp.ClosedUnlocked() {
			t.Fatalf("fast path ignores lock %v", l)
		}
	}
	_ = m.Unlock(ctx, "c")
	_, _ = m.Open(ctx, "c", policy, epoch)
	if fp.ClosedUnlocked() {
		t.Fatal("fast path ignores the open state")
	}
	// A bound circuit survives Clear and Evict: the runtime still holds it.
	_ = m.Clear(ctx)
	if n := m.Evict(epoch.Add(time.Hour), time.Minute); n != 0 {
		t.Fatalf("evicted %d bound circuits", n)
	}
	fp.Succeeded(epoch.UnixNano())
	if st, _ := m.Status(ctx, "c", policy, epoch); st.Samples != 1 {
		t.Fatalf("status %+v after Clear: the bound fast path and the store diverged", st)
	}
}

func TestMemoryEvict(t *testing.T) {
	ctx := context.Background()
	m := storage.NewMemory()
	for _, name := range []string{"idle", "open", "locked", "busy"} {
		if _, err := m.Record(ctx, name, policy, epoch, storage.Outcome{Success: true}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = m.Open(ctx, "open", policy, epoch)
	_ = m.Lock(ctx, "locked", storage.LockOpen)
	later := epoch.Add(10 * time.Minute)
	_, _ = m.Record(ctx, "busy", policy, later, storage.Outcome{Success: true})
	if n := m.Evict(later, 5*time.Minute); n != 1 {
		t.Fatalf("evicted %d circuits, want only the idle one", n)
	}
	names, _ := m.List(ctx)
	if len(names) != 3 || names[0] != "busy" || names[1] != "locked" || names[2] != "open" {
		t.Fatalf("List after Evict = %v", names)
	}
}

func TestWindowCoversEvaluationWindow(t *testing.T) {
	ctx := context.Background()
	for _, window := range []time.Duration{time.Second, 7 * time.Second, time.Minute, 90 * time.Minute, 3 * time.Millisecond} {
		m := storage.NewMemory()
		p := policy
		p.EvaluationWindow = window
		_, _ = m.Record(ctx, "c", p, epoch, storage.Outcome{})
		if st, _ := m.Status(ctx, "c", p, epoch.Add(window*7/8)); st.Samples != 1 {
			t.Errorf("window %v: outcome dropped before 7/8 of the window", window)
		}
		if st, _ := m.Status(ctx, "c", p, epoch.Add(window*9/8+1)); st.Samples != 0 {
			t.Errorf("window %v: outcome kept past 9/8 of the window", window)
		}
	}
}

func BenchmarkMemorySucceeded(b *testing.B) {
	fp := storage.NewMemory().Bind("c", policy)
	now := time.Now().UnixNano()
	for b.Loop() {
		fp.Succeeded(now)
	}
}

func BenchmarkMemoryRecordFailure(b *testing.B) {
	m := storage.NewMemory()
	ctx := context.Background()
	p := policy
	p.RateThreshold = 1
	p.SampleThreshold = 1 << 30
	b.ReportAllocs()
	for b.Loop() {
		_, _ = m.Record(ctx, "c", p, epoch, storage.Outcome{})
	}
}
