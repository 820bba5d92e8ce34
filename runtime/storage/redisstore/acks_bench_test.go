package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/stretchr/testify/require"
)

// BenchmarkReplicaAcks measures a probe's reservation and an operator's lock
// on a master with one replica, waiting for its acknowledgement (the default
// with replicas) and not (WithReplicaAcks(0, 0)): round trips and time per
// operation.
func BenchmarkReplicaAcks(b *testing.B) {
	rig := redistest.StartReplicated(b, 1, 1)
	for _, mode := range []struct {
		name string
		opts []redisstore.Option
	}{{"wait", nil}, {"nowait", []redisstore.Option{redisstore.WithReplicaAcks(0, 0)}}} {
		client := rig.Client(b, nil)
		sent := &counter{}
		client.AddHook(sent)
		s := newStore(b, client, append([]redisstore.Option{redisstore.WithStrict()}, mode.opts...)...)
		h := bind(b, s, "c", policy)
		ctx := context.Background()
		b.Run("lock/"+mode.name, func(b *testing.B) {
			locks := []storage.Lock{storage.LockOpen, storage.LockNone}
			require.NoError(b, h.Lock(ctx, time.Time{}, storage.LockNone)) // the replicas are counted
			before := sent.get()
			for i := 0; b.Loop(); i++ {
				if err := h.Lock(ctx, time.Time{}, locks[i%2]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sent.get()-before)/float64(b.N), "roundtrips/op")
		})
		b.Run("reserve/"+mode.name, func(b *testing.B) {
			o := h.(storage.Operator)
			var trips int
			for b.Loop() {
				b.StopTimer()
				_, _ = o.Close(ctx, time.Time{})
				if ok, err := o.Open(ctx, time.Time{}); !ok || err != nil {
					b.Fatal("open", ok, err)
				}
				s.Advance(policy.CoolDown + time.Second)
				st, err := h.Status(ctx, time.Time{})
				if err != nil {
					b.Fatal(err)
				}
				before := sent.get()
				b.StartTimer()
				if _, ok, err := h.Reserve(ctx, time.Time{}, st.OpenedAt, st.ReservedAt); !ok || err != nil {
					b.Fatal("reserve", ok, err)
				}
				trips += sent.get() - before
			}
			b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
		})
	}
}
