// Package buildtags is a golden case: interfaces declared in build-tagged
// files. Everywhere is built unless the tag breakergen_off is set; Extra only
// with the tag breakergen_extra (generated with -tags breakergen_extra). Each
// decorator carries the //go:build line of its interface's file.
package buildtags
