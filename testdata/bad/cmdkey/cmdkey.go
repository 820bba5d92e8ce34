// Package cmdkey keys the circuit of a whole -source interface by an
// expression most of its methods cannot take: one error says so.
package cmdkey

//go:generate breakergen -source github.com/redis/go-redis/v9 -type Cmdable
//breaker:circuit name=redis key=$2
