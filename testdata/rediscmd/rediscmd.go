// Package rediscmd is a golden case: go-redis commands, whose results are
// *StringCmd and the like with their error in Err(). Each method is judged by
// its command's Err(); a refused call returns a new command carrying the
// open-circuit error (SetErr); redis.Nil, a constant, is an answer (no such
// key), not a failure. A //breaker:method line beside the -source line gives
// one method a circuit per key; a refused command's String names it.
package rediscmd

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source github.com/redis/go-redis/v9 -type StringCmdable
//breaker:circuit name=redis samples=3 cooldown=10s exclude=redis.Nil
//breaker:method GetDel key=$2 maxkeys=64
