package breakerctl_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/breakergen/breakergen/cmd/breakerctl/internal/breakerctl"
)

// Example runs breakerctl as cmd/breakerctl does, with a command line that
// lacks the circuit's name: the error, the usage, and exit status 2.
func Example() {
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "redis://127.0.0.1:6379" }
	code := breakerctl.Main([]string{"lock-open"}, getenv, &stdout, &stderr)
	lines := strings.Split(stderr.String(), "\n")
	fmt.Println(lines[0])
	fmt.Println(lines[1])
	fmt.Println("exit", code)
	// Output:
	// breakerctl: lock-open takes one circuit NAME
	// usage: breakerctl [flags] COMMAND [NAME]
	// exit 2
}
