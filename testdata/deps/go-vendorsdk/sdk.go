// Package vendorsdk stands for a vendor SDK: its package name differs from the
// last element of its import path (go-vendorsdk).
package vendorsdk

import (
	"context"
	"errors"
)

// ErrThrottled is returned when the vendor rate-limits the caller.
var ErrThrottled = errors.New("vendorsdk: throttled")

// Message is sent through the vendor.
type Message struct {
	To, Body string
}

// Client is the vendor's client interface.
type Client interface {
	Send(ctx context.Context, m Message) (id string, err error)
	Status(ctx context.Context, id string) (delivered bool, err error)
	Region() string
}
