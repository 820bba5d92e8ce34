package breakergrpc

import (
	"context"
	"errors"
	"io"
	"sync"

	"google.golang.org/grpc"

	"github.com/breakergen/breakergen/runtime"
)

// stream is a client stream whose outcome is recorded when its RecvMsg first
// returns an error (io.EOF: a success), or, for a stream whose server sends
// one message, when that message arrives. grpc-go allows one goroutine in
// RecvMsg at a time, which is the only one that touches judged and a.
type stream struct {
	grpc.ClientStream
	ctx    context.Context
	i      *Interceptors
	single bool
	judged bool
	a      runtime.Attempt
}

// streams recycles the wrappers of refused streams, so a refusal allocates
// nothing. Only a wrapper no caller has seen goes back: a stream that opened
// belongs to its caller, who may keep it after it ends, and is never
// recycled.
var streams = sync.Pool{New: func() any { return new(stream) }}

// stream is the stream interceptor. The wrapper of an opened stream is its
// one allocation, which no sound scheme avoids: the caller holds the stream
// as long as it likes, so the wrapper cannot be reused before the garbage
// collector finds it unreachable (a finalizer that recycles it then is safe
// but more than doubles the time), and grpc.OnFinish instead of a wrapper
// costs more (a closure, the attempt it captures and a longer option list:
// three allocations, four on a real stream). A wrapper must exist before
// Allow, which returns the Attempt that must not move: while the circuit
// admits, a new one, as a sync.Pool miss would make at a higher cost; while
// it refuses, one from the pool, put back at once.
func (i *Interceptors) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	c := i.cs.lookup(cc, method)
	refusing := c.refusing.Load()
	var s *stream
	if refusing {
		s = streams.Get().(*stream)
	} else {
		s = new(stream)
	}
	var err error
	s.a, err = c.c.Allow(ctx)
	if err != nil {
		if !refusing {
			c.refusing.Store(true)
		}
		streams.Put(s)
		return nil, c.skip(err)
	}
	if refusing {
		c.refusing.Store(false)
	}
	opened := false
	defer func() {
		if !opened {
			s.a.RecordPanic() // the streamer panicked: a failure, and the panic goes on
		}
	}()
	cs, err := streamer(ctx, desc, cc, method, opts...)
	opened = true
	if err != nil {
		i.record(ctx, &s.a, err)
		return nil, err
	}
	s.ClientStream, s.ctx, s.i, s.single = cs, ctx, i, desc == nil || !desc.ServerStreams
	return s, nil
}

// RecvMsg receives a message and judges the stream on its first error.
func (s *stream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if s.judged {
		return err
	}
	switch {
	case err == nil && !s.single:
		return nil
	case err == nil, errors.Is(err, io.EOF):
		s.judged = true
		s.a.Done(s.ctx, nil)
	default:
		s.judged = true
		s.i.record(s.ctx, &s.a, err)
	}
	return err
}
