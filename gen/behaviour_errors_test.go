package gen_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vendorsdk "github.com/breakergen/breakergen/testdata/deps/go-vendorsdk"
	"github.com/breakergen/breakergen/testdata/deps/s3like"
	"github.com/breakergen/breakergen/testdata/deps/s3like/types"
	"github.com/breakergen/breakergen/testdata/typederrs"
)

// bucketStore is an s3like.API that fails with err.
type bucketStore struct{ err error }

func (s *bucketStore) GetObject(ctx context.Context, in *s3like.GetObjectInput, opts ...func(*s3like.Options)) (*s3like.GetObjectOutput, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &s3like.GetObjectOutput{Body: []byte(*in.Key)}, nil
}

func (s *bucketStore) PutObject(ctx context.Context, in *s3like.PutObjectInput, opts ...func(*s3like.Options)) (*s3like.PutObjectOutput, error) {
	return &s3like.PutObjectOutput{}, s.err
}

func TestTypedErrorsExcludeNotFound(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	store := &bucketStore{err: fmt.Errorf("get: %w", &types.NoSuchKey{Key: "a"})}
	objects := typederrs.NewObjects(store, h.b)
	bucket, key := "media", "a"
	in := &s3like.GetObjectInput{Bucket: &bucket, Key: &key}
	for range 20 {
		_, err := objects.GetObject(ctx, in)
		var missing *types.NoSuchKey
		require.ErrorAs(t, err, &missing, "returned untouched")
	}
	assert.Zero(t, h.status(t, "s3[media]").SampleSize, "a missing object (*types.NoSuchKey) is not recorded")

	store.err = types.SlowDown{}
	for range 5 {
		_, err := objects.PutObject(ctx, &s3like.PutObjectInput{Bucket: &bucket, Key: &key})
		require.ErrorAs(t, err, new(types.SlowDown))
	}
	assert.Zero(t, h.status(t, "s3[media]").SampleSize, "a value error type (types.SlowDown) is excluded too")

	store.err = errBoom
	for range 3 {
		_, err := objects.GetObject(ctx, in)
		require.ErrorIs(t, err, errBoom)
	}
	_, err := objects.GetObject(ctx, in)
	wantOpen(t, err, "other errors still count")
}

// ledger is a typederrs.Ledger failing with err.
type typedLedger struct{ err error }

func (l typedLedger) Write(ctx context.Context, entry string) error { return l.err }
func (l typedLedger) Read(ctx context.Context, entry string) (string, error) {
	return entry, l.err
}

func TestTypedErrorsConstantsAndValueTypes(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	locked := typederrs.NewLedgerBreaker(typedLedger{err: fmt.Errorf("read: %w", typederrs.ErrLocked)}, h.b)
	for range 10 {
		_, err := locked.Read(ctx, "e")
		require.ErrorIs(t, err, typederrs.ErrLocked)
	}
	assert.Zero(t, h.status(t, "ledger").SampleSize, "a constant error is excluded")

	conflict := typederrs.NewLedgerBreaker(typedLedger{err: typederrs.ConflictError{Version: 3}}, h.b)
	for range 10 {
		require.ErrorAs(t, conflict.Write(ctx, "e"), new(typederrs.ConflictError))
	}
	st := h.status(t, "ledger.Write")
	assert.Equal(t, 10, st.SampleSize, "a success= error type is recorded")
	assert.Zero(t, st.FailureRate, "as a success")

	// success="github.com/.../go-vendorsdk".ErrThrottled: a variable of a
	// package no file of typederrs imports, named by its quoted path.
	throttled := typederrs.NewLedgerBreaker(typedLedger{err: vendorsdk.ErrThrottled}, h.b)
	for range 5 {
		require.ErrorIs(t, throttled.Write(ctx, "e"), vendorsdk.ErrThrottled)
	}
	st = h.status(t, "ledger.Write")
	assert.Equal(t, 15, st.SampleSize, "a quoted-path success= variable is recorded")
	assert.Zero(t, st.FailureRate, "as a success")
}
