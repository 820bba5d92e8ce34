package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/breakergen/breakergen/breakergrpc"
	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/breakerredis"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

// service answers /quote by asking the inventory (gRPC), the cache (Redis)
// and the pricing API (HTTP), each through its adapter on one Breaker.
type service struct {
	b         *runtime.Breaker
	clock     *fakeclock.Clock
	inventory healthpb.HealthClient
	cache     *redis.Client
	pricing   *http.Client
	deps      *dependencies
	api       *httptest.Server // the service's public listener
	admin     *httptest.Server // the status page, on an admin listener
	closers   []func()
}

func newService(deps *dependencies) (*service, error) {
	// The script moves this clock past cool-downs; a real service uses the
	// default system clock.
	clock := fakeclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	b, err := runtime.New(runtime.WithClock(clock),
		runtime.WithDefaults(runtime.Options{CoolDown: 30 * time.Second, SampleThreshold: 3}))
	if err != nil {
		return nil, err
	}
	s := &service{b: b, clock: clock, deps: deps}

	conn, err := grpc.NewClient(deps.inventory,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(breakergrpc.UnaryClientInterceptor(b)),
		grpc.WithChainStreamInterceptor(breakergrpc.StreamClientInterceptor(b)))
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { _ = conn.Close() })
	s.inventory = healthpb.NewHealthClient(conn)

	s.cache = redis.NewClient(&redis.Options{Addr: deps.redis})
	s.closers = append(s.closers, func() { _ = s.cache.Close() })
	if err := breakerredis.Instrument(s.cache, b); err != nil {
		return nil, err
	}

	pricing, err := breakerhttp.New(http.DefaultTransport, b)
	if err != nil {
		return nil, err
	}
	s.pricing = &http.Client{Transport: pricing}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /quote", s.quote)
	s.api = httptest.NewServer(mux)
	admin := http.NewServeMux()
	admin.Handle("GET /admin/circuits", breakerhttp.StatusHandler(b)) // behind the service's own auth in real life
	s.admin = httptest.NewServer(admin)
	s.closers = append(s.closers, s.api.Close, s.admin.Close)
	return s, nil
}

func (s *service) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// quote answers the price of an item that is in stock, caching it in Redis.
// A dependency whose circuit is open makes it answer 503 with Retry-After.
func (s *service) quote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	item := r.URL.Query().Get("item")
	if _, err := s.inventory.Check(ctx, &healthpb.HealthCheckRequest{Service: "inventory"}); err != nil {
		s.fail(w, "inventory", err)
		return
	}
	price, err := s.price(ctx, item)
	if err != nil {
		s.fail(w, "pricing", err)
		return
	}
	fmt.Fprintf(w, "%s costs %s\n", item, price)
}

// price reads the price from the cache, else from the pricing API.
func (s *service) price(ctx context.Context, item string) (string, error) {
	key := "price:" + item
	if v, err := s.cache.Get(ctx, key).Result(); err == nil {
		return v + " (cached)", nil
	} else if !errors.Is(err, redis.Nil) && !errors.Is(err, runtime.ErrOpen) {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.deps.pricing+"/price?item="+item, nil)
	if err != nil {
		return "", err
	}
	resp, err := s.pricing.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("pricing answered %d", resp.StatusCode)
	}
	// A cache that is down (or whose circuit is open) does not fail the quote.
	_ = s.cache.Set(ctx, key, string(body), time.Second).Err()
	return string(body), nil
}

// fail answers 503, with Retry-After when the dependency's circuit is open.
func (s *service) fail(w http.ResponseWriter, dep string, err error) {
	var open *runtime.OpenCircuitError
	if errors.As(err, &open) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(open.RetryAfter().Seconds()))))
		http.Error(w, dep+" unavailable (circuit open)", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, dep+" failed", http.StatusBadGateway)
}
