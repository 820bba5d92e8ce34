package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snippetMarker precedes a README code block that TestReadmeSnippets
// compiles or runs, naming the file it becomes.
var snippetMarker = regexp.MustCompile("(?m)^<!-- snippet: (\\S+) -->\n```(go|sh)\n((?s:.*?))```\n")

// readmeSnippets returns the marked code blocks of the README by file name.
func readmeSnippets(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	out := map[string]string{}
	for _, m := range snippetMarker.FindAllStringSubmatch(string(data), -1) {
		out[m[1]] = m[3]
	}
	return out
}

// snippetPreambles are what each Go snippet of the README leaves out: its
// package clause and imports.
var snippetPreambles = map[string]string{
	"streams/blobs.go": "package streams\n\nimport (\n\t\"context\"\n\t\"io\"\n)\n\n",
	"orders/judge.go": "package orders\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/breakergen/breakergen/runtime\"\n" +
		"\t\"google.golang.org/grpc/codes\"\n\t\"google.golang.org/grpc/status\"\n)\n\n",
	"orders/client.go":  "package orders\n\n",
	"objects/client.go": "package objects\n\n",
	"payments/doc.go":   "",
	"payments/payments.go": "package payments\n\nimport (\n\t\"context\"\n\t\"errors\"\n)\n\n" +
		"var ErrDeclined = errors.New(\"declined\")\n\ntype LimitError struct{}\n\n" +
		"func (*LimitError) Error() string { return \"over the limit\" }\n\n" +
		"type (\n\tChargeRequest struct{ Cents int }\n\tReceipt       struct{ ID string }\n)\n\n" +
		"func chargeOffline(context.Context, ChargeRequest) (Receipt, error) { return Receipt{}, nil }\n\n",
	"payments/wire.go": "package payments\n\nimport (\n\t\"context\"\n\n" +
		"\t\"github.com/breakergen/breakergen/runtime\"\n\t\"github.com/breakergen/breakergen/runtime/storage\"\n)\n\n" +
		"type chargeQueue struct{}\n\n" +
		"func (chargeQueue) Charge(context.Context, ChargeRequest) (Receipt, error) { return Receipt{}, nil }\n\n" +
		"func wire(store storage.Storage, client, euClient Payments, queue chargeQueue) {\n",
	"httpclient/client.go": "package httpclient\n\nimport (\n\t\"net/http\"\n\t\"time\"\n\n" +
		"\t\"github.com/breakergen/breakergen/breakerhttp\"\n\t\"github.com/breakergen/breakergen/runtime\"\n)\n\n" +
		"func newClient(b *runtime.Breaker) *http.Client {\n",
}

// snippetEnds close what a preamble opened: the function around a snippet of
// statements.
var snippetEnds = map[string]string{
	"httpclient/client.go": "\treturn client\n}\n",
	"payments/wire.go":     "\t_, _, _ = p, eu, cached\n}\n",
}

// grpcStub is the part of google.golang.org/grpc the README's status judge
// uses, so that it compiles without the module.
var grpcStub = map[string]string{
	"grpcstub/go.mod":           "module google.golang.org/grpc\n\ngo 1.26\n",
	"grpcstub/codes/codes.go":   "package codes\n\ntype Code uint32\n\nconst (\n\tOK Code = iota\n\tCanceled\n\tUnknown\n\tInvalidArgument\n\tDeadlineExceeded\n\tNotFound\n\tAlreadyExists\n\tPermissionDenied\n\tResourceExhausted\n\tFailedPrecondition\n\tAborted\n\tOutOfRange\n\tUnimplemented\n\tInternal\n\tUnavailable\n\tDataLoss\n\tUnauthenticated\n)\n",
	"grpcstub/status/status.go": "package status\n\nimport \"google.golang.org/grpc/codes\"\n\nfunc Code(err error) codes.Code {\n\tif err == nil {\n\t\treturn codes.OK\n\t}\n\treturn codes.Unknown\n}\n",
	"orderpb/orderpb.go": "package orderpb\n\nimport \"context\"\n\ntype CallOption interface{}\n\ntype (\n\tGetOrderRequest struct{ ID string }\n\tOrder           struct{ Cents int }\n\tListOrdersRequest struct{}\n\tOrderList       struct{ Orders []*Order }\n)\n\n" +
		"type OrdersClient interface {\n\tGetOrder(ctx context.Context, in *GetOrderRequest, opts ...CallOption) (*Order, error)\n\tListOrders(ctx context.Context, in *ListOrdersRequest, opts ...CallOption) (*OrderList, error)\n}\n",
}

// awsStub is the part of the AWS SDK's S3 client the README's quoted-path
// directive names, so that it generates and compiles without the module.
var awsStub = map[string]string{
	"awsstub/go.mod": "module github.com/aws/aws-sdk-go-v2\n\ngo 1.26\n",
	"awsstub/service/s3/api.go": "package s3\n\nimport \"context\"\n\ntype Options struct{}\n\n" +
		"type (\n\tGetObjectInput  struct{ Key *string }\n\tGetObjectOutput struct{ ContentLength *int64 }\n)\n\n" +
		"type GetObjectAPIClient interface {\n\tGetObject(ctx context.Context, in *GetObjectInput, optFns ...func(*Options)) (*GetObjectOutput, error)\n}\n",
	"awsstub/service/s3/types/errors.go": "package types\n\ntype NoSuchKey struct{ Message *string }\n\n" +
		"func (e *NoSuchKey) Error() string { return \"NoSuchKey\" }\n",
}

// TestReadmeSnippets compiles the README's snippets of the generator's
// features (the stream recipe, the gRPC status judge and its -source
// directive, an AWS-style directive naming an error type by a quoted import
// path, the annotated Payments interface and its injection with a fallback
// option, the HTTP client) in a scratch module, generating their decorators with this
// command, and runs the recipe for a local checkout.
func TestReadmeSnippets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs the go command")
	}
	snippets := readmeSnippets(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	dir := t.TempDir()
	gomod := "module example.com/scratch\n\ngo 1.26\n\n" +
		"require (\n\tgithub.com/breakergen/breakergen v0.0.0\n\tgoogle.golang.org/grpc v1.0.0\n\tgithub.com/aws/aws-sdk-go-v2 v1.0.0\n)\n\n" +
		requireBlock(t, root) + "\n" +
		"replace github.com/breakergen/breakergen => " + root + "\n\nreplace google.golang.org/grpc => ./grpcstub\n\n" +
		"replace github.com/aws/aws-sdk-go-v2 => ./awsstub\n\n" +
		"tool github.com/breakergen/breakergen/cmd/breakergen\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	files := map[string]string{"go.mod": gomod, "go.sum": string(sum)}
	for _, stub := range []map[string]string{grpcStub, awsStub} {
		for name, src := range stub {
			files[name] = src
		}
	}
	for name, preamble := range snippetPreambles {
		src, ok := snippets[name]
		require.True(t, ok, "the README has no snippet %s", name)
		files[name] = preamble + strings.ReplaceAll(src, "example.com/api/orderpb", "example.com/scratch/orderpb") + snippetEnds[name]
	}
	files["streams/doc.go"] = "package streams\n\n//go:generate go tool breakergen\n"
	writeFiles(t, dir, files)
	goRun(t, dir, nil, "generate", "./...")
	for _, pkg := range []string{"streams", "orders", "objects", "payments"} {
		got, _ := filepath.Glob(filepath.Join(dir, pkg, "*_breaker.go"))
		assert.NotEmpty(t, got, "the decorator generated in %s", pkg)
	}
	goRun(t, dir, nil, "vet", "./...")
	checkout(t, root, snippets["local-checkout.sh"])
}

// checkout runs the README's recipe for a local checkout in a new module
// with one annotated interface, and checks that it generated and built.
func checkout(t *testing.T, root, recipe string) {
	t.Helper()
	require.NotEmpty(t, recipe, "the README has no snippet local-checkout.sh")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"app/go.mod": "module example.com/app\n\ngo 1.26\n",
		"app/app.go": "package app\n\nimport \"context\"\n\n//go:generate go tool breakergen\n//breaker:circuit name=app\n" +
			"type Store interface {\n\tGet(ctx context.Context, id string) (string, error)\n}\n",
	})
	require.NoError(t, os.Symlink(root, filepath.Join(dir, "breakergen")), "the checkout, at ../breakergen")
	cmd := exec.Command("sh", "-e", "-c", recipe)
	cmd.Dir = filepath.Join(dir, "app")
	// Offline: what the recipe needs is in the module cache this module's
	// own build filled, and a proxy must not be asked for a module path
	// that only the replace provides.
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the recipe failed:\n%s", out)
	assert.FileExists(t, filepath.Join(dir, "app", "store_breaker.go"))
}

// writeFiles writes files (relative names to contents) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	}
}
