package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// script plays the example's timeline and prints what a client of the
// service sees, and what the status page says.
func script(ctx context.Context, w io.Writer, svc *service, deps *dependencies) error {
	fmt.Fprintln(w, "== all dependencies up")
	if err := quote(ctx, w, svc, "apple", "apple"); err != nil {
		return err
	}

	fmt.Fprintln(w, "== the pricing API fails: its failures open its circuit, then quotes do not call it")
	deps.pricingBad.Store(true)
	for i := range 4 {
		if err := quote(ctx, w, svc, fmt.Sprint("pear-", i), "pear"); err != nil {
			return err
		}
	}
	if err := statusPage(ctx, w, svc); err != nil {
		return err
	}

	fmt.Fprintln(w, "== the pricing API is back; after the cool-down one probe closes the circuit")
	deps.pricingBad.Store(false)
	svc.clock.Advance(30 * time.Second)
	for i := range 2 {
		if err := quote(ctx, w, svc, fmt.Sprint("plum-", i), "plum"); err != nil {
			return err
		}
	}
	return statusPage(ctx, w, svc)
}

// quote asks the service for a quote and prints the answer; item keys the
// cache (a new item each time misses it), label is what is printed.
func quote(ctx context.Context, w io.Writer, svc *service, item, label string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, svc.api.URL+"/quote?item="+item, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	answer := strings.TrimSpace(string(body))
	answer = strings.Replace(answer, item, label, 1)
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		answer += ", Retry-After: " + ra
	}
	fmt.Fprintf(w, "GET /quote?item=%s -> %d %s\n", label, resp.StatusCode, answer)
	return nil
}

// statusPage prints each circuit's state from the status page's JSON.
func statusPage(ctx context.Context, w io.Writer, svc *service) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, svc.admin.URL+"/admin/circuits?format=json", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var page struct {
		Circuits []struct {
			Name    string  `json:"name"`
			State   string  `json:"state"`
			Rate    float64 `json:"failure_rate"`
			Samples int     `json:"samples"`
		} `json:"circuits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return err
	}
	fmt.Fprintln(w, "status page:")
	for _, c := range page.Circuits {
		name := c.Name
		switch {
		case strings.HasPrefix(name, "redis["):
			name = "redis[<cache>]"
		case strings.HasPrefix(name, "http["):
			name = "http[<pricing>]"
		}
		fmt.Fprintf(w, "  %-32s %-9s failure rate %3.0f%% of %d\n", name, c.State, 100*c.Rate, c.Samples)
	}
	return nil
}
