module github.com/breakergen/breakergen/bench/adapters

go 1.26.0

replace (
	github.com/breakergen/breakergen => ../../
	github.com/breakergen/breakergen/breakergrpc => ../../breakergrpc
)

require (
	github.com/breakergen/breakergen v0.0.0
	github.com/breakergen/breakergen/breakergrpc v0.0.0
	github.com/failsafe-go/failsafe-go v0.9.8
	google.golang.org/grpc v1.85.0
)

require (
	github.com/bits-and-blooms/bitset v1.24.4 // indirect
	github.com/influxdata/tdigest v0.0.1 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
