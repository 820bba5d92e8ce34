package gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// OutputFile is one file a run produces; it is a plain value, safe to read
// from several goroutines.
type OutputFile struct {
	// Path is the absolute path of the file.
	Path string
	// Content is the complete, formatted source.
	Content []byte
	// Changed reports whether Content differs from the file on disk (or the
	// file does not exist yet).
	Changed bool
}

// checkOutput refuses to overwrite a file the generator did not write, and
// reports whether the file on disk already holds content.
func checkOutput(path string, content []byte) (changed bool, err error) {
	old, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("%w: %v", ErrWrite, err)
	case !isGenerated(old):
		return false, fmt.Errorf("%w: %s exists and was not written by breakergen (it lacks the line %q); refusing to overwrite it", ErrWrite, path, Header)
	}
	return !bytes.Equal(old, content), nil
}

// writeFile replaces the file at path with content atomically: readers see
// the old or the new file, never a partial one.
func writeFile(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".breakergen-*.tmp")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return nil
}
