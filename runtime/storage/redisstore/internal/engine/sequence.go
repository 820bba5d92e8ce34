package engine

import (
	"strconv"
	"sync/atomic"
)

// seqLanes is how many sequences a strict store keeps per circuit: its
// records are sent concurrently, and each lane's window (lua/prelude.lua)
// holds 52 batches in flight, so a process may have 8 × 52 records of one
// circuit on their way before Redis takes one for a replay. A fleet store
// sends one batch of a circuit at a time, in lane 0.
const seqLanes = 8

// sequence numbers the batches a process sends of one circuit, shared by its
// handles and by the retired circuit of the name: Redis counts a batch once
// per (process, lane, number), and takes a number at or below the last it
// counted, outside its window, for a replay. It is safe for concurrent use.
type sequence struct {
	next  atomic.Uint32
	lanes [seqLanes]atomic.Uint64
}

// seqNum is one batch's number.
type seqNum struct {
	lane int
	n    uint64
}

// newSequence returns a sequence whose lanes start at start: a circuit made
// again after it was dropped numbers on from where any earlier one could have
// got, so start grows with time.
func newSequence(start uint64) *sequence {
	s := &sequence{}
	for i := range s.lanes {
		s.lanes[i].Store(start)
	}
	return s
}

// batch returns the next number of lane 0, a fleet store's.
func (s *sequence) batch() seqNum { return seqNum{n: s.lanes[0].Add(1)} }

// record returns the next number of the next lane, a strict store's.
func (s *sequence) record() seqNum {
	lane := int(s.next.Add(1) % seqLanes)
	return seqNum{lane: lane, n: s.lanes[lane].Add(1)}
}

// id returns the field of the sequence hash of the lane of process pid.
func (n seqNum) id(pid string) string {
	if n.lane == 0 {
		return pid
	}
	return pid + "/" + strconv.Itoa(n.lane)
}
