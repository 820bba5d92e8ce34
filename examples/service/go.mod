module github.com/breakergen/breakergen/examples/service

go 1.26.0

replace (
	github.com/breakergen/breakergen => ../../
	github.com/breakergen/breakergen/breakergrpc => ../../breakergrpc
)

require (
	github.com/breakergen/breakergen v0.0.0
	github.com/breakergen/breakergen/breakergrpc v0.0.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stretchr/testify v1.12.1
	google.golang.org/grpc v1.85.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
