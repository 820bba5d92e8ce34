package breakerctl_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/breakergen/breakergen/cmd/breakerctl/internal/breakerctl"
	"github.com/stretchr/testify/assert"
)

// result is what one run of breakerctl printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

func runCtl(env map[string]string, args ...string) result {
	var out, errOut bytes.Buffer
	code := breakerctl.Main(args, func(k string) string { return env[k] }, &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestBadCommandLinesPrintUsageAndExit2(t *testing.T) {
	env := map[string]string{"REDIS_URL": "redis://127.0.0.1:1"}
	for name, args := range map[string][]string{
		"no command":      {},
		"unknown command": {"lock"},
		"missing name":    {"status"},
		"extra argument":  {"list", "payments"},
		"two names":       {"reset", "a", "b"},
		"empty name":      {"unlock", ""},
		"unknown flag":    {"-yes", "list"},
		"force on list":   {"-force", "list"},
		"force on unlock": {"unlock", "-force", "payments"},
		"bad timeout":     {"-timeout", "0s", "list"},
		"empty prefix":    {"-prefix", "", "list"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runCtl(env, args...)
			assert.Equal(t, breakerctl.ExitUsage, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "breakerctl")
		})
	}
	help := runCtl(env, "-h")
	assert.Equal(t, breakerctl.ExitOK, help.code)
	assert.Contains(t, help.stderr, "usage: breakerctl [flags] COMMAND [NAME]")
	assert.Contains(t, help.stderr, "-redis-url URL")
}

func TestNoRedisURL(t *testing.T) {
	r := runCtl(nil, "list")
	assert.Equal(t, breakerctl.ExitUsage, r.code)
	assert.Equal(t, "breakerctl: no Redis: give -redis-url or set REDIS_URL\n", r.stderr)
}

// TestCredentialsNeverShow gives URLs with passwords that fail to parse or
// to connect: the error is one line, and the password is not in it.
func TestCredentialsNeverShow(t *testing.T) {
	const secret = "Sup3rS3cret"
	for name, tc := range map[string]struct {
		url  string
		code int
	}{
		"bad port":        {"redis://ops:" + secret + "@127.0.0.1:notaport/0", breakerctl.ExitUsage},
		"bad scheme":      {"http://ops:" + secret + "@127.0.0.1:6379", breakerctl.ExitUsage},
		"bad database":    {"redis://:" + secret + "@127.0.0.1:6379/x", breakerctl.ExitUsage},
		"control char":    {"redis://ops:" + secret + "@127.0.0.1\x7f:6379", breakerctl.ExitUsage},
		"unknown option":  {"redis://ops:" + secret + "@127.0.0.1:6379?color=blue", breakerctl.ExitUsage},
		"unreachable":     {"redis://ops:" + secret + "@127.0.0.1:1/0?dial_timeout=200ms", breakerctl.ExitError},
		"unreachable tls": {"rediss://:" + secret + "@127.0.0.1:1", breakerctl.ExitError},
	} {
		t.Run(name, func(t *testing.T) {
			for _, args := range [][]string{{"-redis-url", tc.url, "list"}, {"status", "payments"}} {
				r := runCtl(map[string]string{"REDIS_URL": tc.url}, args...)
				assert.Equal(t, tc.code, r.code, r.stderr)
				assert.NotContains(t, r.stderr+r.stdout, secret)
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
				assert.True(t, strings.HasPrefix(r.stderr, "breakerctl: "), r.stderr)
			}
		})
	}
}
