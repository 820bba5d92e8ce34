package fleetsim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// shutdownTimeout bounds how long the stores may take to flush and stop.
const shutdownTimeout = 30 * time.Second

// fleet is the simulated processes: a Redis client, a fleet store and a
// Breaker each, with the same circuits bound in every one.
type fleet struct {
	clients  []*redis.Client
	breakers []*runtime.Breaker
	circuits [][]*runtime.Circuit // by process, then circuit
}

// circuitName names circuit i the same in every process, so they share it.
func circuitName(i int) string { return fmt.Sprintf("circuit-%05d", i) }

// buildFleet makes cfg.Processes stores on Redis at addr and binds
// cfg.Circuits circuits in each, reporting their transitions and storage
// failures to ev.
func buildFleet(addr string, cfg Config, ev *events) (*fleet, error) {
	f := &fleet{}
	opts := runtime.Options{CoolDown: cfg.CoolDown, EvaluationWindow: cfg.Window}
	for range cfg.Processes {
		// Each process has a client of its own, with go-redis's defaults.
		cl := redis.NewClient(&redis.Options{Addr: addr})
		f.clients = append(f.clients, cl)
		st, err := redisstore.New(cl)
		if err != nil {
			return f, err
		}
		b, err := runtime.New(runtime.WithStorage(st), runtime.WithListener(ev, ev.types()...))
		if err != nil {
			return f, err
		}
		f.breakers = append(f.breakers, b)
		cs := make([]*runtime.Circuit, cfg.Circuits)
		for i := range cs {
			cs[i] = b.Circuit(circuitName(i), opts)
		}
		f.circuits = append(f.circuits, cs)
	}
	return f, nil
}

// workers deals the pairs out to n workers, process by process, so that each
// worker calls circuits of every process. The seed is fixed: two runs of one
// configuration call the same pairs at the same offsets.
func (f *fleet) workers(cfg Config) []*worker {
	ws := make([]*worker, cfg.Workers)
	for i := range ws {
		ws[i] = &worker{pairs: make([]pair, 0, cfg.Pairs()/cfg.Workers+1)}
	}
	rng := rand.New(rand.NewPCG(21, 21))
	k := 0
	for _, cs := range f.circuits {
		for i, c := range cs {
			w := ws[k%len(ws)]
			w.pairs = append(w.pairs, pair{c: c, offset: rng.Float64(), acc: rng.Float64(), incident: cfg.inIncident(i)})
			k++
		}
	}
	return ws
}

// shutdown shuts every Breaker down (its store flushes and stops), all at
// once, then closes the clients.
func (f *fleet) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	errs := make([]error, len(f.breakers))
	var wg sync.WaitGroup
	for i, b := range f.breakers {
		wg.Go(func() { errs[i] = b.Shutdown(ctx) })
	}
	wg.Wait()
	for _, cl := range f.clients {
		errs = append(errs, cl.Close())
	}
	return errors.Join(errs...)
}
