// Package samename is a golden case: two imported packages with the same name
// (text/template and html/template), an imported package whose name differs
// from its path (go-vendorsdk is package vendorsdk), and this package's own
// name differs from its directory.
package samename

import (
	"context"
	htmltemplate "html/template"
	"text/template"

	vendorsdk "github.com/breakergen/breakergen/testdata/deps/go-vendorsdk"
)

// Renderer renders templates of both packages and sends the result.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit exclude=vendorsdk.ErrThrottled
type Renderer interface {
	Text(ctx context.Context, t *template.Template, data any) (string, error)
	HTML(ctx context.Context, t *htmltemplate.Template, data any) (htmltemplate.HTML, error)
	Send(ctx context.Context, m vendorsdk.Message) error
}
