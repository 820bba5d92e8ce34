// Package breakergrpc puts gRPC client calls behind circuits of a
// runtime.Breaker: a unary and a stream client interceptor.
//
//	conn, err := grpc.NewClient(target,
//		grpc.WithChainUnaryInterceptor(breakergrpc.UnaryClientInterceptor(b)),
//		grpc.WithChainStreamInterceptor(breakergrpc.StreamClientInterceptor(b)))
//
// Circuits are per service by default, "grpc[helloworld.Greeter]", shared by
// every connection of the Breaker that calls that service; PerMethod gives
// each target and method its own, "grpc[dns:///greeter:50051/helloworld.Greeter/SayHello]".
//
// Judging, by default: a call that returns OK is a success; the status codes
// Unavailable, DeadlineExceeded, ResourceExhausted, Internal, Unknown and
// DataLoss (DefaultFailureCodes; WithFailureCodes changes them) are failures;
// every other code (NotFound, InvalidArgument, AlreadyExists,
// PermissionDenied, Unauthenticated, FailedPrecondition, OutOfRange, Aborted,
// Unimplemented, and Canceled from the server) answers the request and is
// not recorded; a call whose caller cancelled its context is not recorded
// either. An error that carries no status counts as Unknown.
//
// A stream is judged by its opening, then by the first error its RecvMsg
// returns: io.EOF (or, for a stream whose server sends one message, that
// message) is a success, another error is judged as a unary call's. A stream
// abandoned before either is not recorded.
//
// A call the circuit refuses makes no request: it returns a *SkippedError, a
// status error with codes.Unavailable (status.Code(err) says so, with a
// RetryInfo detail) that also matches errors.Is(err, runtime.ErrOpen) and
// unwraps to the *runtime.OpenCircuitError, whose RetryAfter tells when the
// next probe may run.
package breakergrpc
