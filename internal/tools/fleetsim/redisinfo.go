package fleetsim

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// infoSections are the sections of INFO the simulator reads.
var infoSections = []string{"server", "clients", "memory", "stats", "cpu", "commandstats", "keyspace"}

// redisInfo is what one INFO says of the server.
type redisInfo struct {
	version  string
	cpu      float64 // used_cpu_sys + used_cpu_user, seconds
	commands int64   // total_commands_processed
	memory   int64   // used_memory, bytes
	dataset  int64   // used_memory_dataset: used_memory without the server's overhead
	conns    int64   // mem_clients_normal: the clients' buffers
	clients  int64   // connected_clients
	keys     int64   // keys of every database
	cmds     map[string]cmdStat
}

// cmdStat is one command's line of INFO commandstats.
type cmdStat struct{ calls, usec int64 }

// readInfo reads INFO from c.
func readInfo(ctx context.Context, c *redis.Client) (redisInfo, error) {
	s, err := c.Info(ctx, infoSections...).Result()
	if err != nil {
		return redisInfo{}, fmt.Errorf("fleetsim: INFO: %w", err)
	}
	return parseInfo(s)
}

// parseInfo parses the text of INFO.
func parseInfo(s string) (redisInfo, error) {
	in := redisInfo{cmds: make(map[string]cmdStat)}
	var cpuSys, cpuUser float64
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		var err error
		switch {
		case k == "redis_version":
			in.version = v
		case k == "used_cpu_sys":
			cpuSys, err = strconv.ParseFloat(v, 64)
		case k == "used_cpu_user":
			cpuUser, err = strconv.ParseFloat(v, 64)
		case k == "total_commands_processed":
			in.commands, err = strconv.ParseInt(v, 10, 64)
		case k == "used_memory":
			in.memory, err = strconv.ParseInt(v, 10, 64)
		case k == "used_memory_dataset":
			in.dataset, err = strconv.ParseInt(v, 10, 64)
		case k == "mem_clients_normal":
			in.conns, err = strconv.ParseInt(v, 10, 64)
		case k == "connected_clients":
			in.clients, err = strconv.ParseInt(v, 10, 64)
		case strings.HasPrefix(k, "cmdstat_"):
			var st cmdStat
			st.calls, err = field(v, "calls")
			if err == nil {
				st.usec, err = field(v, "usec")
			}
			in.cmds[strings.TrimPrefix(k, "cmdstat_")] = st
		case strings.HasPrefix(k, "db"):
			var n int64
			n, err = field(v, "keys")
			in.keys += n
		}
		if err != nil {
			return in, fmt.Errorf("fleetsim: INFO line %q: %w", sc.Text(), err)
		}
	}
	in.cpu = cpuSys + cpuUser
	return in, sc.Err()
}

// field returns the integer value of name in a list such as
// "calls=3,usec=12,usec_per_call=4.00".
func field(list, name string) (int64, error) {
	for kv := range strings.SplitSeq(list, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s", name)
}

// scriptCommands are the commands that run a script or a function.
var scriptCommands = []string{"eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"}

// publishCommands are the commands that publish a message.
var publishCommands = []string{"publish", "spublish"}

// calls returns the calls of the commands named since o.
func (in redisInfo) calls(o redisInfo, names []string) int64 {
	var n int64
	for _, name := range names {
		n += in.cmds[name].calls - o.cmds[name].calls
	}
	return n
}
