package breakerctl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUserinfo(t *testing.T) {
	for raw, want := range map[string]string{
		"redis://localhost:6379":                  "",
		"redis://:secret@localhost:6379/0":        ":secret",
		"rediss://ops:s3cr3t@redis.internal:6380": "ops:s3cr3t",
		"redis://ops:pa/ss?w#rd@host:1/2?x=1":     "ops:pa/ss?w#rd",
		"redis://ops:p@ss@host":                   "ops:p@ss",
		"ops:hunter22@host:bad":                   "ops:hunter22",
		"unix://u:sockpass@/run/redis.sock":       "u:sockpass",
	} {
		assert.Equal(t, want, userinfo(raw), raw)
	}
}

func TestRedactorRemovesCredentials(t *testing.T) {
	r := newRedactor("redis://ops:s3cr%2Fet@10.1.2.3:6379/0")
	got := r.clean(`parse "redis://ops:s3cr%2Fet@10.1.2.3:6379/0": bad; password s3cr/et; userinfo ops:s3cr%2Fet@`)
	assert.NotContains(t, got, "s3cr")
	assert.Contains(t, got, "redis://ops:xxxxx@10.1.2.3:6379/0")

	short := newRedactor("redis://:abc@host")
	assert.Equal(t, "abcdef", short.clean("abcdef"), "a password this short is not hunted in every message")
	assert.Equal(t, "redis://:xxxxx@host", short.clean("redis://:abc@host"))
}
