// Package unexported receives -source decorators of interfaces it cannot
// name or implement.
package unexported
