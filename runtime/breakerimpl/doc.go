// Package breakerimpl is the plumbing of the decorators breakergen generates:
// what generated code calls and nothing else should. It is public only because
// generated code lives in its users' packages, as protobuf-go's protoimpl is.
// Its API follows the generator, not the compatibility promise of package
// runtime: do not call it by hand. Use package runtime (Breaker, Circuit,
// Options, the decorator options WithInstance and WithOptions) instead; a
// generated decorator and this package always come from one version of
// breakergen, as the generator lives in the same module.
//
// A generated constructor calls Decorate once and resolves every circuit of
// its decorator through the Decoration: Circuit for a plain circuit, Keyed
// for a family of circuits with one circuit per key value. Its methods call
// the runtime.Circuit's Allow and the runtime.Attempt's Done directly, and
// CountFallback before a fallback answers a refused call.
package breakerimpl
