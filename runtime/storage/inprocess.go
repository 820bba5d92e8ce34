package storage

import "github.com/breakergen/breakergen/runtime/internal/inproc"

// The handles of Memory and Null answer from the process's memory and never
// block: the runtime gives their calls no storage deadline (see package
// inproc). A wrapper's handle, even of a Memory, is not one of them.
func init() {
	inproc.Is = func(h any) bool {
		switch h.(type) {
		case *memHandle, *nullHandle:
			return true
		}
		return false
	}
}
