// Package overwrite would be written into a file that is not generated.
package overwrite

import "context"

// I is fine.
type I interface {
	M(ctx context.Context) error
}
