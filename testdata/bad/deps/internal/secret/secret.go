// Package secret is internal to testdata/bad/deps.
package secret

// Token is a secret.
type Token struct{ V string }
