package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// dependencies are the servers the service calls, all on loopback.
type dependencies struct {
	inventory  string // gRPC address
	pricing    string // HTTP base URL
	redis      string
	pricingBad atomic.Bool // the pricing API answers 503 while set
	stops      []func()
}

func (d *dependencies) stop() {
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
}

func startDependencies(ctx context.Context, redisAddr string) (*dependencies, error) {
	d := &dependencies{}
	if err := d.startInventory(); err != nil {
		return nil, err
	}
	if err := d.startPricing(); err != nil {
		d.stop()
		return nil, err
	}
	d.redis = redisAddr
	if redisAddr == "" {
		if err := d.startRedis(ctx); err != nil {
			d.stop()
			return nil, err
		}
	}
	return d, nil
}

// startInventory serves gRPC's health service, standing for an inventory
// service: its Check answers SERVING for "inventory".
func (d *dependencies) startInventory() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("inventory", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(l) }()
	d.inventory = l.Addr().String()
	d.stops = append(d.stops, srv.Stop)
	return nil
}

// startPricing serves the pricing API: a price, or 503 while pricingBad.
func (d *dependencies) startPricing() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.pricingBad.Load() {
			http.Error(w, "pricing is down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "42.00")
	})}
	go func() { _ = srv.Serve(l) }()
	d.pricing = "http://" + l.Addr().String()
	d.stops = append(d.stops, func() { _ = srv.Close() })
	return nil
}

// startRedis starts a redis-server from PATH on a free loopback port, without
// persistence, and waits until it answers.
func (d *dependencies) startRedis(ctx context.Context) error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("no redis-server on PATH (Debian: apt-get install redis-server), and no -redis address")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	dir, err := os.MkdirTemp("", "service-redis-")
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return err
	}
	d.stops = append(d.stops, func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = os.RemoveAll(dir) })
	d.redis = fmt.Sprintf("127.0.0.1:%d", port)
	probe := redis.NewClient(&redis.Options{Addr: d.redis})
	defer probe.Close()
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
		if probe.Ping(ctx).Err() == nil {
			return nil
		}
	}
	return errors.New("redis-server did not answer within 10s")
}
