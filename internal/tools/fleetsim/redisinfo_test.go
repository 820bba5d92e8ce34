package fleetsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseInfo reads the fields the reports use from INFO's text, and
// counts scripts and publishes from commandstats.
func TestParseInfo(t *testing.T) {
	const text = "# Server\r\nredis_version:7.0.15\r\n# Clients\r\nconnected_clients:33\r\n" +
		"# Memory\r\nused_memory:77100000\r\nused_memory_human:73.53M\r\nused_memory_dataset:70000000\r\nmem_clients_normal:1000000\r\n# Stats\r\ntotal_commands_processed:480120\r\n" +
		"# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.250000\r\n# Commandstats\r\n" +
		"cmdstat_evalsha:calls=48012,usec=975123,usec_per_call=20.31,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_eval:calls=3,usec=300,usec_per_call=100.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_publish:calls=7,usec=21,usec_per_call=3.00,rejected_calls=0,failed_calls=0\r\n" +
		"# Keyspace\r\ndb0:keys=34000,expires=33000,avg_ttl=0\r\ndb1:keys=2,expires=0,avg_ttl=0\r\n"
	in, err := parseInfo(text)
	require.NoError(t, err)
	assert.Equal(t, "7.0.15", in.version)
	assert.InDelta(t, 3.75, in.cpu, 1e-9)
	assert.Equal(t, int64(480120), in.commands)
	assert.Equal(t, int64(77100000), in.memory)
	assert.Equal(t, int64(70000000), in.dataset)
	assert.Equal(t, int64(1000000), in.conns)
	assert.Equal(t, int64(33), in.clients)
	assert.Equal(t, int64(34002), in.keys)
	assert.Equal(t, cmdStat{calls: 48012, usec: 975123}, in.cmds["evalsha"])
	var zero redisInfo
	assert.Equal(t, int64(48015), in.calls(zero, scriptCommands))
	assert.Equal(t, int64(7), in.calls(zero, publishCommands))
	cs := commandStats(zero, in, 2)
	require.Len(t, cs, 3)
	assert.Equal(t, CommandStat{Name: "evalsha", PerSecond: 24006, MicrosPerCall: 975123.0 / 48012}, cs[0])
}

// TestParseInfoMalformed reports a field it cannot read.
func TestParseInfoMalformed(t *testing.T) {
	_, err := parseInfo("used_memory:lots\r\n")
	require.Error(t, err)
	_, err = parseInfo("cmdstat_get:usec=3\r\n")
	require.Error(t, err)
}
