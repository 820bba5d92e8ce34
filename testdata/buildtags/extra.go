//go:build breakergen_extra && (linux || darwin || windows || freebsd || !linux)

package buildtags

import "context"

// Extra is built only with -tags breakergen_extra.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -tags breakergen_extra
type Extra interface {
	Do(ctx context.Context) (int, error)
}
