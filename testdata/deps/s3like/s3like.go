// Package s3like is an SDK client in the style of the AWS SDK for Go v2:
// methods take an input struct and functional options, and errors are typed.
package s3like

import "context"

// Options are per-call options.
type Options struct{ Region string }

// GetObjectInput names an object.
type GetObjectInput struct {
	Bucket *string
	Key    *string
}

// GetObjectOutput holds an object.
type GetObjectOutput struct{ Body []byte }

// PutObjectInput holds an object to store.
type PutObjectInput struct {
	Bucket *string
	Key    *string
	Body   []byte
}

// PutObjectOutput describes a stored object.
type PutObjectOutput struct{ ETag *string }

// API is the client's interface.
type API interface {
	GetObject(ctx context.Context, params *GetObjectInput, optFns ...func(*Options)) (*GetObjectOutput, error)
	PutObject(ctx context.Context, params *PutObjectInput, optFns ...func(*Options)) (*PutObjectOutput, error)
}
